/**
 * The authorization attributes of an HTTP request, as Kubernetes'
 * RequestInfoFactory.NewRequestInfo (k8s.io/apiserver/pkg/endpoints/request/requestinfo.go):
 * /api/v1/… and /apis/<group>/<version>/… are resource requests (the legacy
 * `watch/` prefix, `namespaces/<ns>/…`, name and subresource); the verb comes
 * from the method (GET on a collection is list, or watch with watch=true;
 * DELETE on a collection is deletecollection); a list or watch with a
 * `metadata.name=` field selector names that object. Every other path
 * (discovery, /healthz, /version, /openapi) is a non-resource request with the
 * lower-case method as its verb. Pure.
 */
import type { UserInfo } from '../../api/user.ts';
import type { Attributes } from './attributes.ts';

/** Subresources of a namespace itself: `/namespaces/<ns>/status` is the namespace's status, not a resource named status. */
const namespaceSubresources = new Set(['status', 'finalize']);
/** The pods subresources that open a stream into a container. */
const connectSubresources = new Set(['exec', 'attach', 'portforward']);

const methodVerbs: Record<string, string> = { POST: 'create', GET: 'get', HEAD: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

/** Query parameters the attributes depend on (first values). */
export interface RequestQuery {
  watch?: string;
  fieldSelector?: string;
}

/** Go's strconv.ParseBool truth values, as the watch parameter is read. */
function isTrue(v: string | undefined): boolean {
  return v !== undefined && ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v);
}

/** The value of a `metadata.name=` (or `==`) term of a field selector, if there is one. */
function nameFromFieldSelector(sel: string | undefined): string | undefined {
  for (const term of (sel ?? '').split(',')) {
    const m = /^\s*metadata\.name\s*==?\s*(.*?)\s*$/.exec(term);
    if (m) return m[1];
  }
  return undefined;
}

/** The percent-decoded path of a request URL, without its query (the raw path when it does not decode). */
export function decodedPath(url: string): string {
  const raw = url.split('?')[0] ?? '/';
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** The attributes of `method path?query` made by `user`; `path` is the decoded URL path without the query. */
export function requestAttributes(user: UserInfo, method: string, path: string, q: RequestQuery): Attributes {
  const segs = path.split('/').filter((s) => s !== '');
  const nonResource: Attributes = { user, verb: method.toLowerCase(), resourceRequest: false, path, apiGroup: '', apiVersion: '', resource: '', subresource: '', name: '', namespace: '' };
  let parts: string[];
  let apiGroup = '';
  let apiVersion: string;
  if (segs[0] === 'api' && segs.length >= 3) {
    apiVersion = segs[1]!;
    parts = segs.slice(2);
  } else if (segs[0] === 'apis' && segs.length >= 4) {
    apiGroup = segs[1]!;
    apiVersion = segs[2]!;
    parts = segs.slice(3);
  } else {
    return nonResource;
  }
  let verb = methodVerbs[method.toUpperCase()];
  if (verb === undefined) return { ...nonResource, verb: method.toLowerCase() };
  if (parts[0] === 'watch') {
    verb = 'watch';
    parts = parts.slice(1);
  }
  let namespace = '';
  if (parts[0] === 'namespaces') {
    if (parts.length > 1) {
      namespace = parts[1]!;
      if (parts.length > 2 && !namespaceSubresources.has(parts[2]!)) parts = parts.slice(2);
    }
  }
  const resource = parts[0] ?? '';
  let name = parts[1] ?? '';
  const subresource = parts[2] ?? '';
  // A WebSocket exec / attach / port-forward is a GET, but it opens a stream into the pod: Kubernetes 1.31+
  // (AuthorizePodWebsocketUpgradeCreatePermission) requires `create`, the verb of the SPDY POST.
  if (verb === 'get' && apiGroup === '' && resource === 'pods' && connectSubresources.has(subresource)) verb = 'create';
  if (name === '' && verb === 'get') verb = 'list';
  if (verb === 'list' && isTrue(q.watch)) verb = 'watch';
  if (name === '' && verb === 'delete') verb = 'deletecollection';
  if (name === '' && (verb === 'list' || verb === 'watch')) name = nameFromFieldSelector(q.fieldSelector) ?? '';
  return { user, verb, resourceRequest: true, path, apiGroup, apiVersion, resource, subresource, name, namespace };
}
