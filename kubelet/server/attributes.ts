/**
 * What a request to the kubelet API asks for, in authorizer terms, and what
 * the kubelet answers when authentication or authorization says no. Pure.
 * The rules are Kubernetes' kubelet's: `pkg/kubelet/server/auth.go`
 * (`GetRequestAttributes`, `isSubpath`, with the KubeletFineGrainedAuthz
 * gate on, as from 1.33) and `pkg/kubelet/server/server.go`
 * (`InstallAuthFilter`: its status codes and message texts).
 */

/** An authenticated identity (Kubernetes' user.Info). */
export interface UserInfo {
  /** User name: a client cert's CN, a token's user. */
  name: string;
  /** Groups: a client cert's O values. */
  groups: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

/**
 * One set of authorizer attributes for a kubelet request: always a resource
 * request on `nodes/<subresource>` named after this node, core group, v1.
 */
export interface KubeletAttributes {
  user: UserInfo;
  /** get, create, update, patch, delete; '' for other methods (as the kubelet). */
  verb: string;
  resource: 'nodes';
  subresource: string;
  /** The node's name. */
  name: string;
  /** The request path, for logs. */
  path: string;
}

/** The kubelet's HTTP method → API verb mapping; '' for any other method. */
export function kubeletVerb(method: string): string {
  switch (method) {
    case 'GET': return 'get';
    case 'POST': return 'create';
    case 'PUT': return 'update';
    case 'PATCH': return 'patch';
    case 'DELETE': return 'delete';
    default: return '';
  }
}

/** True when `path` is `prefix` or below it (`prefix` with or without its trailing '/'), as the kubelet's isSubpath. */
export function isSubpath(path: string, prefix: string): boolean {
  const p = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  return path === p || (path.startsWith(p) && path[p.length] === '/');
}

/**
 * The subresources a path is authorized against, in the order they are
 * tried (the first allowed wins): the fine-grained one for /pods,
 * /runningpods, /healthz, /configz and /statusz, then `proxy`; `stats`,
 * `metrics`, `log` (/logs) and `checkpoint` alone; everything else
 * (containerLogs, exec, attach, portForward, run, ...) `proxy`.
 */
export function subresourcesFor(path: string): string[] {
  const fine: string[] = [];
  if (isSubpath(path, '/pods')) fine.push('pods');
  else if (isSubpath(path, '/healthz')) fine.push('healthz');
  else if (isSubpath(path, '/configz')) fine.push('configz');
  else if (isSubpath(path, '/statusz')) fine.push('statusz');
  else if (isSubpath(path, '/runningpods/')) fine.push('pods');
  if (isSubpath(path, '/stats/')) return [...fine, 'stats'];
  if (isSubpath(path, '/metrics')) return [...fine, 'metrics'];
  if (isSubpath(path, '/logs/')) return [...fine, 'log'];
  if (isSubpath(path, '/checkpoint')) return [...fine, 'checkpoint'];
  return [...fine, 'proxy'];
}

/** The attribute sets of a request by `user` to this node's kubelet, one per subresource to try. */
export function requestAttributes(user: UserInfo, method: string, path: string, nodeName: string): KubeletAttributes[] {
  const verb = kubeletVerb(method);
  return subresourcesFor(path).map((subresource) => ({ user, verb, resource: 'nodes', subresource, name: nodeName, path }));
}

/** What authentication found: a user, or nobody (no credentials, an untrusted cert, a rejected token). */
export type AuthnResult = { user: UserInfo } | { unauthenticated: string };

/** One authorizer answer: allowed, not allowed (deny or no opinion), or the authorizer failed. */
export type AuthzDecision = 'allow' | 'deny' | { error: string };

/** What the auth filter does with a request: serve it as `user`, or answer `code` with the plain-text `body`. */
export type AccessOutcome = { serve: true; user: UserInfo } | { serve: false; code: 401 | 403 | 500; body: string };

/** Go's %v of a []string: `[a b]`. */
const goList = (xs: string[]): string => `[${xs.join(' ')}]`;

/**
 * The kubelet's verdict. `decisions` are the authorizer's answers for
 * `attrs` in order, as far as they were asked (asking stops at the first
 * allow or error). Unauthenticated → 401 `Unauthorized`; an authorizer error
 * → 500 `Authorization error (user=…, verb=…, resource=…, subresource(s)=[…])`;
 * no allow → 403 `Forbidden (user=…, verb=…, resource=…, subresource(s)=[…])`.
 */
export function accessOutcome(authn: AuthnResult, attrs: KubeletAttributes[], decisions: AuthzDecision[]): AccessOutcome {
  if ('unauthenticated' in authn) return { serve: false, code: 401, body: 'Unauthorized' };
  const first = attrs[0];
  const what = first ? `user=${first.user.name}, verb=${first.verb}, resource=${first.resource}, subresource(s)=${goList(attrs.map((a) => a.subresource))}` : `user=${authn.user.name}`;
  for (const d of decisions) {
    if (d === 'allow') return { serve: true, user: authn.user };
    if (typeof d === 'object') return { serve: false, code: 500, body: `Authorization error (${what})` };
  }
  return { serve: false, code: 403, body: `Forbidden (${what})` };
}
