/**
 * Stub domains and custom upstreams of the cluster DNS, read from the
 * ConfigMap `kube-system/kube-dns` as kube-dns reads it (Kubernetes docs,
 * "Customizing DNS Service"; kube-dns pkg/dns/config/config.go):
 * - `data.stubDomains`: a JSON object from a domain to a list of name
 *   servers (`ip` or `ip:port`, `[v6]:port`): names at or under the domain
 *   go there; the longest matching domain wins;
 * - `data.upstreamNameservers`: a JSON list of at most 3 servers that
 *   replace the node's resolv.conf upstreams for every other name.
 * Each key is validated whole (kube-dns's Validate): bad JSON or one bad
 * entry rejects that key, which then keeps its previous valid value
 * (applyDNSConfig). Skiff is lenient in two ways kube-dns is not: domains
 * are case-insensitive and may end in a dot. A stub domain at or under the
 * cluster domain is dropped with a warning: cluster names are never
 * forwarded. Pure.
 */
import { isIP } from 'node:net';
import type { ConfigMap } from 'kubernetes-types/core/v1';
import { normalizeName } from './answer.ts';
import { canonicalIP } from './snapshot.ts';
import type { Upstream } from './upstreams.ts';

/** kube-dns's limit on upstreamNameservers (config.go validateUpstreamNameserver). */
export const MAX_UPSTREAM_NAMESERVERS = 3;

/** One stub domain: `domain` lower case, no trailing dot; its servers in ConfigMap order. */
export interface StubDomain {
  domain: string;
  servers: Upstream[];
}

/** The forwarding configuration in force. */
export interface DNSConfig {
  /** Longest domain first (the order pickUpstreams tries them). */
  stubDomains: StubDomain[];
  /** Replaces resolv.conf's upstreams when set; undefined: resolv.conf. */
  upstreams?: Upstream[];
}

/** The ConfigMap's keys, parsed; a key that is `invalid` keeps its previous value (applyDNSConfig). */
export interface ParsedDNSConfig {
  /** undefined: key absent (default: none). */
  stubDomains?: StubDomain[] | 'invalid';
  /** undefined: key absent (default: resolv.conf). */
  upstreams?: Upstream[] | 'invalid';
  /** Human-readable reasons, one per problem, for the log. */
  warnings: string[];
}

/** The configuration before any ConfigMap: no stub domains, resolv.conf upstreams. */
export const DEFAULT_DNS_CONFIG: DNSConfig = { stubDomains: [] };

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Whether `d` (lower case, no trailing dot) is a DNS-1123 subdomain (k8s.io/apimachinery validation.IsDNS1123Subdomain: ≤ 253 chars, labels [a-z0-9-]). */
function isSubdomain(d: string): boolean {
  return d.length > 0 && d.length <= 253 && d.split('.').every((l) => l.length <= 63 && DNS1123_LABEL.test(l));
}

/**
 * One name server `ip`, `ip:port` or `[ipv6]:port` → an upstream (port
 * default 53), or undefined when it is not one. Pure.
 */
export function parseNameserver(text: string): Upstream | undefined {
  const s = text.trim();
  if (isIP(s) !== 0) return { host: canonicalIP(s), port: 53 };
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(s) ?? /^([^:]+):(\d{1,5})$/.exec(s);
  if (!m) return undefined;
  const host = m[1] ?? '';
  const port = Number(m[2]);
  if (isIP(host) === 0 || port < 1 || port > 65535) return undefined;
  return { host: canonicalIP(host), port };
}

function parseJSON(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    return { ok: false, reason: e instanceof Error ? e.message : String(e) };
  }
}

function parseServers(list: unknown, what: string): { servers: Upstream[] } | { reason: string } {
  if (!Array.isArray(list) || list.length === 0) return { reason: `${what}: want a non-empty list of name servers` };
  const servers: Upstream[] = [];
  for (const item of list) {
    const u = typeof item === 'string' ? parseNameserver(item) : undefined;
    if (!u) return { reason: `${what}: ${JSON.stringify(item)} is not an IP or IP:port` };
    if (!servers.some((x) => x.host === u.host && x.port === u.port)) servers.push(u);
  }
  return { servers };
}

function parseStubDomains(text: string, zone: string, warnings: string[]): StubDomain[] | 'invalid' {
  const j = parseJSON(text);
  if (!j.ok) { warnings.push(`stubDomains: invalid JSON (${j.reason}); ignored`); return 'invalid'; }
  if (typeof j.value !== 'object' || j.value === null || Array.isArray(j.value)) {
    warnings.push('stubDomains: want a JSON object from domain to name servers; ignored');
    return 'invalid';
  }
  const out: StubDomain[] = [];
  for (const [raw, list] of Object.entries(j.value)) {
    const domain = normalizeName(raw);
    if (!isSubdomain(domain)) { warnings.push(`stubDomains: ${JSON.stringify(raw)} is not a domain name; ignored`); return 'invalid'; }
    const s = parseServers(list, `stubDomains[${JSON.stringify(raw)}]`);
    if ('reason' in s) { warnings.push(`${s.reason}; ignored`); return 'invalid'; }
    if (domain === zone || domain.endsWith(`.${zone}`)) {
      warnings.push(`stubDomains: ${domain} is in the cluster domain ${zone}, which is never forwarded; that entry is dropped`);
      continue;
    }
    const same = out.find((x) => x.domain === domain);
    if (same) same.servers.push(...s.servers.filter((u) => !same.servers.some((x) => x.host === u.host && x.port === u.port)));
    else out.push({ domain, servers: s.servers });
  }
  return out.sort((a, b) => b.domain.length - a.domain.length || (a.domain < b.domain ? -1 : 1));
}

function parseUpstreams(text: string, warnings: string[]): Upstream[] | 'invalid' {
  const j = parseJSON(text);
  if (!j.ok) { warnings.push(`upstreamNameservers: invalid JSON (${j.reason}); ignored`); return 'invalid'; }
  const s = parseServers(j.value, 'upstreamNameservers');
  if ('reason' in s) { warnings.push(`${s.reason}; ignored`); return 'invalid'; }
  if (s.servers.length > MAX_UPSTREAM_NAMESERVERS) {
    warnings.push(`upstreamNameservers: ${s.servers.length} entries, at most ${MAX_UPSTREAM_NAMESERVERS} (as kube-dns); ignored`);
    return 'invalid';
  }
  return s.servers;
}

/**
 * Parses the kube-dns ConfigMap's `stubDomains` and `upstreamNameservers`
 * (see the file doc). `configMap` undefined (deleted, never created) means
 * both keys absent; an empty string value counts as absent. `zone` is the
 * cluster domain (lower case, no trailing dot). Pure; never throws.
 */
export function parseDNSConfig(configMap: ConfigMap | undefined, zone: string): ParsedDNSConfig {
  const warnings: string[] = [];
  const data = configMap?.data ?? {};
  const out: ParsedDNSConfig = { warnings };
  const stub = data.stubDomains?.trim();
  if (stub) out.stubDomains = parseStubDomains(stub, zone, warnings);
  const up = data.upstreamNameservers?.trim();
  if (up) out.upstreams = parseUpstreams(up, warnings);
  return out;
}

/** The configuration after `parsed`: a valid key replaces, an absent one resets to the default, an invalid one keeps `previous`'s. Pure. */
export function applyDNSConfig(previous: DNSConfig, parsed: ParsedDNSConfig): DNSConfig {
  const stubDomains = parsed.stubDomains === 'invalid' ? previous.stubDomains : parsed.stubDomains ?? [];
  const upstreams = parsed.upstreams === 'invalid' ? previous.upstreams : parsed.upstreams;
  return upstreams === undefined ? { stubDomains } : { stubDomains, upstreams };
}

/** Where a forwarded name goes, and why (for the cache key and the log). */
export interface Route {
  /** 'stub:<domain>', 'upstreamNameservers' or 'resolv.conf'. */
  via: string;
  /** In order; servers that are this DNS server itself removed (may be empty: SERVFAIL). */
  upstreams: Upstream[];
}

/** This DNS server's own addresses: forwarding to one of them would be a loop. */
export interface SelfAddresses {
  /** Loops at every port: the kube-dns Service IP (its :53 is DNATed to this server). */
  ips: string[];
  /** Where this server listens (its address and port; another port there, say a host dnsmasq on :53, is not a loop). */
  listen: Upstream[];
}

/** Whether `u` is this server itself (see SelfAddresses). Pure. */
export function isSelf(u: Upstream, self: SelfAddresses): boolean {
  const host = canonicalIP(u.host.split('%')[0] ?? u.host);
  return self.ips.some((ip) => canonicalIP(ip) === host) || self.listen.some((l) => canonicalIP(l.host) === host && l.port === u.port);
}

/**
 * The servers for `name` (any case, trailing dot or not): the longest stub
 * domain at or above it, else `config.upstreams`, else `defaults` (the
 * resolv.conf upstreams). Names in the cluster domain `zone` never take a
 * stub. Servers that are this server itself (isSelf) are dropped, as
 * upstreams.ts does for resolv.conf: forwarding there would loop. Pure.
 */
export function pickUpstreams(name: string, config: DNSConfig, defaults: Upstream[], zone: string, self: SelfAddresses = { ips: [], listen: [] }): Route {
  const n = normalizeName(name);
  const mine = (us: Upstream[]): Upstream[] => us.filter((u) => !isSelf(u, self));
  const inZone = n === zone || n.endsWith(`.${zone}`);
  if (!inZone) {
    const stub = config.stubDomains.find((s) => n === s.domain || n.endsWith(`.${s.domain}`));
    if (stub) return { via: `stub:${stub.domain}`, upstreams: mine(stub.servers) };
  }
  if (config.upstreams !== undefined) return { via: 'upstreamNameservers', upstreams: mine(config.upstreams) };
  return { via: 'resolv.conf', upstreams: mine(defaults) };
}
