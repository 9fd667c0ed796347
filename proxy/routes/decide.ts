/**
 * host-gw pod routing, the pure half: which routes this node should hold so
 * that every other node's podCIDR is reached through that node's InternalIP
 * (flannel's host-gw backend: `<podCIDR> via <node IP>`, one route per remote
 * node, no encapsulation). Works only when every node is on-link, i.e. all
 * nodes share one L2 segment: the kernel refuses a gateway that is not
 * directly reachable ("Nexthop has invalid gateway").
 */
import type { Node } from 'kubernetes-types/core/v1';

/**
 * The iproute2 routing protocol number stamped on every route we write
 * (`ip route replace ... proto 250`). Not in /etc/iproute2/rt_protos (whose
 * named entries end at 192, eigrp) and never set by the kernel, so "proto
 * 250" marks exactly the routes this controller owns: it lists, replaces and
 * deletes only those, and never touches a route someone else wrote.
 */
export const ROUTE_PROTO = 250;

/** One IPv4 route as read from or written to the main table. */
export interface Route {
  /** Canonical destination CIDR, e.g. '10.244.1.0/24' (a host route is '/32'). */
  dst: string;
  /** Gateway address; undefined for device, blackhole or other gateway-less routes. */
  via?: string;
  /** Routing protocol number (2 kernel, 3 boot, 4 static, ROUTE_PROTO ours). */
  proto: number;
}

/** A node that gets no route, and why (logged by the controller; never an error). */
export interface SkippedNode {
  node: string;
  reason: string;
}

/** A route this node wants: another node's podCIDR through its InternalIP. */
export interface WantedRoute {
  dst: string;
  via: string;
  /** The node whose podCIDR `dst` is. */
  node: string;
}

/** What to change: `replace` are `ip route replace <dst> via <via> proto 250`, `remove` are `ip route del <dst> proto 250`. */
export interface RoutePlan {
  replace: WantedRoute[];
  remove: Array<{ dst: string }>;
  skipped: SkippedNode[];
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function ipv4ToInt(ip: string): number | undefined {
  const m = IPV4.exec(ip);
  if (!m) return undefined;
  const o = m.slice(1, 5).map(Number);
  if (o.some((x) => x > 255)) return undefined;
  return o.reduce((a, x) => a * 256 + x, 0);
}

/**
 * The canonical form of an IPv4 CIDR ('10.244.1.7/24' → '10.244.1.0/24'; a
 * bare address gets '/32', as `ip route` prints host routes without a
 * prefix), or undefined when it is not IPv4 (IPv6 podCIDRs are not routed yet).
 */
export function canonicalIPv4CIDR(cidr: string): string | undefined {
  const [addr = '', prefixText = '32', extra] = cidr.split('/');
  if (extra !== undefined || !/^\d{1,2}$/.test(prefixText)) return undefined;
  const ip = ipv4ToInt(addr);
  const prefix = Number(prefixText);
  if (ip === undefined || prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  const base = Math.floor(ip / size) * size;
  return `${[24, 16, 8, 0].map((s) => Math.floor(base / 2 ** s) % 256).join('.')}/${prefix}`;
}

/** The node's first IPv4 InternalIP (status.addresses), as the kubelet reports it with --node-ip. */
export function internalIPv4(node: Node): string | undefined {
  return node.status?.addresses?.find((a) => a.type === 'InternalIP' && ipv4ToInt(a.address) !== undefined)?.address;
}

/** The node's IPv4 podCIDRs (spec.podCIDRs, else spec.podCIDR), canonical. */
export function podCIDRsV4(node: Node): string[] {
  const all = node.spec?.podCIDRs ?? (node.spec?.podCIDR ? [node.spec.podCIDR] : []);
  return [...new Set(all.map(canonicalIPv4CIDR).filter((c): c is string => c !== undefined))];
}

/**
 * The routes this node wants: `<podCIDR> via <InternalIP>` for every OTHER
 * node that has both. Nodes without a podCIDR (not yet allocated) or without
 * an IPv4 InternalIP are skipped with a reason; so are podCIDRs claimed by
 * more than one node, or by this node itself (a conflict must not steal
 * traffic from either). Sorted by dst. Pure.
 */
export function desiredRoutes(myNode: string, nodes: readonly Node[]): { routes: WantedRoute[]; skipped: SkippedNode[] } {
  const skipped: SkippedNode[] = [];
  const claims = new Map<string, string[]>();
  const wanted = new Map<string, WantedRoute>();
  for (const node of [...nodes].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))) {
    const name = node.metadata?.name ?? '';
    const cidrs = podCIDRsV4(node);
    for (const c of cidrs) claims.set(c, [...(claims.get(c) ?? []), name]);
    if (name === myNode) continue;
    const ip = internalIPv4(node);
    if (cidrs.length === 0) skipped.push({ node: name, reason: 'no IPv4 podCIDR yet' });
    else if (ip === undefined) skipped.push({ node: name, reason: 'no IPv4 InternalIP address' });
    else for (const c of cidrs) wanted.set(c, { dst: c, via: ip, node: name });
  }
  const routes: WantedRoute[] = [];
  for (const route of wanted.values()) {
    const owners = claims.get(route.dst) ?? [];
    if (owners.length > 1) {
      skipped.push({ node: route.node, reason: `podCIDR ${route.dst} is claimed by nodes ${owners.join(', ')}` });
      continue;
    }
    routes.push(route);
  }
  routes.sort((a, b) => a.dst.localeCompare(b.dst));
  return { routes, skipped };
}

/**
 * decideRoutes compares the wanted routes with the main table's current IPv4
 * routes. It replaces an owned route whose gateway differs or that is
 * missing, removes owned routes (proto ROUTE_PROTO) nobody wants any more,
 * and never plans a change to a route with another protocol: a wanted dst
 * already routed by someone else (an admin's static route, another network
 * plugin) is skipped with a reason, because `ip route replace` would take it
 * over. Pure; idempotent (a converged table gives an empty plan).
 */
export function decideRoutes(myNode: string, nodes: readonly Node[], current: readonly Route[]): RoutePlan {
  const { routes, skipped } = desiredRoutes(myNode, nodes);
  const wanted = new Map(routes.map((r) => [r.dst, r]));
  const ours = new Map<string, Route>();
  const foreign = new Map<string, Route>();
  for (const r of current) (r.proto === ROUTE_PROTO ? ours : foreign).set(r.dst, r);
  const plan: RoutePlan = { replace: [], remove: [], skipped };
  for (const want of wanted.values()) {
    const other = foreign.get(want.dst);
    if (other !== undefined && !ours.has(want.dst)) {
      skipped.push({ node: want.node, reason: `${want.dst} is already routed by proto ${other.proto}${other.via ? ` via ${other.via}` : ''}; not taking it over` });
      continue;
    }
    if (ours.get(want.dst)?.via !== want.via) plan.replace.push(want);
  }
  for (const dst of [...ours.keys()].sort()) if (!wanted.has(dst)) plan.remove.push({ dst });
  return plan;
}
