/**
 * Node lifecycle controller (kube-controller-manager's node-lifecycle-controller,
 * pkg/controller/nodelifecycle): watches Nodes and their Leases
 * (kube-node-lease/<node>); a node silent for longer than the grace period
 * gets its conditions set Unknown ("Kubelet stopped posting node status.");
 * its taints follow its conditions (unreachable / not-ready, NoSchedule and
 * NoExecute; pressure and unschedulable NoSchedule), and are removed once the
 * kubelet posts Ready=True again; pods on a node that is not Ready get their
 * Ready condition set False (kube's MarkPodsNotReady), so Services stop
 * sending them traffic. Evicting the pods is the taint eviction
 * controller's job (taint-eviction.ts).
 *
 * When no node at all is Ready, NoExecute taints are withheld (kube's
 * master disruption mode, the cluster counted as one zone), so a
 * single-node cluster whose kubelet restarts evicts nothing.
 * Not done (kube does): per-zone rate limiting of NoExecute tainting
 * (--node-eviction-rate) and the partial-disruption rates.
 */
import type { Lease } from 'kubernetes-types/coordination/v1';
import type { Node, Pod } from 'kubernetes-types/core/v1';
import type { Clock, Informer } from '../../apiserver/client/informer-types.ts';
import { objectKey } from '../../apiserver/client/informer.ts';
import { Leases, Nodes, Pods } from '../../apiserver/client/resources.ts';
import { isNotFound } from '../../apiserver/client/types.ts';
import { createWorkQueue, realClock } from '../../apiserver/client/workqueue.ts';
import type { ReconcileResult } from '../../apiserver/client/controller.ts';
import { rfc3339 } from '../../apiserver/api/time.ts';
import type { ControllerDeps } from '../deps.ts';
import { runWhenSynced } from '../run.ts';
import { desiredTaints, fullDisruption, graceDeadlineMs, observeHealth, readyCondition, unknownConditions, type HealthPeriods, type HealthRecord } from './decide.ts';
import { BY_NODE, indexPodsByNode } from './pods-by-node.ts';

/** Namespace of node Leases. */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
/** Defaults, ms (kube-controller-manager's). */
export const DEFAULT_GRACE_MS = 40_000;
export const DEFAULT_STARTUP_GRACE_MS = 60_000;
export const DEFAULT_MONITOR_PERIOD_MS = 5_000;

/** The grace periods and monitor period of `deps.config`, with kube's defaults. */
export function lifecyclePeriods(deps: ControllerDeps): HealthPeriods & { monitorMs: number } {
  const c = deps.config;
  return {
    graceMs: c.nodeMonitorGracePeriodMs ?? DEFAULT_GRACE_MS,
    startupGraceMs: c.nodeStartupGracePeriodMs ?? DEFAULT_STARTUP_GRACE_MS,
    monitorMs: c.nodeMonitorPeriodMs ?? DEFAULT_MONITOR_PERIOD_MS,
  };
}

/**
 * The pieces of the controller, exposed for tests; `clock` drives health
 * times and requeues (default the wall clock). `reconcile(node)` is
 * level-based: safe to run twice, throws on API errors (retried).
 */
export function createNodeLifecycleController(deps: ControllerDeps, clock: Clock = realClock) {
  const periods = lifecyclePeriods(deps);
  const nodes: Informer<Node> = deps.informers.for<Node>(Nodes);
  const leases: Informer<Lease> = deps.informers.for<Lease>(Leases, { namespace: NODE_LEASE_NAMESPACE });
  const pods: Informer<Pod> = deps.informers.for<Pod>(Pods);
  indexPodsByNode(pods);
  const queue = createWorkQueue<string>({ metrics: deps.queueMetrics?.forQueue('node_lifecycle_controller'), clock, baseDelayMs: 100, maxDelayMs: 30_000 });
  const health = new Map<string, HealthRecord>();
  let wasDisrupted = false;

  nodes.addHandlers({
    onAdd: (n) => queue.add(n.metadata?.name ?? ''),
    onUpdate: (_o, n) => queue.add(n.metadata?.name ?? ''),
    onDelete: (n) => health.delete(n.metadata?.name ?? ''),
  });
  leases.addHandlers({
    onAdd: (l) => queue.add(l.metadata?.name ?? ''),
    onUpdate: (_o, l) => queue.add(l.metadata?.name ?? ''),
  });
  pods.addHandlers({
    // A pod bound to a node that is not Ready is marked NotReady too (kube's processPod).
    onUpdate: (o, p) => { if (p.spec?.nodeName && p.spec.nodeName !== o.spec?.nodeName) queue.add(p.spec.nodeName); },
  });

  /** Sets Ready=False on the node's pods that still report Ready=True (MarkPodsNotReady). */
  const markPodsNotReady = async (nodeName: string, now: number): Promise<void> => {
    for (const pod of pods.byIndex(BY_NODE, nodeName)) {
      const ready = (pod.status?.conditions ?? []).find((c) => c.type === 'Ready');
      if (ready?.status !== 'True' || pod.metadata?.deletionTimestamp) continue;
      try {
        await deps.client.patch<Pod>(Pods, pod.metadata?.name ?? '', 'strategic', {
          status: { conditions: [{ ...ready, status: 'False', lastTransitionTime: rfc3339(now) }] },
        }, pod.metadata?.namespace, 'status');
      } catch (e) {
        if (isNotFound(e)) continue;
        throw e;
      }
      deps.recorder.event(pod, 'Warning', 'NodeNotReady', 'Node is not ready');
      deps.log.info('marked pod not ready', { pod: objectKey(pod), node: nodeName });
    }
  };

  const reconcile = async (name: string): Promise<ReconcileResult> => {
    let node = nodes.get(name);
    if (!node) {
      health.delete(name);
      return;
    }
    const now = clock.now();
    const rec = observeHealth(health.get(name), node, leases.get(`${NODE_LEASE_NAMESPACE}/${name}`), now);
    health.set(name, rec);
    const conditions = unknownConditions(node, rec, now, periods);
    if (conditions) {
      // resourceVersion makes the patch a compare-and-swap: a status the kubelet just posted wins (409, retried).
      node = await deps.client.patch<Node>(Nodes, name, 'merge', {
        metadata: { resourceVersion: node.metadata?.resourceVersion }, status: { conditions },
      }, undefined, 'status');
      deps.recorder.event(node, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
      deps.log.warn('node stopped posting status; conditions set Unknown', { node: name, silentMs: now - rec.probeMs });
    }
    const patched = node;
    const disrupted = fullDisruption(nodes.list().map((n) => (n.metadata?.name === name ? patched : n)));
    if (disrupted !== wasDisrupted) {
      wasDisrupted = disrupted;
      if (disrupted) deps.log.warn('no node is Ready: entering disruption mode, NoExecute taints withheld');
      else deps.log.info('some node is Ready: leaving disruption mode');
    }
    const { taints, changed } = desiredTaints(node, now, disrupted);
    if (changed) {
      await deps.client.patch<Node>(Nodes, name, 'merge', { metadata: { resourceVersion: node.metadata?.resourceVersion }, spec: { taints } });
      deps.log.info('node taints updated', { node: name, taints: taints.map((t) => `${t.key}:${t.effect}`) });
    }
    const ready = readyCondition(node);
    if (ready && ready.status !== 'True') await markPodsNotReady(name, now);
    // Look again just after the grace runs out (a heartbeat meanwhile re-queues the node anyway).
    const due = graceDeadlineMs(node, rec, periods) + 1 - now;
    return ready?.status === 'Unknown' ? undefined : { requeueAfterMs: Math.max(due, 100) };
  };

  /** Queues every known node now and then every monitor period until `signal` aborts (kube's monitorNodeHealth tick). */
  const monitor = (signal: AbortSignal): void => {
    let timer: { cancel(): void } | undefined;
    const tick = (): void => {
      if (signal.aborted) return;
      for (const n of nodes.list()) queue.add(n.metadata?.name ?? '');
      timer = clock.setTimeout(tick, periods.monitorMs);
    };
    signal.addEventListener('abort', () => timer?.cancel(), { once: true });
    tick();
  };

  return { queue, reconcile, monitor, health };
}

/**
 * Starts the node lifecycle controller: registers the Node, Lease and Pod
 * informers now; once synced, runs one worker and the monitor tick until
 * `signal` aborts. Never throws.
 */
export function startNodeLifecycleController(deps: ControllerDeps, signal: AbortSignal): void {
  const c = createNodeLifecycleController(deps);
  runWhenSynced(deps, 'node lifecycle controller', c, 1, signal, () => c.monitor(signal));
}
