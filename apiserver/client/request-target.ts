/**
 * Where an HTTP request goes, as node:http request options, without parsing
 * a WHATWG URL per request (that parse was a visible share of the client's
 * CPU per call).
 */
import { urlToHttpOptions } from 'node:url';

/** The URL parts node:http takes (hostname without IPv6 brackets; `path` with the query). */
export interface RequestTarget {
  protocol: string;
  hostname: string;
  /** Absent for the scheme's default port. */
  port?: number;
  path: string;
  auth?: string;
}

/**
 * A path the WHATWG parser leaves exactly as written: absolute, not
 * protocol-relative, only characters neither the path nor the (special
 * scheme) query percent-encode set touches, and no `.`/`%2e` dot segment
 * to resolve.
 */
const VERBATIM = /^\/(?!\/)[A-Za-z0-9\-._~!$&()*+,;=:@%/?]*$/;
const DOT_SEGMENT = /\/(\.|%2e)/i;

/**
 * The request options of `path` (e.g. `/api/v1/pods?limit=5`) resolved
 * against `base`, exactly what `urlToHttpOptions(new URL(path, base))`
 * gives for the fields node:http reads; paths that need the URL parser's
 * normalisation still go through it.
 */
export function requestTarget(base: URL, path: string): RequestTarget {
  if (VERBATIM.test(path) && !DOT_SEGMENT.test(path)) {
    const t: RequestTarget = { protocol: base.protocol, hostname: hostnameOf(base), path };
    if (base.port !== '') t.port = Number(base.port);
    const auth = authOf(base);
    if (auth !== undefined) t.auth = auth;
    return t;
  }
  const o = urlToHttpOptions(new URL(path, base));
  const t: RequestTarget = { protocol: o.protocol ?? base.protocol, hostname: o.hostname ?? '', path: o.path ?? '/' };
  if (o.port !== undefined && o.port !== null && o.port !== '') t.port = Number(o.port);
  if (typeof o.auth === 'string') t.auth = o.auth;
  return t;
}

function hostnameOf(u: URL): string {
  const h = u.hostname;
  return h.startsWith('[') ? h.slice(1, -1) : h;
}

function authOf(u: URL): string | undefined {
  if (u.username === '' && u.password === '') return undefined;
  return `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
}
