/**
 * The node side of ServiceLB, the pure half: which LoadBalancer pool
 * addresses this node holds, so that it (and only it) answers ARP for them.
 *
 * The approach (MetalLB's layer-2 mode, one speaker per address): every
 * pool address is added as a /32 secondary address to the interface of ONE
 * elected node's InternalIP; the kernel then answers ARP for it from that
 * node alone, and the proxy's iptables rules (the "loadbalancer IP" jumps to
 * KUBE-EXT) DNAT it to the Service's endpoints on any node. The elected node
 * for an address is the eligible node (Ready, with an InternalIP, without
 * node.kubernetes.io/exclude-from-external-load-balancers) whose
 * sha256("<node>#<ip>") is lowest: every proxy computes the same winner from
 * its own Node cache, addresses spread over the nodes, and a node going away
 * moves only its own addresses (MetalLB's speaker ordering). Proxy-ARP on
 * every node was rejected: every node would answer, so clients' ARP caches
 * flap between nodes (the duplicate-answer problem), and Linux answers a
 * proxy-ARP entry only for addresses routed out of another interface.
 *
 * A Service with `externalTrafficPolicy: Local` is announced only by a node
 * with a ready endpoint of it (MetalLB does the same): other nodes would
 * drop its traffic.
 *
 * Addresses that are some Node's own address (no-pool mode, where the
 * ingress is the node IPs) are never claimed: the proxy's rule on the node's
 * own IP:port is all they need.
 */
import { createHash } from 'node:crypto';
import type { Node, Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import { eligibleNode, isOurLoadBalancer, nodeInternalIP } from '../../controllers/servicelb/decide.ts';
import { loadBalancerIPs, SERVICE_NAME_LABEL } from '../model.ts';

/**
 * The metric stamped on every address we add (`ip addr add <ip>/32 dev <dev>
 * metric 250`). A /32 has no prefix route, so the metric changes nothing
 * but marks exactly the addresses this node part owns: it lists, moves and
 * deletes only those, and `skiff proxy --cleanup` removes them.
 */
export const ADDRESS_METRIC = 250;

/** One IPv4 address on an interface, as `ip -j addr` shows it. */
export interface IfAddress {
  dev: string;
  ip: string;
  prefixlen: number;
  /** undefined when the address has no metric. */
  metric?: number;
}

/** What to change: add `<ip>/32 dev <dev> metric 250`, delete `<ip>/32 dev <dev>`. */
export interface AddressPlan {
  add: Array<{ ip: string; dev: string }>;
  remove: Array<{ ip: string; dev: string }>;
  /** Addresses this node should hold but cannot, and why (logged, never an error). */
  skipped: Array<{ ip: string; reason: string }>;
}

/** Whether `a` is one of ours: a /32 carrying ADDRESS_METRIC. */
export function isOwned(a: IfAddress): boolean {
  return a.prefixlen === 32 && a.metric === ADDRESS_METRIC;
}

/** An address that needs a speaker, and (externalTrafficPolicy Local) the only nodes that may announce it. */
export interface Announcement {
  ip: string;
  /** undefined: any eligible node. */
  onlyNodes?: ReadonlySet<string>;
}

/** `ns/name` → nodes with a ready endpoint, from EndpointSlices labelled kubernetes.io/service-name. */
export function readyEndpointNodes(slices: readonly EndpointSlice[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const sl of slices) {
    const svc = sl.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (!svc) continue;
    const key = `${sl.metadata?.namespace ?? ''}/${svc}`;
    const set = out.get(key) ?? new Set<string>();
    for (const e of sl.endpoints ?? []) if (e.conditions?.ready !== false && e.nodeName) set.add(e.nodeName);
    out.set(key, set);
  }
  return out;
}

/**
 * The addresses that need a speaker: IPv4 ingress IPs (ipMode VIP or unset)
 * of LoadBalancer Services without a loadBalancerClass, minus every address
 * any Node reports; for externalTrafficPolicy Local, with the nodes holding a
 * ready endpoint (two Services sharing an address: the intersection).
 * Sorted by ip, deduplicated.
 */
export function addressesToAnnounce(services: readonly Service[], nodes: readonly Node[], slices: readonly EndpointSlice[] = []): Announcement[] {
  const nodeAddrs = new Set(nodes.flatMap((n) => (n.status?.addresses ?? []).map((a) => a.address)));
  const local = readyEndpointNodes(slices);
  const out = new Map<string, Announcement>();
  for (const svc of services) {
    if (!isOurLoadBalancer(svc) || svc.metadata?.deletionTimestamp) continue;
    const only = svc.spec?.externalTrafficPolicy === 'Local' ? local.get(`${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`) ?? new Set<string>() : undefined;
    for (const ip of loadBalancerIPs(svc)) {
      if (nodeAddrs.has(ip)) continue;
      const prev = out.get(ip)?.onlyNodes;
      const merged = prev && only ? new Set([...prev].filter((n) => only.has(n))) : prev ?? only;
      out.set(ip, merged ? { ip, onlyNodes: merged } : { ip });
    }
  }
  return [...out.values()].sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0));
}

/**
 * The node that announces `ip`: among eligible nodes (and, when given, only
 * those in `onlyNodes`), the one with the lowest sha256("<name>#<ip>");
 * undefined when none qualifies.
 */
export function electSpeaker(ip: string, nodes: readonly Node[], onlyNodes?: ReadonlySet<string>): string | undefined {
  let best: { name: string; score: string } | undefined;
  for (const n of nodes) {
    const name = n.metadata?.name;
    if (!name || !eligibleNode(n) || (onlyNodes && !onlyNodes.has(name))) continue;
    const score = createHash('sha256').update(`${name}#${ip}`).digest('hex');
    if (!best || score < best.score || (score === best.score && name < best.name)) best = { name, score };
  }
  return best?.name;
}

/**
 * The plan that makes this node hold exactly the addresses it is elected
 * for, on `dev` (the interface of its InternalIP; undefined when not found,
 * then nothing is added and every owned address is removed). An owned
 * address on another interface is moved; an address already on the node
 * without our metric (configured by someone else) is left alone and
 * skipped. Pure; a converged node gives an empty plan.
 */
export function decideAddresses(
  myNode: string, services: readonly Service[], nodes: readonly Node[], current: readonly IfAddress[], dev: string | undefined,
  slices: readonly EndpointSlice[] = [],
): AddressPlan {
  const plan: AddressPlan = { add: [], remove: [], skipped: [] };
  const wanted = new Set(addressesToAnnounce(services, nodes, slices).filter((a) => electSpeaker(a.ip, nodes, a.onlyNodes) === myNode).map((a) => a.ip));
  const owned = current.filter(isOwned);
  const foreign = new Set(current.filter((a) => !isOwned(a)).map((a) => a.ip));
  for (const a of owned) {
    if (!wanted.has(a.ip) || a.dev !== dev) plan.remove.push({ ip: a.ip, dev: a.dev });
  }
  for (const ip of [...wanted].sort()) {
    if (foreign.has(ip)) {
      plan.skipped.push({ ip, reason: 'already configured on this node by someone else; not taking it over' });
      continue;
    }
    if (dev === undefined) {
      plan.skipped.push({ ip, reason: 'no interface holds this node\'s InternalIP' });
      continue;
    }
    if (!owned.some((a) => a.ip === ip && a.dev === dev)) plan.add.push({ ip, dev });
  }
  return plan;
}

/** The device holding `ip` among `current` (the node's InternalIP interface), if any. */
export function deviceOf(ip: string | undefined, current: readonly IfAddress[]): string | undefined {
  return ip === undefined ? undefined : current.find((a) => a.ip === ip && !isOwned(a))?.dev;
}

/** This node's InternalIP from the Node cache. */
export function myInternalIP(myNode: string, nodes: readonly Node[]): string | undefined {
  const n = nodes.find((x) => x.metadata?.name === myNode);
  return n ? nodeInternalIP(n) : undefined;
}

/**
 * The peer a new claim is announced through (announce.ts): the InternalIP of
 * the first other eligible node by name; undefined on a one-node cluster,
 * where no other host can have cached the address on another node.
 */
export function announcePeer(myNode: string, nodes: readonly Node[]): string | undefined {
  const others = nodes.filter((n) => n.metadata?.name !== myNode && eligibleNode(n))
    .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  const first = others[0];
  return first ? nodeInternalIP(first) : undefined;
}
