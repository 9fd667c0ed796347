/**
 * The pure rule of the ServiceLB controller: which `status.loadBalancer.ingress`
 * a Service should carry. Level based: the addresses in use are read from
 * every Service's current status (plus this process's writes the cache has
 * not shown yet), so a restarted controller keeps every allocation.
 *
 * - Not `type: LoadBalancer`: no ingress (cleared when left behind by a type
 *   change, as kube's service controller cleans up after `needsCleanup`).
 * - `spec.loadBalancerClass` set: not ours, never touched (kube's
 *   KEP-1959 rule for the default implementation).
 * - With a pool: one address, `spec.loadBalancerIP` when it is in the pool
 *   and free, else the current one, else the lowest free one (never a
 *   node's own address, should the pool overlap one); exhausted →
 *   no address and a Warning (MetalLB's AllocationFailed).
 * - Without a pool: every eligible node's InternalIP (k3s ServiceLB exposes
 *   the Service port on every node); a Service whose port/protocol an older
 *   LoadBalancer Service already uses gets none (k3s: its svclb pods stay
 *   Pending on the host port).
 */
import type { LoadBalancerIngress, Node, Service } from 'kubernetes-types/core/v1';
import { compareIP } from '../../apiserver/client/ipv4.ts';
import { firstFree, inPool, type LBPool } from './pool.ts';

/** Node label that keeps a node out of external load balancers (kube's well-known label). */
export const EXCLUDE_LB_LABEL = 'node.kubernetes.io/exclude-from-external-load-balancers';

/** An Event the controller records on the Service. */
export interface LBEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** What to do with one Service. */
export type LBDecision =
  /** Not ours (a loadBalancerClass): write nothing. */
  | { kind: 'ignore' }
  /** The ingress the Service should carry ([] = none); `event` explains a failure. */
  | { kind: 'ingress'; ingress: LoadBalancerIngress[]; event?: LBEvent };

/** What decideLoadBalancer reads besides the Service itself. */
export interface LBContext {
  /** The address pool; undefined = node-IP mode. */
  pool?: LBPool;
  /** Every Node in the cache (node-IP mode). */
  nodes: readonly Node[];
  /** Every Service in the cache, this one included (or not; it is skipped by key). */
  services: readonly Service[];
  /** Addresses this controller wrote that the cache does not show yet: `ns/name` → ip. */
  pending?: ReadonlyMap<string, string>;
}

/** `ns/name` of a Service. */
export function serviceKey(svc: Service): string {
  return `${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`;
}

/** Whether the default (classless) implementation handles this Service: type LoadBalancer without loadBalancerClass. */
export function isOurLoadBalancer(svc: Service): boolean {
  return svc.spec?.type === 'LoadBalancer' && !svc.spec.loadBalancerClass;
}

/** The IPs in a Service's status.loadBalancer.ingress, in order. */
export function ingressIPs(svc: Service): string[] {
  return (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '').filter((ip) => ip !== '');
}

/** Whether two ingress lists are equal (ip, hostname, ipMode), order included. */
export function sameIngress(a: readonly LoadBalancerIngress[], b: readonly LoadBalancerIngress[]): boolean {
  return a.length === b.length && a.every((x, i) => {
    const y = b[i];
    return y !== undefined && (x.ip ?? '') === (y.ip ?? '') && (x.hostname ?? '') === (y.hostname ?? '') && (x.ipMode ?? '') === (y.ipMode ?? '');
  });
}

/** Services in age order: creationTimestamp, then ns/name (the older one keeps a contested address or port). */
function older(a: Service, b: Service): boolean {
  const ta = a.metadata?.creationTimestamp ?? '';
  const tb = b.metadata?.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb;
  return serviceKey(a) < serviceKey(b);
}

/** Whether the node is Ready=True, has an InternalIP and does not carry the exclude label. */
export function eligibleNode(node: Node): boolean {
  if (node.metadata?.deletionTimestamp || node.metadata?.labels?.[EXCLUDE_LB_LABEL] !== undefined) return false;
  if (node.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True') return false;
  return nodeInternalIP(node) !== undefined;
}

/** The node's first IPv4 InternalIP. */
export function nodeInternalIP(node: Node): string | undefined {
  return node.status?.addresses?.find((a) => a.type === 'InternalIP' && /^\d+\.\d+\.\d+\.\d+$/.test(a.address))?.address;
}

const vip = (ip: string): LoadBalancerIngress => ({ ip, ipMode: 'VIP' });

function portsOf(svc: Service): string[] {
  return (svc.spec?.ports ?? []).map((p) => `${p.port}/${p.protocol ?? 'TCP'}`);
}

function decideNodeIPs(svc: Service, ctx: LBContext): LBDecision {
  const mine = new Set(portsOf(svc));
  const key = serviceKey(svc);
  for (const other of ctx.services) {
    if (serviceKey(other) === key || !isOurLoadBalancer(other) || !older(other, svc)) continue;
    const clash = portsOf(other).find((p) => mine.has(p));
    if (clash !== undefined) {
      return { kind: 'ingress', ingress: [], event: { type: 'Warning', reason: 'PortInUse', message: `port ${clash} is already exposed on every node by LoadBalancer Service ${serviceKey(other)}` } };
    }
  }
  const ips = [...new Set(ctx.nodes.filter(eligibleNode).map((n) => nodeInternalIP(n) ?? ''))].sort(compareIP);
  if (ips.length === 0) return { kind: 'ingress', ingress: [], event: { type: 'Warning', reason: 'NoNodes', message: 'no Ready node to expose the Service on' } };
  return { kind: 'ingress', ingress: ips.map(vip) };
}

function decidePool(svc: Service, pool: LBPool, ctx: LBContext): LBDecision {
  const key = serviceKey(svc);
  // Every address any other Service shows (whatever its type or class) or was just given is taken.
  const holders = new Map<string, Service[]>();
  for (const other of ctx.services) {
    if (serviceKey(other) === key) continue;
    for (const ip of ingressIPs(other)) holders.set(ip, [...(holders.get(ip) ?? []), other]);
  }
  const used = new Set(holders.keys());
  for (const [k, ip] of ctx.pending ?? []) if (k !== key) used.add(ip);
  // A pool overlapping the nodes' own addresses must not hand those out.
  const nodeAddrs = new Set(ctx.nodes.flatMap((n) => (n.status?.addresses ?? []).map((a) => a.address)));
  for (const ip of nodeAddrs) used.add(ip);
  const fail = (message: string): LBDecision => ({ kind: 'ingress', ingress: [], event: { type: 'Warning', reason: 'AllocationFailed', message } });

  const requested = svc.spec?.loadBalancerIP ?? '';
  if (requested !== '') {
    if (!inPool(pool, requested)) return fail(`spec.loadBalancerIP ${requested} is not in the pool ${pool.text}`);
    if (nodeAddrs.has(requested)) return fail(`spec.loadBalancerIP ${requested} is a node's address`);
    if (used.has(requested)) return fail(`spec.loadBalancerIP ${requested} is already used by ${(holders.get(requested) ?? []).map(serviceKey).join(', ') || 'another Service'}`);
    return { kind: 'ingress', ingress: [vip(requested)] };
  }
  const pending = ctx.pending?.get(key);
  const current = [...(pending !== undefined ? [pending] : []), ...ingressIPs(svc)];
  // Keep the current address unless it left the pool or an older Service also holds it (a conflict: the older one wins).
  const keep = current.find((ip) => inPool(pool, ip) && !nodeAddrs.has(ip) && !(ctx.pending && [...ctx.pending].some(([k, p]) => k !== key && p === ip))
    && !(holders.get(ip) ?? []).some((o) => older(o, svc)));
  if (keep !== undefined) return { kind: 'ingress', ingress: [vip(keep)] };
  const ip = firstFree(pool, used);
  if (ip === undefined) return fail(`no available IPs in the pool ${pool.text} (${pool.size} addresses, all in use)`);
  return { kind: 'ingress', ingress: [vip(ip)] };
}

/**
 * The ingress `svc` should carry in `ctx` (see the file doc). Pure and
 * deterministic; throws nothing. IPs are reported with ipMode VIP (the
 * proxy on every node accepts traffic to them).
 */
export function decideLoadBalancer(svc: Service, ctx: LBContext): LBDecision {
  if (svc.metadata?.deletionTimestamp) return { kind: 'ignore' };
  if (svc.spec?.type !== 'LoadBalancer') return { kind: 'ingress', ingress: [] };
  if (svc.spec.loadBalancerClass) return { kind: 'ignore' };
  return ctx.pool ? decidePool(svc, ctx.pool, ctx) : decideNodeIPs(svc, ctx);
}
