/**
 * A pod's resolv.conf as the CRI DNSConfig of its sandbox, per dnsPolicy,
 * after kubelet's pkg/kubelet/network/dns/dns.go (GetPodDNS):
 * - ClusterFirst (the default; a hostNetwork pod falls back to Default),
 *   ClusterFirstWithHostNet: `nameserver <clusterDNS>`, `search
 *   <ns>.svc.<domain> svc.<domain> <domain>` + the host's searches,
 *   `options ndots:5`; with no cluster DNS configured, the host's config
 *   (kubelet logs "MissingClusterDNS" and does the same);
 * - Default: the host's resolv.conf (nameservers, searches, options);
 * - None: nothing but the pod's dnsConfig.
 * Then the pod's dnsConfig is appended (nameservers and searches without
 * duplicates, options merged by name, the pod's winning), and the result
 * is trimmed to kubelet's limits: 3 nameservers, 32 search domains, 2048
 * characters of search line. Pure.
 */
import type { Pod, PodDNSConfig } from 'kubernetes-types/core/v1';
import type { DNSConfig } from '../cri/types.ts';

/** The node-level inputs (kubelet --cluster-dns, --cluster-domain, --resolv-conf). */
export interface NodeDNS {
  /** The host's resolv.conf, parsed (parseResolvConf). */
  host: DNSConfig;
  /** --cluster-dns, e.g. ['10.96.0.10']; [] = no cluster DNS. */
  clusterDNS: string[];
  /** --cluster-domain, e.g. 'cluster.local'. */
  clusterDomain: string;
}

/** Kubelet's limits (pkg/apis/core/validation: MaxDNSNameservers, MaxDNSSearchPaths, MaxDNSSearchListChars). */
export const MAX_NAMESERVERS = 3;
export const MAX_SEARCHES = 32;
export const MAX_SEARCH_CHARS = 2048;
/** kubelet's defaultDNSOptions. */
export const CLUSTER_DNS_OPTIONS = ['ndots:5'];

const unique = (xs: string[]): string[] => [...new Set(xs)];

/** Which source the pod's base config comes from (dns.go getPodDNSType). */
export function podDNSType(pod: Pod, clusterDNSConfigured: boolean): 'cluster' | 'host' | 'none' {
  const policy = pod.spec?.dnsPolicy ?? 'ClusterFirst';
  if (policy === 'None') return 'none';
  const wantsCluster = policy === 'ClusterFirstWithHostNet' || (policy === 'ClusterFirst' && pod.spec?.hostNetwork !== true);
  return wantsCluster && clusterDNSConfigured ? 'cluster' : 'host';
}

/** Options merged by name ('ndots:5' and 'ndots:2' share 'ndots'); later ones win, order of first appearance kept. */
export function mergeDNSOptions(base: string[], pod: PodDNSConfig['options']): string[] {
  const byName = new Map<string, string>();
  for (const o of base) byName.set(o.split(':')[0] ?? o, o);
  for (const o of pod ?? []) {
    if (!o.name) continue;
    byName.set(o.name, o.value !== undefined && o.value !== '' ? `${o.name}:${o.value}` : o.name);
  }
  return [...byName.values()];
}

/** Trims searches to MAX_SEARCHES and MAX_SEARCH_CHARS (space-joined), keeping the first ones. */
function fitSearches(searches: string[]): string[] {
  const out: string[] = [];
  let chars = 0;
  for (const s of searches.slice(0, MAX_SEARCHES)) {
    const add = (out.length > 0 ? 1 : 0) + s.length;
    if (chars + add > MAX_SEARCH_CHARS) break;
    out.push(s);
    chars += add;
  }
  return out;
}

/** The sandbox DNSConfig of `pod` on a node with `node` settings (see the file doc). */
export function podDNSConfig(pod: Pod, node: NodeDNS): DNSConfig {
  const type = podDNSType(pod, node.clusterDNS.length > 0);
  const ns = pod.metadata?.namespace ?? 'default';
  const domain = node.clusterDomain.replace(/\.$/, '');
  let cfg: DNSConfig;
  if (type === 'cluster') {
    const clusterSearch = domain === '' ? [] : [`${ns}.svc.${domain}`, `svc.${domain}`, domain];
    cfg = { servers: [...node.clusterDNS], searches: unique([...clusterSearch, ...node.host.searches]), options: [...CLUSTER_DNS_OPTIONS] };
  } else if (type === 'host') {
    cfg = { servers: [...node.host.servers], searches: [...node.host.searches], options: [...node.host.options] };
  } else {
    cfg = { servers: [], searches: [], options: [] };
  }
  const extra = pod.spec?.dnsConfig;
  if (extra) {
    cfg = {
      servers: unique([...cfg.servers, ...(extra.nameservers ?? [])]),
      searches: unique([...cfg.searches, ...(extra.searches ?? [])]),
      options: mergeDNSOptions(cfg.options, extra.options),
    };
  }
  return { servers: cfg.servers.slice(0, MAX_NAMESERVERS), searches: fitSearches(cfg.searches), options: cfg.options };
}
