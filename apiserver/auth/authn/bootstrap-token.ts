/**
 * The bootstrap token authenticator (kubernetes plugin/pkg/auth/
 * authenticator/token/bootstrap): a bearer token `<id>.<secret>` (6 and 16
 * of [a-z0-9]) names the Secret `kube-system/bootstrap-token-<id>` of type
 * `bootstrap.kubernetes.io/token`; it authenticates when the Secret's
 * token-secret matches, `usage-bootstrap-authentication` is "true", it is
 * not expired (`expiration`, RFC 3339) nor being deleted. The user is
 * `system:bootstrap:<id>` in system:bootstrappers plus `auth-extra-groups`.
 * As in Kubernetes, a token of the right shape that fails these checks is
 * simply not authenticated (none), which ends as 401.
 */
import { timingSafeEqual } from 'node:crypto';
import type { ObjectGetter } from './getter.ts';
import type { AuthnResult, TokenAuthenticator } from './types.ts';
import { withAuthenticatedGroup } from './users.ts';

/** The Secret type of bootstrap tokens. */
export const BOOTSTRAP_TOKEN_SECRET_TYPE = 'bootstrap.kubernetes.io/token';
/** The group every bootstrap token user is in. */
export const BOOTSTRAPPERS = 'system:bootstrappers';
const TOKEN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const EXTRA_GROUP = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;

/** The Secret fields the decision reads (data values already decoded from base64). */
export interface BootstrapSecretFacts {
  type?: string;
  deleting: boolean;
  data: Record<string, string>;
}

/**
 * Decides a bootstrap token against its Secret (undefined: absent) at
 * `nowMs`. Returns the user, or none with the reason in `why` (for the
 * debug log; never the token). Pure.
 */
export function decideBootstrapToken(token: string, secret: BootstrapSecretFacts | undefined, nowMs: number): AuthnResult & { why?: string } {
  const m = TOKEN.exec(token);
  if (!m) return { kind: 'none', why: 'not a bootstrap token' };
  const [, id, secretPart] = m;
  if (!secret) return { kind: 'none', why: `no secret bootstrap-token-${id}` };
  if (secret.deleting) return { kind: 'none', why: 'secret is being deleted' };
  if (secret.type !== BOOTSTRAP_TOKEN_SECRET_TYPE) return { kind: 'none', why: `secret has type ${secret.type ?? ''}` };
  const d = secret.data;
  if (d['token-id'] !== id) return { kind: 'none', why: 'token-id does not match' };
  const want = Buffer.from(d['token-secret'] ?? '');
  const got = Buffer.from(secretPart);
  if (want.length !== got.length || !timingSafeEqual(want, got)) return { kind: 'none', why: 'token-secret does not match' };
  if (d['usage-bootstrap-authentication'] !== 'true') return { kind: 'none', why: 'not usable for authentication' };
  if (d.expiration !== undefined) {
    const exp = Date.parse(d.expiration);
    if (Number.isNaN(exp) || exp <= nowMs) return { kind: 'none', why: 'token expired' };
  }
  const extra = (d['auth-extra-groups'] ?? '').split(',').map((g) => g.trim()).filter((g) => g !== '');
  if (extra.some((g) => !EXTRA_GROUP.test(g))) return { kind: 'none', why: 'bad auth-extra-groups' };
  return { kind: 'user', user: withAuthenticatedGroup({ username: `system:bootstrap:${id}`, groups: [BOOTSTRAPPERS, ...extra.filter((g) => g !== BOOTSTRAPPERS)] }) };
}

/** The Secret's decision facts; undefined for no Secret. Undecodable base64 reads as garbage, which fails the match. Pure. */
export function bootstrapSecretFacts(obj: { type?: string; metadata?: { deletionTimestamp?: string }; data?: Record<string, string> } | undefined): BootstrapSecretFacts | undefined {
  if (!obj) return undefined;
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj.data ?? {})) if (typeof v === 'string') data[k] = Buffer.from(v, 'base64').toString('utf8');
  return { type: obj.type, deleting: !!obj.metadata?.deletionTimestamp, data };
}

/** The token authenticator over Secrets read with `get`; `now` in ms since epoch. Rejects only on storage errors. */
export function bootstrapTokenAuthenticator(get: ObjectGetter, now: () => number): TokenAuthenticator {
  return async (token) => {
    const m = TOKEN.exec(token);
    if (!m) return { kind: 'none' };
    const secret = await get('secrets', 'kube-system', `bootstrap-token-${m[1]}`);
    const r = decideBootstrapToken(token, bootstrapSecretFacts(secret as Parameters<typeof bootstrapSecretFacts>[0]), now());
    return r.kind === 'user' ? { kind: 'user', user: r.user } : { kind: 'none' };
  };
}
