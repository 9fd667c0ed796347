/**
 * Node IPAM controller (kube-controller-manager's nodeipam, range allocator):
 * gives every Node without spec.podCIDR the lowest free /nodeCIDRMaskSize
 * subnet of the cluster CIDR, written as spec.podCIDR and spec.podCIDRs.
 */
import type { Node } from 'kubernetes-types/core/v1';
import type { Informer } from '../../apiserver/client/informer-types.ts';
import { Nodes } from '../../apiserver/client/resources.ts';
import { isNotFound } from '../../apiserver/client/types.ts';
import { createWorkQueue } from '../../apiserver/client/workqueue.ts';
import type { ReconcileResult } from '../../apiserver/client/controller.ts';
import type { ControllerDeps } from '../deps.ts';
import { runWhenSynced } from '../run.ts';
import { CidrAllocator } from './allocator.ts';

/** How long to wait before retrying a node when the cluster CIDR is full (ms). */
export const FULL_RETRY_MS = 30_000;

/** The CIDRs a node already carries (podCIDRs, else podCIDR). */
export function nodeCIDRs(node: Node): string[] {
  const list = node.spec?.podCIDRs ?? [];
  if (list.length > 0) return [...list];
  return node.spec?.podCIDR ? [node.spec.podCIDR] : [];
}

/**
 * The pieces of the controller, exposed for tests. `rebuild()` must run after
 * the node informer synced and before any reconcile.
 */
export function createNodeIpamController(deps: ControllerDeps) {
  const log = deps.log;
  const allocator = new CidrAllocator(deps.config.clusterCIDR, deps.config.nodeCIDRMaskSize);
  const nodes: Informer<Node> = deps.informers.for<Node>(Nodes);
  const queue = createWorkQueue<string>({ metrics: deps.queueMetrics?.forQueue('nodeipam'), baseDelayMs: 100, maxDelayMs: 30_000 });
  /** CIDRs this process wrote that the cache may not show yet: node name → cidr. */
  const assigned = new Map<string, string>();
  let ready = false;

  const enqueue = (node: Node): void => {
    if (ready && nodeCIDRs(node).length === 0 && node.metadata?.name) queue.add(node.metadata.name);
  };
  nodes.addHandlers({
    onAdd: (node) => {
      for (const c of nodeCIDRs(node)) allocator.occupy(c);
      enqueue(node);
    },
    onUpdate: (_old, node) => {
      const cidrs = nodeCIDRs(node);
      for (const c of cidrs) allocator.occupy(c);
      if (cidrs.length > 0) assigned.delete(node.metadata?.name ?? '');
      enqueue(node);
    },
    onDelete: (node) => {
      const name = node.metadata?.name ?? '';
      for (const c of nodeCIDRs(node)) allocator.release(c);
      const mine = assigned.get(name);
      if (mine) allocator.release(mine);
      assigned.delete(name);
    },
  });

  /** Rebuilds occupancy from every node in the cache (restart safety), then queues the nodes lacking a CIDR. */
  const rebuild = (): void => {
    for (const node of nodes.list()) {
      for (const c of nodeCIDRs(node)) {
        if (!allocator.occupy(c)) log.warn('node has a pod CIDR outside the cluster CIDR', { node: node.metadata?.name, cidr: c });
      }
    }
    ready = true;
    for (const node of nodes.list()) enqueue(node);
    log.info('occupancy rebuilt', { used: allocator.usedCount(), capacity: allocator.capacity });
  };

  const reconcile = async (name: string): Promise<ReconcileResult> => {
    const cached = nodes.get(name);
    if (!cached || nodeCIDRs(cached).length > 0) return;
    if (assigned.has(name)) return; // written by us; the watch has not shown it yet
    // The cache may be stale: read the node itself before allocating.
    const node = await deps.client.tryGet<Node>(Nodes, name);
    if (!node) return;
    const existing = nodeCIDRs(node);
    if (existing.length > 0) {
      for (const c of existing) allocator.occupy(c);
      return;
    }
    const cidr = allocator.allocate();
    if (!cidr) {
      deps.recorder.event(node, 'Warning', 'CIDRNotAvailable', `Node ${name} status is now: CIDRNotAvailable`);
      log.warn('no free pod CIDR', { node: name, clusterCIDR: deps.config.clusterCIDR });
      return { requeueAfterMs: FULL_RETRY_MS };
    }
    try {
      // resourceVersion makes the merge patch a compare-and-swap: 409 if the node changed since the read.
      await deps.client.patch<Node>(Nodes, name, 'merge', {
        metadata: { resourceVersion: node.metadata?.resourceVersion },
        spec: { podCIDR: cidr, podCIDRs: [cidr] },
      });
    } catch (e) {
      allocator.release(cidr);
      if (isNotFound(e)) return;
      throw e;
    }
    assigned.set(name, cidr);
    deps.recorder.event(node, 'Normal', 'CIDRAssignmentSucceeded', `Assigned pod CIDR ${cidr} to node ${name}`);
    log.info('assigned pod CIDR', { node: name, cidr });
  };

  return { queue, reconcile, rebuild, allocator };
}

/**
 * Starts the node IPAM controller: registers the Node informer now; once the
 * informers have synced, rebuilds occupancy from the existing nodes and runs
 * one worker (allocation is serialized) until `signal` aborts. Throws at once
 * if the cluster CIDR / mask size are invalid.
 */
export function startNodeIpamController(deps: ControllerDeps, signal: AbortSignal): void {
  const c = createNodeIpamController(deps);
  runWhenSynced(deps, 'node ipam controller', c, 1, signal, () => c.rebuild());
}
