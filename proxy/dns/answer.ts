/**
 * The answer logic of the cluster DNS server: one question plus the index
 * (snapshot.ts) in, a decision out. Pure; no sockets, no clock. Names follow
 * the Kubernetes DNS specification (kubernetes/dns docs/specification.md):
 * - `<svc>.<ns>.svc.<zone>` A/AAAA: the cluster IPs, or one record per ready
 *   endpoint of a headless Service; CNAME for ExternalName (spec 1.1.0);
 * - `<host>.<svc>.<ns>.svc.<zone>` A/AAAA for a headless Service's endpoint;
 * - `_<port>._<proto>.<svc>.<ns>.svc.<zone>` SRV for named ports, the A
 *   records of the targets in the additional section;
 * - `<a-b-c-d>.<ns>.pod.<zone>` A (kube-dns's deprecated record, CoreDNS's
 *   `pods insecure` mode: answered from the name alone);
 * - PTR in in-addr.arpa / ip6.arpa for Service IPs and endpoint IPs;
 * - `dns-version.<zone>` TXT, the zone's SOA and NS.
 * A name in the zone that does not exist is NXDOMAIN; an existing name
 * without records of the asked type is NODATA (NOERROR, no answers); both
 * carry the zone's SOA in the authority section (negative caching, RFC 2308).
 * Reverse names we hold no record for, and every name outside the zone, are
 * forwarded (CoreDNS's `fallthrough in-addr.arpa ip6.arpa` + `forward`).
 */
import type { Answer, Question, SoaAnswer } from 'dns-packet';
import { isIPv4, isIPv6 } from 'node:net';
import { canonicalIP, type DNSIndex, type DNSService } from './snapshot.ts';

/** DNS schema version served at dns-version.<zone> (kubernetes/dns specification). */
export const SCHEMA_VERSION = '1.1.0';

/** Settings of the answer function. */
export interface AnswerConfig {
  /** Cluster domain, lower case, no trailing dot: 'cluster.local'. */
  zone: string;
  /** TTL of every cluster record, seconds (Skiff: 5). */
  ttl: number;
  /** The kube-dns Service IP: the A record of the zone's name server `ns.dns.<zone>`. */
  nameserverIP: string;
}

/** What to do with a question. */
export type Decision =
  | {
    kind: 'answer';
    rcode: 'NOERROR' | 'NXDOMAIN';
    answers: Answer[];
    authorities: Answer[];
    additionals: Answer[];
    /** An ExternalName CNAME target outside the zone, for the server to resolve and append. */
    chase?: string;
  }
  | { kind: 'forward' };

const PROTOCOLS = new Set(['tcp', 'udp', 'sctp']);

/** The zone's SOA record (CoreDNS's shape: refresh 7200, retry 1800, expire 86400, minimum = ttl). */
export function soaRecord(cfg: AnswerConfig, serial: number): SoaAnswer {
  return {
    name: cfg.zone, type: 'SOA', class: 'IN', ttl: cfg.ttl,
    data: { mname: `ns.dns.${cfg.zone}`, rname: `hostmaster.${cfg.zone}`, serial, refresh: 7200, retry: 1800, expire: 86400, minimum: cfg.ttl },
  };
}

/** The name in lower case without its trailing dot. */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.+$/, '');
}

/** Reverse-lookup name → IP text ('4.3.2.1.in-addr.arpa' → '1.2.3.4'); undefined if it is not a full address. */
export function reverseNameToIP(name: string): string | undefined {
  const n = normalizeName(name);
  if (n.endsWith('.in-addr.arpa')) {
    const parts = n.slice(0, -'.in-addr.arpa'.length).split('.');
    if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255)) return undefined;
    return parts.reverse().join('.');
  }
  if (n.endsWith('.ip6.arpa')) {
    const nibbles = n.slice(0, -'.ip6.arpa'.length).split('.');
    if (nibbles.length !== 32 || !nibbles.every((x) => /^[0-9a-f]$/.test(x))) return undefined;
    const hex = nibbles.reverse().join('');
    const groups = hex.match(/.{4}/g) ?? [];
    return canonicalIP(groups.join(':'));
  }
  return undefined;
}

/** `a-b-c-d` → 'a.b.c.d' when it is a dotted IPv4 address written with dashes. */
function dashedToIPv4(label: string): string | undefined {
  const ip = label.replace(/-/g, '.');
  return isIPv4(ip) && label.split('-').length === 4 ? ip : undefined;
}

/** A/AAAA records for `ips` of the family `type` asks (ANY: both; any other type: none). */
function addressRecords(name: string, ips: string[], type: string, ttl: number): Answer[] {
  const out: Answer[] = [];
  for (const ip of ips) {
    if ((type === 'A' || type === 'ANY') && isIPv4(ip)) out.push({ name, type: 'A', class: 'IN', ttl, data: ip });
    if ((type === 'AAAA' || type === 'ANY') && isIPv6(ip)) out.push({ name, type: 'AAAA', class: 'IN', ttl, data: ip });
  }
  return out;
}

/**
 * Decides the reply to `q` (see the file doc). A class other than IN or
 * ANY in the zone gets NODATA. Pure; never throws.
 */
export function answerQuestion(q: Question, index: DNSIndex, cfg: AnswerConfig): Decision {
  const name = normalizeName(q.name);
  const type: string = q.type;
  const zone = cfg.zone;
  const ttl = cfg.ttl;
  const soa = soaRecord(cfg, index.serial);
  const nodata = (): Decision => ({ kind: 'answer', rcode: 'NOERROR', answers: [], authorities: [soa], additionals: [] });
  const nxdomain = (): Decision => ({ kind: 'answer', rcode: 'NXDOMAIN', answers: [], authorities: [soa], additionals: [] });
  const reply = (answers: Answer[], additionals: Answer[] = []): Decision =>
    answers.length === 0 ? nodata() : { kind: 'answer', rcode: 'NOERROR', answers, authorities: [], additionals };

  const reverseIP = reverseNameToIP(name);
  if (reverseIP !== undefined) {
    const target = index.reverse.get(reverseIP);
    if (target === undefined) return { kind: 'forward' };
    return type === 'PTR' || type === 'ANY'
      ? { kind: 'answer', rcode: 'NOERROR', answers: [{ name, type: 'PTR', class: 'IN', ttl, data: `${target}.${zone}` }], authorities: [], additionals: [] }
      : { kind: 'answer', rcode: 'NOERROR', answers: [], authorities: [], additionals: [] };
  }
  if (name !== zone && !name.endsWith(`.${zone}`)) return { kind: 'forward' };
  if ((q.class ?? 'IN') !== 'IN' && q.class !== 'ANY') return nodata();

  const labels = name === zone ? [] : name.slice(0, -(zone.length + 1)).split('.');
  if (labels.length === 0) {
    if (type === 'SOA' || type === 'ANY') return reply([soa]);
    if (type === 'NS') return reply([{ name: zone, type: 'NS', class: 'IN', ttl, data: `ns.dns.${zone}` }], addressRecords(`ns.dns.${zone}`, [cfg.nameserverIP], 'ANY', ttl));
    return nodata();
  }
  const key = labels.join('.');
  if (key === 'dns-version') return type === 'TXT' || type === 'ANY' ? reply([{ name, type: 'TXT', class: 'IN', ttl, data: SCHEMA_VERSION }]) : nodata();
  if (key === 'ns.dns') return reply(addressRecords(name, [cfg.nameserverIP], type, ttl));
  if (key === 'dns') return nodata();

  const last = labels[labels.length - 1];
  if (last === 'pod') return podName(labels, name, type, ttl, nodata, nxdomain);
  if (last !== 'svc') return nxdomain();
  // labels: [..., <ns>, 'svc']
  if (labels.length === 1) return nodata();
  const ns = labels[labels.length - 2] ?? '';
  if (labels.length === 2) return index.namespaces.has(ns) ? nodata() : nxdomain();
  const svc = index.services.get(`${labels[labels.length - 3]}.${ns}`);
  if (!svc) return nxdomain();
  const svcName = `${svc.name}.${svc.namespace}.svc.${zone}`;
  if (labels.length === 3) return serviceName(svc, name, type, ttl, zone, reply);

  const first = labels[0] ?? '';
  if (labels.length === 4) {
    if (first.startsWith('_')) {
      const proto = first.slice(1);
      return PROTOCOLS.has(proto) && svc.ports.some((p) => p.name !== '' && p.protocol === proto) ? nodata() : nxdomain();
    }
    if (svc.kind !== 'headless') return nxdomain();
    const ips = svc.endpoints.filter((e) => e.hostname === first).map((e) => e.ip);
    return ips.length === 0 ? nxdomain() : reply(addressRecords(name, ips, type, ttl));
  }
  if (labels.length === 5 && first.startsWith('_') && (labels[1] ?? '').startsWith('_')) {
    const portName = first.slice(1);
    const proto = (labels[1] ?? '').slice(1);
    const port = svc.ports.find((p) => p.name !== '' && p.name === portName && p.protocol === proto);
    if (!port) return nxdomain();
    if (type !== 'SRV' && type !== 'ANY') return nodata();
    if (svc.kind === 'headless') {
      const answers: Answer[] = [];
      const additionals: Answer[] = [];
      const ips = new Map<string, string[]>();
      for (const ep of svc.endpoints) ips.set(ep.hostname, [...(ips.get(ep.hostname) ?? []), ep.ip]);
      for (const [host, addrs] of ips) {
        const target = `${host}.${svcName}`;
        answers.push({ name, type: 'SRV', class: 'IN', ttl, data: { priority: 0, weight: 100, port: port.port, target } });
        additionals.push(...addressRecords(target, addrs, 'ANY', ttl));
      }
      return reply(answers, additionals);
    }
    if (svc.kind === 'external') return nodata();
    return reply([{ name, type: 'SRV', class: 'IN', ttl, data: { priority: 0, weight: 100, port: port.port, target: svcName } }], addressRecords(svcName, svc.clusterIPs, 'ANY', ttl));
  }
  return nxdomain();
}

/** `<svc>.<ns>.svc.<zone>` itself. */
function serviceName(svc: DNSService, name: string, type: string, ttl: number, zone: string, reply: (a: Answer[], x?: Answer[]) => Decision): Decision {
  if (svc.kind === 'external') {
    const target = svc.externalName ?? '';
    const cname: Answer = { name, type: 'CNAME', class: 'IN', ttl, data: target };
    const d = reply([cname]);
    if (d.kind === 'answer' && type !== 'CNAME' && target !== zone && !target.endsWith(`.${zone}`) && target !== '') d.chase = target;
    return d;
  }
  const ips = svc.kind === 'headless' ? svc.endpoints.map((e) => e.ip) : svc.clusterIPs;
  return reply(addressRecords(name, ips, type, ttl));
}

/** `<a-b-c-d>.<ns>.pod.<zone>`, `<ns>.pod.<zone>`, `pod.<zone>`. */
function podName(labels: string[], name: string, type: string, ttl: number, nodata: () => Decision, nxdomain: () => Decision): Decision {
  if (labels.length <= 2) return nodata();
  if (labels.length !== 3) return nxdomain();
  const ip = dashedToIPv4(labels[0] ?? '');
  if (!ip) return nxdomain();
  const answers = addressRecords(name, [ip], type, ttl);
  return answers.length === 0 ? nodata() : { kind: 'answer', rcode: 'NOERROR', answers, authorities: [], additionals: [] };
}
