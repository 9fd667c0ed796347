/**
 * Host and path matching of the Ingress spec (networking/v1 docs, "Path
 * types" and "Hostname wildcards"). Pure.
 *
 * - Exact: the request path equals the rule path, case-sensitively.
 * - Prefix: the rule path's `/`-separated elements are a prefix of the
 *   request path's, element by element (`/foo/bar` matches `/foo/bar`,
 *   `/foo/bar/` and `/foo/bar/baz`, not `/foo/barbaz`); a trailing `/` of
 *   the rule is ignored; `/` matches every path.
 * - ImplementationSpecific: Skiff treats it as Prefix (an empty path as `/`).
 * - Precedence: the longest rule path wins; at equal length Exact beats
 *   Prefix.
 * - Hosts: an exact host beats a wildcard; `*.foo.com` matches exactly one
 *   extra label (`bar.foo.com`, not `foo.com` nor `baz.bar.foo.com`).
 */

/** A path rule as the router keeps it (ImplementationSpecific already mapped to Prefix). */
export interface PathRule {
  path: string;
  pathType: 'Exact' | 'Prefix';
}

/** The rule's non-empty path elements. */
function elements(path: string): string[] {
  return path.split('/').filter((e) => e !== '');
}

/** Whether `requestPath` (no query string) matches `rule`. Pure. */
export function pathMatches(rule: PathRule, requestPath: string): boolean {
  if (rule.pathType === 'Exact') return requestPath === rule.path;
  const want = elements(rule.path);
  const got = elements(requestPath);
  if (want.length > got.length) return false;
  return want.every((e, i) => got[i] === e);
}

/** The length precedence compares: Exact paths as written, Prefix paths without trailing '/'. Pure. */
export function matchLength(rule: PathRule): number {
  return rule.pathType === 'Exact' ? rule.path.length : rule.path.replace(/\/+$/, '').length;
}

/**
 * Orders rules for first-match routing: longer paths first, Exact before
 * Prefix at equal length, otherwise the given order (stable). Pure; returns
 * a new array.
 */
export function byPrecedence<T extends PathRule>(rules: readonly T[]): T[] {
  return rules
    .map((r, i) => ({ r, i }))
    .sort((a, b) => matchLength(b.r) - matchLength(a.r) || exactFirst(a.r, b.r) || a.i - b.i)
    .map((x) => x.r);
}

function exactFirst(a: PathRule, b: PathRule): number {
  if (a.pathType === b.pathType) return 0;
  return a.pathType === 'Exact' ? -1 : 1;
}

/**
 * The wildcard key a host falls under: `bar.foo.com` → `*.foo.com`;
 * undefined for a host of one label. Pure.
 */
export function wildcardOf(host: string): string | undefined {
  const dot = host.indexOf('.');
  return dot <= 0 || dot === host.length - 1 ? undefined : `*${host.slice(dot)}`;
}

/**
 * The host a request names, lower-cased, without port or trailing dot
 * (`Web.Home.LAN:8080` → `web.home.lan`; `[::1]:80` → `::1`). Pure.
 */
export function requestHost(hostHeader: string | undefined): string {
  let h = (hostHeader ?? '').trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    h = end > 0 ? h.slice(1, end) : h;
  } else {
    const colon = h.lastIndexOf(':');
    if (colon >= 0 && h.indexOf(':') === colon) h = h.slice(0, colon);
  }
  return h.endsWith('.') ? h.slice(0, -1) : h;
}

/** The path of a request target without its query string or fragment (`/a/b?x=1` → `/a/b`). Pure. */
export function requestPath(url: string | undefined): string {
  const u = url ?? '/';
  const cut = u.search(/[?#]/);
  const p = cut >= 0 ? u.slice(0, cut) : u;
  return p === '' ? '/' : p;
}
