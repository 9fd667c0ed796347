/**
 * Taint eviction controller (kube-controller-manager's
 * taint-eviction-controller, pkg/controller/tainteviction, formerly the
 * NoExecuteTaintManager): a pod on a node with NoExecute taints is deleted
 * once its matching tolerations run out — at once without a matching
 * toleration, never with a toleration that has no tolerationSeconds.
 * Before the delete it sets the pod condition DisruptionTarget=True
 * (reason DeletionByTaintManager), as kube does, and records a
 * TaintManagerEviction Event; a scheduled deletion that the node's recovery
 * makes moot records "Cancelling deletion of Pod ns/name".
 *
 * The toleration clock starts at the taints' timeAdded (not before the pod
 * was bound), so a restarted controller keeps the schedule; within one
 * process the earliest start seen is kept across a not-ready ↔ unreachable
 * swap, as kube keeps its timer's creation time.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1';
import type { Clock, Informer } from '../../apiserver/client/informer-types.ts';
import { objectKey } from '../../apiserver/client/informer.ts';
import { Nodes, Pods } from '../../apiserver/client/resources.ts';
import { isNotFound } from '../../apiserver/client/types.ts';
import { createWorkQueue, realClock } from '../../apiserver/client/workqueue.ts';
import type { ReconcileResult } from '../../apiserver/client/controller.ts';
import { rfc3339 } from '../../apiserver/api/time.ts';
import type { ControllerDeps } from '../deps.ts';
import { runWhenSynced } from '../run.ts';
import { evictionDecision, noExecuteTaints, tolerationStartMs } from './decide.ts';
import { BY_NODE, indexPodsByNode } from './pods-by-node.ts';

/** The pod condition set before a taint eviction (kube's DisruptionTarget, reason DeletionByTaintManager). */
export const DISRUPTION_TARGET = { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint' } as const;

const taintsKey = (n: Node | undefined): string => JSON.stringify(noExecuteTaints(n));

/**
 * The pieces of the controller, exposed for tests; `clock` decides when
 * tolerations run out and drives the timed requeues. `reconcile(podKey)` is
 * level-based and throws on API errors (retried with backoff).
 */
export function createTaintEvictionController(deps: ControllerDeps, clock: Clock = realClock) {
  const nodes: Informer<Node> = deps.informers.for<Node>(Nodes);
  const pods: Informer<Pod> = deps.informers.for<Pod>(Pods);
  indexPodsByNode(pods);
  const queue = createWorkQueue<string>({ metrics: deps.queueMetrics?.forQueue('taint_eviction'), clock, baseDelayMs: 100, maxDelayMs: 30_000 });
  /** Pod key → earliest toleration start seen (ms). */
  const since = new Map<string, number>();
  /** Pods with a deletion scheduled in the future. */
  const scheduled = new Set<string>();

  const enqueueNodePods = (n: Node): void => {
    for (const p of pods.byIndex(BY_NODE, n.metadata?.name ?? '')) queue.add(objectKey(p));
  };
  nodes.addHandlers({
    onAdd: (n) => { if (noExecuteTaints(n).length > 0) enqueueNodePods(n); },
    onUpdate: (o, n) => { if (taintsKey(o) !== taintsKey(n)) enqueueNodePods(n); },
  });
  pods.addHandlers({
    onAdd: (p) => { if (p.spec?.nodeName) queue.add(objectKey(p)); },
    onUpdate: (o, p) => {
      if (p.spec?.nodeName && (p.spec.nodeName !== o.spec?.nodeName || JSON.stringify(p.spec.tolerations) !== JSON.stringify(o.spec?.tolerations))) queue.add(objectKey(p));
    },
    onDelete: (p) => { since.delete(objectKey(p)); scheduled.delete(objectKey(p)); },
  });

  const forget = (key: string, pod: Pod | undefined): void => {
    if (scheduled.delete(key) && pod) deps.recorder.event(pod, 'Normal', 'TaintManagerEviction', `Cancelling deletion of Pod ${key}`);
    since.delete(key);
  };

  const evict = async (key: string, pod: Pod, now: number): Promise<void> => {
    const name = pod.metadata?.name ?? '';
    const ns = pod.metadata?.namespace;
    try {
      await deps.client.patch<Pod>(Pods, name, 'strategic', { status: { conditions: [{ ...DISRUPTION_TARGET, lastTransitionTime: rfc3339(now) }] } }, ns, 'status');
      // The pod's own grace period applies, as kube's taint manager deletes with default options.
      await deps.client.delete(Pods, name, ns, { preconditions: { uid: pod.metadata?.uid } });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    scheduled.delete(key);
    since.delete(key);
    deps.recorder.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${key}`);
    deps.log.info('evicted pod from a NoExecute-tainted node', { pod: key, node: pod.spec?.nodeName });
  };

  const reconcile = async (key: string): Promise<ReconcileResult> => {
    const pod = pods.get(key);
    if (!pod || pod.metadata?.deletionTimestamp || !pod.spec?.nodeName) {
      forget(key, pod);
      return;
    }
    const taints = noExecuteTaints(nodes.get(pod.spec.nodeName));
    const now = clock.now();
    const scheduledAt = (pod.status?.conditions ?? []).find((c) => c.type === 'PodScheduled')?.lastTransitionTime;
    const start = Math.min(since.get(key) ?? Infinity, tolerationStartMs(taints, scheduledAt, now));
    const d = evictionDecision(pod.spec.tolerations ?? [], taints, start);
    if (d.kind === 'none' || d.kind === 'never') {
      forget(key, pod);
      return;
    }
    since.set(key, start);
    if (d.kind === 'at' && d.atMs > now) {
      scheduled.add(key);
      return { requeueAfterMs: d.atMs - now };
    }
    await evict(key, pod, now);
  };

  return { queue, reconcile };
}

/**
 * Starts the taint eviction controller: registers the Node and Pod informers
 * now, runs two workers once synced, until `signal` aborts. Never throws.
 */
export function startTaintEvictionController(deps: ControllerDeps, signal: AbortSignal): void {
  const c = createTaintEvictionController(deps);
  runWhenSynced(deps, 'taint eviction controller', c, 2, signal);
}
