/**
 * Who may query the cluster DNS server. It listens on the node's
 * InternalIP, which the LAN can reach, so it answers only the cluster:
 * pods (the cluster CIDR), the nodes themselves (node processes and
 * hostNetwork pods reach it masqueraded to a node address), and loopback;
 * anyone else gets REFUSED, as a resolver's allow-recursion list does.
 * Pure.
 */
import ipaddr from 'ipaddr.js';
import { canonicalIP } from './snapshot.ts';

/** The inputs of clientAllowed. */
export interface ClientPolicy {
  /** e.g. ['10.244.0.0/16'] */
  cidrs: string[];
  /** Node addresses (every node's InternalIP, and this node's own addresses). */
  nodeIPs: ReadonlySet<string>;
}

/** Whether `address` (as a socket reports it, IPv4-mapped IPv6 accepted) may query. Never throws. */
export function clientAllowed(address: string, policy: ClientPolicy): boolean {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.process(address);
  } catch {
    return false;
  }
  if (ip.range() === 'loopback') return true;
  if (policy.nodeIPs.has(canonicalIP(ip.toString()))) return true;
  for (const cidr of policy.cidrs) {
    try {
      const range = ipaddr.parseCIDR(cidr);
      if (range[0].kind() === ip.kind() && ip.match(range)) return true;
    } catch {
      // a bad CIDR allows nothing
    }
  }
  return false;
}
