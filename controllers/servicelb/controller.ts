/**
 * The ServiceLB controller (k3s's ServiceLB / klipper-lb and MetalLB's
 * controller, built in): gives every `type: LoadBalancer` Service without a
 * `loadBalancerClass` its `status.loadBalancer.ingress` — an address of the
 * `--lb-pool`, or with no pool every Ready node's InternalIP — and clears it
 * when the Service stops being one. The rule is decide.ts; this file only
 * watches, queues `ns/name` keys and writes `services/status`.
 *
 * Level based: allocations are read back from every Service's status, so a
 * restarted (or newly elected) controller keeps them. Its own writes are
 * remembered until the watch shows them (`pending`), so a stale cache never
 * hands one address out twice. The node side (answering ARP for pool
 * addresses) is proxy/servicelb/.
 */
import type { LoadBalancerIngress, Node, Service } from 'kubernetes-types/core/v1';
import type { Informer } from '../../apiserver/client/informer-types.ts';
import { Nodes, Services } from '../../apiserver/client/resources.ts';
import { isNotFound } from '../../apiserver/client/types.ts';
import { createWorkQueue } from '../../apiserver/client/workqueue.ts';
import type { ReconcileResult } from '../../apiserver/client/controller.ts';
import type { ControllerDeps } from '../deps.ts';
import { runWhenSynced } from '../run.ts';
import { decideLoadBalancer, eligibleNode, EXCLUDE_LB_LABEL, ingressIPs, isOurLoadBalancer, nodeInternalIP, sameIngress, serviceKey } from './decide.ts';
import { parseLBPool, type LBPool } from './pool.ts';

/** The part of a Node that node-IP mode depends on: a change elsewhere (heartbeats) queues nothing. */
function nodeKey(node: Node): string {
  return `${eligibleNode(node)}|${nodeInternalIP(node) ?? ''}|${node.metadata?.labels?.[EXCLUDE_LB_LABEL] ?? '-'}`;
}

/**
 * The queue and reconcile of the controller, exposed for tests.
 * `deps.config.lbPool` is the pool text (absent or '' = node-IP mode).
 * Throws at once if the pool does not parse.
 */
export function createServiceLBController(deps: ControllerDeps) {
  const log = deps.log;
  const poolText = deps.config.lbPool ?? '';
  let pool: LBPool | undefined;
  if (poolText !== '') {
    const p = parseLBPool(poolText);
    if ('error' in p) throw new Error(`--lb-pool ${poolText}: ${p.error}`);
    pool = p;
  }
  const services: Informer<Service> = deps.informers.for<Service>(Services);
  const nodes: Informer<Node> = deps.informers.for<Node>(Nodes);
  const queue = createWorkQueue<string>({ metrics: deps.queueMetrics?.forQueue('servicelb'), baseDelayMs: 100, maxDelayMs: 30_000 });
  /** Addresses written by us that the cache does not show yet: key → ip. */
  const pending = new Map<string, string>();

  const enqueue = (svc: Service): void => queue.add(serviceKey(svc));
  /** An address may have been freed: retry every LoadBalancer Service still waiting for one. */
  const enqueueWaiting = (): void => {
    for (const s of services.list()) if (isOurLoadBalancer(s) && ingressIPs(s).length === 0) enqueue(s);
  };
  services.addHandlers({
    onAdd: enqueue,
    onUpdate: (oldSvc, svc) => {
      const key = serviceKey(svc);
      const mine = pending.get(key);
      if (mine !== undefined && ingressIPs(svc).includes(mine)) pending.delete(key);
      enqueue(svc);
      // An address freed, a Service leaving, or (node-IP mode) its ports changing may unblock a waiting one.
      const portsOf = (x: Service): string => JSON.stringify((x.spec?.ports ?? []).map((p) => [p.port, p.protocol ?? 'TCP']));
      if (ingressIPs(oldSvc).some((ip) => !ingressIPs(svc).includes(ip)) || (isOurLoadBalancer(oldSvc) && !isOurLoadBalancer(svc))
        || (!pool && isOurLoadBalancer(svc) && portsOf(oldSvc) !== portsOf(svc))) enqueueWaiting();
    },
    onDelete: (svc) => {
      pending.delete(serviceKey(svc));
      enqueueWaiting();
    },
  });
  if (!pool) {
    const all = (): void => { for (const s of services.list()) if (isOurLoadBalancer(s)) enqueue(s); };
    nodes.addHandlers({ onAdd: all, onDelete: all, onUpdate: (o, n) => { if (nodeKey(o) !== nodeKey(n)) all(); } });
  }

  const reconcile = async (key: string): Promise<ReconcileResult> => {
    const svc = services.get(key);
    if (!svc) {
      pending.delete(key);
      return;
    }
    const d = decideLoadBalancer(svc, { pool, nodes: nodes.list(), services: services.list(), pending });
    if (d.kind === 'ignore') return;
    if (d.event) deps.recorder.event(svc, d.event.type, d.event.reason, d.event.message);
    const current: LoadBalancerIngress[] = svc.status?.loadBalancer?.ingress ?? [];
    if (sameIngress(current, d.ingress)) return;
    const next: Service = { ...svc, status: { ...svc.status, loadBalancer: d.ingress.length > 0 ? { ingress: d.ingress } : {} } };
    try {
      // The cached resourceVersion makes this a compare-and-swap: a stale cache gets a 409 and a retry.
      await deps.client.updateStatus<Service>(Services, next, svc.metadata?.namespace);
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
    const ips = d.ingress.map((i) => i.ip ?? '');
    if (pool && ips[0] !== undefined) pending.set(key, ips[0]);
    else pending.delete(key);
    if (ips.length > 0) deps.recorder.event(svc, 'Normal', 'IPAllocated', `Assigned IP ${JSON.stringify(ips)}`);
    else if (current.length > 0) deps.recorder.event(svc, 'Normal', 'IPReleased', `Released IP ${JSON.stringify(current.map((i) => i.ip ?? i.hostname ?? ''))}`);
    log.info('load balancer ingress updated', { service: key, ingress: ips, was: current.map((i) => i.ip ?? '') });
  };

  return { queue, reconcile, pool };
}

/**
 * Starts the ServiceLB controller: registers the Service and Node informers
 * now and runs one worker (allocation is serialized) once they synced, until
 * `signal` aborts. Throws at once on an invalid `lbPool`; API errors (409s
 * from a stale cache) are retried with backoff.
 */
export function startServiceLBController(deps: ControllerDeps, signal: AbortSignal): void {
  const c = createServiceLBController(deps);
  deps.log.info('servicelb mode', { pool: c.pool?.text ?? 'none: node IPs' });
  runWhenSynced(deps, 'servicelb controller', c, 1, signal);
}
