/**
 * The Ingress routing table: a pure function of (IngressClasses, Ingresses,
 * Services, EndpointSlices, Secrets), rebuilt whole on every change, and
 * the lookup a request makes in it.
 *
 * - Only Ingresses of a class whose controller is `skiff.io/ingress` (or
 *   without a class while the default class is ours) are served.
 * - Backends go to the Service's ready endpoints directly (the EndpointSlices
 *   of the Service, port resolved as kube-proxy does: Service port by number
 *   or name → its name → the slice port of that name), so the controller
 *   works with either proxy mode and pods on any node. A backend without
 *   ready endpoints answers 503; a resource backend is not supported (503).
 * - Several Ingresses may name the same host: their paths merge; for the
 *   same host, path and type the oldest Ingress (then namespace/name) wins,
 *   as does the oldest defaultBackend.
 * - TLS: each host of a `spec.tls` entry gets the PEM pair of its
 *   kubernetes.io/tls Secret (same namespace; oldest Ingress wins a host);
 *   an entry without hosts supplies the fallback certificate.
 */
import type { Secret, Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import type { Ingress, IngressBackend, IngressClass } from 'kubernetes-types/networking/v1';
import { IS_DEFAULT_CLASS_ANNOTATION, SKIFF_INGRESS_CONTROLLER } from '../../apiserver/api/ingress-class.ts';
import { SERVICE_NAME_LABEL } from '../model.ts';
import { byPrecedence, pathMatches, wildcardOf, type PathRule } from './match.ts';

/** Where a matched request goes: the Service (for logs) and its ready endpoints as `ip:port` (IPv6 in brackets). */
export interface Backend {
  namespace: string;
  service: string;
  /** The Service port as the Ingress names it (number or name). */
  port: string;
  endpoints: string[];
}

/** One routable path of a host. */
export interface Route extends PathRule {
  backend: Backend;
  /** `namespace/name` of the Ingress it comes from. */
  ingress: string;
}

/** A TLS certificate chain and key, PEM. */
export interface TlsPair {
  cert: string;
  key: string;
  /** `namespace/name` of the Secret. */
  secret: string;
}

/** The whole table; see the file doc. */
export interface RoutingTable {
  /** Host (or `*.suffix`) → routes in precedence order. */
  hosts: Map<string, Route[]>;
  /** Routes of rules without a host, in precedence order. */
  anyHost: Route[];
  defaultBackend?: Backend;
  /** Host (or `*.suffix`) → certificate. */
  certs: Map<string, TlsPair>;
  fallbackCert?: TlsPair;
  /** `namespace/name` of every Ingress served. */
  served: string[];
}

/** The state the table is a function of. */
export interface IngressState {
  classes: IngressClass[];
  ingresses: Ingress[];
  services: Service[];
  endpointSlices: EndpointSlice[];
  secrets: Secret[];
}

const LEGACY_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

const keyOf = (o: { metadata?: { namespace?: string; name?: string } }): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/** Whether `ing` is served by this controller given the IngressClasses. Pure. */
export function isOurs(ing: Ingress, classes: readonly IngressClass[], controller = SKIFF_INGRESS_CONTROLLER): boolean {
  const named = ing.spec?.ingressClassName ?? ing.metadata?.annotations?.[LEGACY_CLASS_ANNOTATION];
  if (named !== undefined) return classes.some((c) => c.metadata?.name === named && c.spec?.controller === controller);
  const defaults = classes.filter((c) => c.metadata?.annotations?.[IS_DEFAULT_CLASS_ANNOTATION] === 'true');
  return defaults.length > 0 && defaults.every((c) => c.spec?.controller === controller);
}

/** Oldest first, then namespace/name: the order conflicts are settled in. */
function byAge(a: Ingress, b: Ingress): number {
  const ta = a.metadata?.creationTimestamp ?? '';
  const tb = b.metadata?.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  return keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0;
}

function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Indexes of the state a build reads. */
interface Index {
  services: Map<string, Service>;
  slices: Map<string, EndpointSlice[]>;
  secrets: Map<string, Secret>;
}

function indexState(s: IngressState): Index {
  const services = new Map(s.services.map((x) => [keyOf(x), x]));
  const slices = new Map<string, EndpointSlice[]>();
  for (const sl of s.endpointSlices) {
    const svc = sl.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (!svc) continue;
    const k = `${sl.metadata?.namespace ?? ''}/${svc}`;
    slices.set(k, [...(slices.get(k) ?? []), sl]);
  }
  return { services, slices, secrets: new Map(s.secrets.map((x) => [keyOf(x), x])) };
}

/** The ready endpoints of a Service backend (kube-proxy's port mapping; see file doc). Pure. */
export function resolveBackend(namespace: string, b: IngressBackend, idx: Index): Backend {
  const name = b.service?.name ?? '';
  const want = b.service?.port;
  const port = want?.name ? want.name : String(want?.number ?? '');
  const out: Backend = { namespace, service: name, port, endpoints: [] };
  const svc = idx.services.get(`${namespace}/${name}`);
  if (!b.service || !svc) return out;
  const sp = (svc.spec?.ports ?? []).find((p) => (want?.name ? p.name === want.name : p.port === want?.number));
  if (!sp) return out;
  const portName = sp.name ?? '';
  const seen = new Set<string>();
  for (const sl of idx.slices.get(`${namespace}/${name}`) ?? []) {
    const slPort = (sl.ports ?? []).find((p) => (p.name ?? '') === portName && (p.protocol ?? 'TCP') === 'TCP');
    if (slPort?.port === undefined) continue;
    for (const ep of sl.endpoints ?? []) {
      if (ep.conditions?.ready === false) continue;
      for (const a of ep.addresses.slice(0, 1)) {
        const hp = hostPort(a, slPort.port);
        if (!seen.has(hp)) {
          seen.add(hp);
          out.endpoints.push(hp);
        }
      }
    }
  }
  out.endpoints.sort();
  return out;
}

/** The PEM pair of a kubernetes.io/tls Secret, or undefined when it is missing, of another type or incomplete. Pure. */
export function tlsPairOf(secret: Secret | undefined): TlsPair | undefined {
  if (!secret || secret.type !== 'kubernetes.io/tls') return undefined;
  const crt = secret.data?.['tls.crt'];
  const key = secret.data?.['tls.key'];
  if (!crt || !key) return undefined;
  return { cert: Buffer.from(crt, 'base64').toString('utf8'), key: Buffer.from(key, 'base64').toString('utf8'), secret: keyOf(secret) };
}

/** Builds the routing table from the whole state. Pure and deterministic. */
export function buildRoutingTable(state: IngressState): RoutingTable {
  const idx = indexState(state);
  const ours = state.ingresses.filter((i) => isOurs(i, state.classes)).sort(byAge);
  const hosts = new Map<string, Route[]>();
  const anyHost: Route[] = [];
  const certs = new Map<string, TlsPair>();
  let defaultBackend: Backend | undefined;
  let fallbackCert: TlsPair | undefined;
  for (const ing of ours) {
    const ns = ing.metadata?.namespace ?? '';
    const src = keyOf(ing);
    if (ing.spec?.defaultBackend && !defaultBackend) defaultBackend = resolveBackend(ns, ing.spec.defaultBackend, idx);
    for (const rule of ing.spec?.rules ?? []) {
      const list = rule.host ? (hosts.get(rule.host) ?? []) : anyHost;
      for (const p of rule.http?.paths ?? []) {
        const pathType = p.pathType === 'Exact' ? 'Exact' : 'Prefix';
        const path = p.path || '/';
        // The oldest Ingress keeps a host+path+type; later duplicates are dropped.
        if (list.some((r) => r.path === path && r.pathType === pathType)) continue;
        list.push({ path, pathType, backend: resolveBackend(ns, p.backend, idx), ingress: src });
      }
      if (rule.host) hosts.set(rule.host, list);
    }
    for (const t of ing.spec?.tls ?? []) {
      const pair = t.secretName ? tlsPairOf(idx.secrets.get(`${ns}/${t.secretName}`)) : undefined;
      if (!pair) continue;
      const tHosts = t.hosts ?? [];
      if (tHosts.length === 0 && !fallbackCert) fallbackCert = pair;
      for (const h of tHosts) if (!certs.has(h)) certs.set(h, pair);
    }
  }
  for (const [h, list] of hosts) hosts.set(h, byPrecedence(list));
  const table: RoutingTable = { hosts, anyHost: byPrecedence(anyHost), certs, served: ours.map(keyOf) };
  if (defaultBackend) table.defaultBackend = defaultBackend;
  if (fallbackCert) table.fallbackCert = fallbackCert;
  return table;
}

/** What a request resolves to: a backend (by a rule or the default backend), or nothing (404). */
export type Lookup = { backend: Backend; route?: Route } | undefined;

/**
 * Routes a request: the rules of the exact host, else of its wildcard, else
 * the host-less rules; the first route in precedence order whose path
 * matches; else the default backend; else undefined. `host` lower-case
 * without port, `path` without query. Pure.
 */
export function lookup(table: RoutingTable, host: string, path: string): Lookup {
  const wild = wildcardOf(host);
  const routes = table.hosts.get(host) ?? (wild !== undefined ? table.hosts.get(wild) : undefined) ?? table.anyHost;
  const hit = routes.find((r) => pathMatches(r, path));
  if (hit) return { backend: hit.backend, route: hit };
  return table.defaultBackend ? { backend: table.defaultBackend } : undefined;
}

/** The certificate for an SNI name: exact host, else its wildcard, else the fallback. Pure. */
export function certFor(table: RoutingTable, serverName: string): TlsPair | undefined {
  const host = serverName.toLowerCase();
  const wild = wildcardOf(host);
  return table.certs.get(host) ?? (wild !== undefined ? table.certs.get(wild) : undefined) ?? table.fallbackCert;
}
