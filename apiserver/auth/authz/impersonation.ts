/**
 * Impersonation (`kubectl --as`, `--as-group`, `--as-uid`), as Kubernetes'
 * WithImpersonation filter (k8s.io/apiserver/pkg/endpoints/filters/impersonation.go):
 * the headers Impersonate-User, Impersonate-Group (repeatable),
 * Impersonate-Uid and Impersonate-Extra-<key> ask to act as another user;
 * each is authorized as the verb `impersonate` on users / serviceaccounts
 * (core), groups (core), uids and userextras/<key> (authentication.k8s.io).
 * A ServiceAccount user (system:serviceaccount:<ns>:<name>) gets its fixed
 * groups when none are asked for; every impersonated user except
 * system:anonymous is in system:authenticated. Pure over an Authorizer.
 */
import { badRequest, type StatusError } from '../../api/errors.ts';
import type { UserInfo } from '../../api/user.ts';
import { resourceAttributes, type Attributes, type Authorizer } from './attributes.ts';
import { forbiddenError } from './forbidden.ts';

/** Request headers, lower-cased names (node's IncomingHttpHeaders). */
export type Headers = Record<string, string | string[] | undefined>;

const all = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const saPrefix = 'system:serviceaccount:';

/** True if the request carries any impersonation header. */
export function wantsImpersonation(h: Headers): boolean {
  return Object.keys(h).some((k) => k.startsWith('impersonate-'));
}

/** The header names the filter consumes (removed before the request goes on). */
export function impersonationHeaders(h: Headers): string[] {
  return Object.keys(h).filter((k) => k.startsWith('impersonate-'));
}

/**
 * The user `requester` acts as, or the error to answer with: 400 when
 * groups, uid or extras come without a user; 403 (Kubernetes' message for
 * the first impersonation the authorizer did not allow) otherwise.
 */
export function impersonate(requester: UserInfo, h: Headers, authz: Authorizer): { user: UserInfo } | { error: StatusError } {
  const username = all(h['impersonate-user'])[0] ?? '';
  const groups = all(h['impersonate-group']);
  const uid = all(h['impersonate-uid'])[0];
  const extra: Record<string, string[]> = {};
  for (const k of Object.keys(h)) {
    if (!k.startsWith('impersonate-extra-')) continue;
    extra[decodeURIComponent(k.slice('impersonate-extra-'.length))] = all(h[k]);
  }
  if (username === '') {
    const asked = [...groups.map((g) => `groups=${g}`), ...(uid ? [`uid=${uid}`] : []), ...Object.keys(extra).map((k) => `extra=${k}`)];
    return { error: badRequest(`requested [${asked.join(' ')}] without impersonating a user`) };
  }
  const checks: Attributes[] = [];
  let finalGroups = [...groups];
  if (username.startsWith(saPrefix)) {
    const [ns = '', name = ''] = username.slice(saPrefix.length).split(':');
    checks.push(resourceAttributes(requester, { verb: 'impersonate', resource: 'serviceaccounts', namespace: ns, name }));
    if (groups.length === 0) finalGroups = ['system:serviceaccounts', `system:serviceaccounts:${ns}`];
  } else {
    checks.push(resourceAttributes(requester, { verb: 'impersonate', resource: 'users', name: username }));
  }
  for (const g of groups) checks.push(resourceAttributes(requester, { verb: 'impersonate', resource: 'groups', name: g }));
  if (uid) checks.push(resourceAttributes(requester, { verb: 'impersonate', apiGroup: 'authentication.k8s.io', resource: 'uids', name: uid }));
  for (const [k, values] of Object.entries(extra)) {
    for (const v of values) checks.push(resourceAttributes(requester, { verb: 'impersonate', apiGroup: 'authentication.k8s.io', resource: 'userextras', subresource: k, name: v }));
  }
  for (const a of checks) {
    const d = authz.authorize(a);
    if (d.decision !== 'allow') return { error: forbiddenError(a, d.reason) };
  }
  if (username === 'system:anonymous') {
    if (!finalGroups.includes('system:unauthenticated')) finalGroups.push('system:unauthenticated');
  } else if (!finalGroups.includes('system:authenticated')) {
    finalGroups.push('system:authenticated');
  }
  const user: UserInfo = { username, groups: finalGroups };
  if (uid) user.uid = uid;
  if (Object.keys(extra).length > 0) user.extra = extra;
  return { user };
}
