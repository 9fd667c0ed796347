/**
 * kube-proxy's "allowFromNode" exception to loadBalancerSourceRanges
 * (pkg/proxy/iptables/proxier.go and pkg/proxy/nftables/proxier.go
 * syncProxyRules): when a source range contains the node's IP, the
 * firewall also lets in traffic whose source is one of the Service's own
 * load-balancer IPs. A VIP held as a local address makes the node's own
 * requests to it loop back with source = the VIP; without the exception the
 * node could not reach its own LoadBalancer Service. Pure.
 */
import type { Node } from 'kubernetes-types/core/v1';
import { cidrContains, parseCIDRSloppy } from '../apiserver/api/cidr.ts';
import { compareIP } from '../apiserver/client/ipv4.ts';

const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/**
 * The IPv4 addresses of `node` that count as this node's IP for
 * allowFromNode: status.addresses of type InternalIP or ExternalIP (kube-proxy
 * takes its nodeIP from these), sorted numerically, deduplicated. No node,
 * or none such: []. Never throws.
 */
export function nodeIPv4s(node: Node | undefined): string[] {
  const ips = (node?.status?.addresses ?? [])
    .filter((a) => a.type === 'InternalIP' || a.type === 'ExternalIP')
    .map((a) => a.address)
    .filter((ip) => IPV4.test(ip) && parseCIDRSloppy(`${ip}/32`) !== undefined);
  return [...new Set(ips)].sort(compareIP);
}

/**
 * Whether some CIDR of `ranges` (IPv4 'a.b.c.d/n'; unparsable ones count as
 * not containing) contains some address of `nodeIPs`: kube-proxy's
 * `allowFromNode` (which checks its one nodeIP; Skiff checks each of the
 * node's IPv4 addresses). Pure.
 */
export function allowFromNode(ranges: readonly string[], nodeIPs: readonly string[]): boolean {
  for (const r of ranges) {
    const cidr = parseCIDRSloppy(r);
    if (cidr === undefined) continue;
    for (const ip of nodeIPs) if (cidrContains(cidr, ip)) return true;
  }
  return false;
}

/**
 * The source CIDRs a load-balancer firewall lets in: `ranges` (the
 * normalized loadBalancerSourceRanges, in their order), then, when
 * allowFromNode(ranges, nodeIPs), each of `vips` (the Service's
 * load-balancer IPs, in their order) as a '/32', as kube-proxy appends them
 * after the range rules. No ranges: [] (no firewall). Pure.
 */
export function firewallSources(ranges: readonly string[], nodeIPs: readonly string[], vips: readonly string[]): string[] {
  if (ranges.length === 0) return [];
  if (vips.length === 0 || !allowFromNode(ranges, nodeIPs)) return [...ranges];
  return [...ranges, ...vips.map((ip) => `${ip}/32`)];
}

/**
 * Whether a service port's firewall depends on the node's IPs: it has both
 * source ranges and load-balancer IPs (only then firewallSources reads
 * them). Caches of built service ports key on the node IPs only for these.
 */
export function dependsOnNodeIPs(sp: { readonly sourceRanges: readonly string[]; readonly loadBalancerIPs: readonly string[] }): boolean {
  return sp.sourceRanges.length > 0 && sp.loadBalancerIPs.length > 0;
}
