/**
 * The DNS server's view of the cluster: an index built from the informer
 * caches' Services and EndpointSlices, rebuilt whole whenever either
 * changes (level based, like the proxy's render). Pure. Record shapes follow
 * the Kubernetes DNS specification (kubernetes/dns docs/specification.md,
 * schema 1.1.0): a ClusterIP Service has its cluster IPs, a headless one
 * its ready endpoints (each with a hostname: the endpoint's `hostname`,
 * else its dashed IP, as CoreDNS's kubernetes plugin does), an
 * ExternalName one its target.
 */
import { isIPv4, isIPv6 } from 'node:net';
import ipaddr from 'ipaddr.js';
import type { Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import { SERVICE_NAME_LABEL } from '../model.ts';

/** One port of a Service as DNS sees it (SRV records exist only for named ports). */
export interface DNSPort {
  /** Lower case; '' for an unnamed port. */
  name: string;
  /** Lower case: 'tcp' | 'udp' | 'sctp'. */
  protocol: string;
  port: number;
}

/** One ready endpoint address of a headless Service. */
export interface DNSEndpoint {
  ip: string;
  /** The endpoint's hostname (lower case), else its IP with '-' for '.' (or ':'). */
  hostname: string;
}

/** A Service's records. */
export interface DNSService {
  namespace: string;
  name: string;
  /** 'cluster' (ClusterIP/NodePort/LoadBalancer), 'headless' (clusterIP None), 'external' (ExternalName). */
  kind: 'cluster' | 'headless' | 'external';
  /** Cluster IPs (IPv4 and IPv6) of a 'cluster' Service. */
  clusterIPs: string[];
  /** Target of an 'external' Service, lower case, no trailing dot. */
  externalName?: string;
  ports: DNSPort[];
  /** Ready endpoints of a 'headless' Service (publishNotReadyAddresses: all), deduplicated by IP, sorted. */
  endpoints: DNSEndpoint[];
}

/** Everything the answer function reads. */
export interface DNSIndex {
  /** Keyed `<name>.<namespace>` (lower case). */
  services: Map<string, DNSService>;
  /** Namespaces that hold at least one Service (their `<ns>.svc.<zone>` name exists). */
  namespaces: Set<string>;
  /** IP (canonical text) → the name its PTR record points at, without the zone (e.g. 'web.shop.svc'). */
  reverse: Map<string, string>;
  /** SOA serial: seconds since the epoch when the index was built. */
  serial: number;
}

/** `10.0.0.1` → `10-0-0-1`; an IPv6 address gets '-' for ':' (CoreDNS's form). */
export function dashedIP(ip: string): string {
  return ip.replace(/[.:]/g, '-');
}

/** Canonical text of an IP (IPv6 compressed, lower case); the input unchanged if it does not parse. */
export function canonicalIP(ip: string): string {
  try {
    return ipaddr.parse(ip).toString();
  } catch {
    return ip;
  }
}

const isIP = (ip: string): boolean => isIPv4(ip) || isIPv6(ip);

function serviceKind(svc: Service): DNSService['kind'] | undefined {
  const spec = svc.spec;
  if (!spec) return undefined;
  if (spec.type === 'ExternalName') return spec.externalName ? 'external' : undefined;
  if (spec.clusterIP === 'None') return 'headless';
  return spec.clusterIP ? 'cluster' : undefined;
}

/** The ready (or, when the Service publishes not-ready addresses, every) endpoint of `slices`. */
function readyEndpoints(slices: EndpointSlice[], publishNotReady: boolean): DNSEndpoint[] {
  const byIP = new Map<string, DNSEndpoint>();
  for (const slice of slices) {
    if (slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6') continue;
    for (const ep of slice.endpoints ?? []) {
      if (!publishNotReady && ep.conditions?.ready === false) continue;
      for (const raw of ep.addresses ?? []) {
        if (!isIP(raw)) continue;
        const ip = canonicalIP(raw);
        const prev = byIP.get(ip);
        const hostname = ep.hostname ? ep.hostname.toLowerCase() : dashedIP(ip);
        if (!prev || (ep.hostname && prev.hostname === dashedIP(ip))) byIP.set(ip, { ip, hostname });
      }
    }
  }
  return [...byIP.values()].sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0));
}

/** Addresses of the endpoints of `slices` that are Pods (targetRef kind Pod), canonical. */
function podIPs(slices: EndpointSlice[]): string[] {
  const out: string[] = [];
  for (const slice of slices) {
    for (const ep of slice.endpoints ?? []) {
      if (ep.targetRef?.kind !== 'Pod') continue;
      for (const raw of ep.addresses ?? []) if (isIP(raw)) out.push(canonicalIP(raw));
    }
  }
  return out;
}

/**
 * Builds the index from every Service and EndpointSlice (slices are tied to
 * their Service by the kubernetes.io/service-name label). Reverse entries,
 * first writer wins in this order: Service cluster IPs, then headless
 * endpoints with an explicit hostname (`<host>.<svc>.<ns>.svc`, spec 2.4.3),
 * then the IP of any endpoint that is a Pod as its pod name `<a-b-c-d>.<ns>.pod` (Skiff's
 * extension, so every pod that backs a Service has a PTR). `nowMs` gives the
 * SOA serial. Pure; never throws.
 */
export function buildDNSIndex(services: Service[], slices: EndpointSlice[], nowMs: number): DNSIndex {
  const slicesBy = new Map<string, EndpointSlice[]>();
  for (const s of slices) {
    const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (!svc) continue;
    const key = `${svc}.${s.metadata?.namespace ?? 'default'}`.toLowerCase();
    slicesBy.set(key, [...(slicesBy.get(key) ?? []), s]);
  }
  const sorted = [...services].sort((a, b) => {
    const ka = `${a.metadata?.namespace}/${a.metadata?.name}`;
    const kb = `${b.metadata?.namespace}/${b.metadata?.name}`;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  const index: DNSIndex = { services: new Map(), namespaces: new Set(), reverse: new Map(), serial: Math.floor(nowMs / 1000) };
  const podNames: Array<[string, string]> = [];
  const hostNames: Array<[string, string]> = [];
  for (const svc of sorted) {
    const kind = serviceKind(svc);
    const name = (svc.metadata?.name ?? '').toLowerCase();
    const namespace = (svc.metadata?.namespace ?? 'default').toLowerCase();
    if (!kind || !name) continue;
    const key = `${name}.${namespace}`;
    const svcSlices = slicesBy.get(key) ?? [];
    const spec = svc.spec ?? {};
    const clusterIPs = kind === 'cluster'
      ? [...new Set((spec.clusterIPs && spec.clusterIPs.length > 0 ? spec.clusterIPs : [spec.clusterIP ?? '']).filter(isIP).map(canonicalIP))]
      : [];
    const record: DNSService = {
      namespace, name, kind, clusterIPs,
      externalName: kind === 'external' ? (spec.externalName ?? '').toLowerCase().replace(/\.$/, '') : undefined,
      ports: (spec.ports ?? []).map((p) => ({ name: (p.name ?? '').toLowerCase(), protocol: (p.protocol ?? 'TCP').toLowerCase(), port: p.port })),
      endpoints: kind === 'headless' ? readyEndpoints(svcSlices, spec.publishNotReadyAddresses === true) : [],
    };
    index.services.set(key, record);
    index.namespaces.add(namespace);
    for (const ip of clusterIPs) if (!index.reverse.has(ip)) index.reverse.set(ip, `${key}.svc`);
    for (const ep of record.endpoints) if (ep.hostname !== dashedIP(ep.ip)) hostNames.push([ep.ip, `${ep.hostname}.${key}.svc`]);
    for (const ip of podIPs(svcSlices)) podNames.push([ip, `${dashedIP(ip)}.${namespace}.pod`]);
  }
  for (const [ip, target] of [...hostNames, ...podNames]) if (!index.reverse.has(ip)) index.reverse.set(ip, target);
  return index;
}
