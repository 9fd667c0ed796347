/**
 * The scheduling loop (kube-scheduler's scheduleOne, simplified): the Pod
 * and Node informers feed the scheduler cache (bound pods, nodes) and the
 * scheduling queue (pending pods of this scheduler). Each scheduling cycle
 * pops one pod, brings the cycle's Snapshot up to date with only the
 * NodeInfos changed since the last cycle, and decides over it with the
 * plugin registry (filtering from a rotating start index until
 * percentageOfNodesToScore nodes fit). A fitting pod is assumed in the cache
 * at once, so the next cycle already counts it, and its binding cycle
 * (POST pods/binding) runs asynchronously with at most `parallelBindings`
 * in flight while the loop goes on. A failed binding forgets the assumed
 * pod and requeues it with backoff; an unschedulable pod gets a
 * FailedScheduling Event and PodScheduled=False and waits in the queue's
 * pool for a cluster event. Per pod the work is O(nodes checked), never
 * O(pods × nodes). Each attempt (pop to bind decision, binding included) is
 * reported once to the optional metrics sink (metrics.ts).
 */
import type { Binding, Node, Pod, PodCondition } from 'kubernetes-types/core/v1';
import type { Clock, EventRecorder, Informer } from '../apiserver/client/informer-types.ts';
import { objectKey } from '../apiserver/client/informer.ts';
import type { Logger } from '../apiserver/api/log.ts';
import { Pods } from '../apiserver/client/resources.ts';
import { isConflict, isNotFound, type ApiClient } from '../apiserver/client/types.ts';
import { rfc3339 } from '../apiserver/api/time.ts';
import { realClock } from '../apiserver/client/workqueue.ts';
import { SchedulerCache } from './cache.ts';
import { decide } from './decide.ts';
import { isTerminal } from './framework/nodeinfo.ts';
import type { PluginRegistry } from './framework/types.ts';
import { InFlight } from './inflight.ts';
import type { ScheduleResult, SchedulerMetricsSink } from './metrics.ts';
import { defaultRegistry } from './plugins/registry.ts';
import { SchedulingQueue, type QueuedPod, type SchedulingQueueOptions } from './queue.ts';
import { Snapshot } from './snapshot.ts';

/** Everything the scheduler needs; informers are shared and started by the caller. */
export interface SchedulerDeps {
  client: ApiClient;
  pods: Informer<Pod>;
  nodes: Informer<Node>;
  /** Pods whose spec.schedulerName equals this are ours ('default-scheduler' when unset). */
  schedulerName: string;
  recorder: EventRecorder;
  log: Logger;
  registry?: PluginRegistry;
  /** Tie breaker, [0,1). */
  rand?: () => number;
  queue?: SchedulingQueueOptions;
  clock?: Clock;
  /** 0 (default): adaptive, as kube (50 % - nodes/125, at least 5 %, at least 100 nodes); 1..100: fixed share. */
  percentageOfNodesToScore?: number;
  /** Binding cycles in flight at most (default 16); the scheduling loop waits for a free one. */
  parallelBindings?: number;
  /** An assumed pod whose binding was written but never seen bound is dropped after this (ms; default 15 min). */
  assumedPodTtlMs?: number;
  /** How often expired assumed pods are cleaned up (ms; default 1000, kube's cleanAssumedPeriod). */
  cleanupIntervalMs?: number;
  /** Receives one observation per scheduling attempt (metrics.ts; default: none). */
  metrics?: SchedulerMetricsSink;
}

/** A running scheduler's handles (queue and cache are exposed for tests and debugging). */
export interface Scheduler {
  /** Registers handlers, waits for the informers to sync, then schedules until `signal` aborts. */
  run(signal: AbortSignal): Promise<void>;
  queue: SchedulingQueue;
  cache: SchedulerCache;
  /** Resolves when bindings and status writes started so far have finished (tests). */
  idle(): Promise<void>;
}

/** True if `pod` waits for this scheduler: unbound, ours, not being deleted, not terminal. */
export function isPendingFor(pod: Pod, schedulerName: string): boolean {
  return !pod.spec?.nodeName &&
    (pod.spec?.schedulerName || 'default-scheduler') === schedulerName &&
    !pod.metadata?.deletionTimestamp &&
    !isTerminal(pod);
}

/** Node fields whose change can make an unschedulable pod fit. */
export function nodeSchedulingView(n: Node): string {
  const ready = (n.status?.conditions ?? []).find((c) => c.type === 'Ready')?.status ?? '';
  return JSON.stringify([n.metadata?.labels ?? {}, n.spec?.taints ?? [], n.spec?.unschedulable ?? false, n.status?.allocatable ?? {}, ready]);
}

/** The pod as assumed on `node`: a shallow copy with spec.nodeName set (the informer's object is never mutated). */
export function assumedOn(pod: Pod, node: string): Pod {
  return { ...pod, spec: { ...(pod.spec ?? { containers: [] }), nodeName: node } };
}

/** Creates the scheduler (see file doc). */
export function createScheduler(deps: SchedulerDeps): Scheduler {
  const { client, pods, nodes, schedulerName, recorder, log } = deps;
  const registry = deps.registry ?? defaultRegistry();
  const rand = deps.rand ?? Math.random;
  const clock = deps.clock ?? realClock;
  const queue = new SchedulingQueue({ ...(deps.queue ?? {}), clock });
  const cache = new SchedulerCache({ clock, assumedPodTtlMs: deps.assumedPodTtlMs });
  const snapshot = new Snapshot();
  const binds = new InFlight(deps.parallelBindings ?? 16);
  const writes = new Set<Promise<void>>();
  const percentage = deps.percentageOfNodesToScore ?? 0;
  let nextStartNodeIndex = 0;
  const metrics = deps.metrics;
  /** Reports an attempt that started at `startMs` (performance.now(), monotonic). */
  const observe = (result: ScheduleResult, startMs: number): void => metrics?.attempt(result, (performance.now() - startMs) / 1000);

  const track = (p: Promise<void>): void => {
    writes.add(p);
    void p.finally(() => writes.delete(p));
  };

  const onPodAdd = (pod: Pod): void => {
    if (pod.spec?.nodeName) {
      if (!isTerminal(pod)) cache.addPod(pod);
      return;
    }
    if (isPendingFor(pod, schedulerName)) queue.add(pod);
  };

  const onPodUpdate = (old: Pod, pod: Pod): void => {
    const key = objectKey(pod);
    if (pod.spec?.nodeName) {
      if (!old.spec?.nodeName) queue.delete(key);
      if (!isTerminal(pod)) {
        cache.updatePod(pod);
      } else if (cache.nodeOf(key) !== undefined) {
        cache.removePod(key);
        queue.moveAllToActiveOrBackoff();
      }
      return;
    }
    if (!isPendingFor(pod, schedulerName)) {
      queue.delete(key);
      return;
    }
    if (cache.isAssumed(key)) return; // our binding is in flight
    queue.update(old, pod);
  };

  const onPodDelete = (pod: Pod): void => {
    const key = objectKey(pod);
    queue.delete(key);
    const held = cache.nodeOf(key) !== undefined;
    cache.removePod(key);
    if (held && !isTerminal(pod)) queue.moveAllToActiveOrBackoff();
  };

  const registerHandlers = (): void => {
    pods.addHandlers({ onAdd: onPodAdd, onUpdate: onPodUpdate, onDelete: onPodDelete });
    nodes.addHandlers({
      onAdd: (n) => {
        cache.addNode(n);
        queue.moveAllToActiveOrBackoff();
      },
      onUpdate: (o, n) => {
        cache.updateNode(n);
        if (nodeSchedulingView(o) !== nodeSchedulingView(n)) queue.moveAllToActiveOrBackoff();
      },
      onDelete: (n) => cache.removeNode(n.metadata?.name ?? ''),
    });
  };

  const setUnschedulableCondition = async (pod: Pod, message: string): Promise<void> => {
    const conds = pod.status?.conditions ?? [];
    const prev = conds.find((c) => c.type === 'PodScheduled');
    if (prev && prev.status === 'False' && prev.reason === 'Unschedulable' && prev.message === message) return;
    const now = rfc3339(clock.now());
    const cond: PodCondition = {
      type: 'PodScheduled',
      status: 'False',
      reason: 'Unschedulable',
      message,
      lastTransitionTime: prev?.status === 'False' && prev.lastTransitionTime ? prev.lastTransitionTime : now,
    };
    const patch = { status: { conditions: [...conds.filter((c) => c.type !== 'PodScheduled'), cond] } };
    try {
      await client.patch(Pods, pod.metadata?.name ?? '', 'merge', patch, pod.metadata?.namespace, 'status');
    } catch (e) {
      if (!isNotFound(e)) log.warn('could not update PodScheduled condition', { pod: objectKey(pod), err: e });
    }
  };

  /**
   * The binding cycle: POST pods/binding; on failure forget the assumption
   * and retry after backoff. Ends the attempt begun at `startMs`: scheduled,
   * or error for any failed binding (as kube).
   */
  const bind = async (pod: Pod, node: string, info: QueuedPod, startMs: number): Promise<void> => {
    const key = info.key;
    const ns = pod.metadata?.namespace ?? 'default';
    const name = pod.metadata?.name ?? '';
    try {
      const binding: Binding = {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name, namespace: ns, uid: pod.metadata?.uid },
        target: { apiVersion: 'v1', kind: 'Node', name: node },
      };
      await client.createSubresource(Pods, name, 'binding', binding, ns);
      cache.finishBinding(key);
      queue.done(key);
      observe('scheduled', startMs);
      recorder.event(pod, 'Normal', 'Scheduled', `Successfully assigned ${ns}/${name} to ${node}`);
      log.debug('bound pod', { pod: key, node });
    } catch (e) {
      cache.forgetPod(key);
      observe('error', startMs);
      if (isNotFound(e) || isConflict(e)) {
        // Deleted, or already bound elsewhere: the informer will tell us the rest.
        log.info('binding not needed any more', { pod: key, err: e });
        queue.done(key);
        return;
      }
      log.warn('binding failed, will retry', { pod: key, node, err: e });
      recorder.event(pod, 'Warning', 'FailedScheduling', `Binding rejected: ${(e as Error).message}`);
      queue.addBackoff(info);
      queue.moveAllToActiveOrBackoff(); // the forgotten pod's resources are free again
    }
  };

  /**
   * One scheduling cycle (synchronous: the snapshot cannot change under it)
   * of the pod popped at `startMs`; skipped pods are not counted as attempts (as kube).
   */
  const scheduleOne = (info: QueuedPod, cycle: number, startMs: number): void => {
    const pod = pods.get(info.key) ?? info.pod;
    if (!isPendingFor(pod, schedulerName) || cache.isAssumed(info.key)) {
      queue.done(info.key);
      return;
    }
    cache.updateSnapshot(snapshot);
    const d = decide(pod, snapshot.list, registry, rand, { percentageOfNodesToScore: percentage, startIndex: nextStartNodeIndex });
    nextStartNodeIndex = snapshot.size === 0 ? 0 : (nextStartNodeIndex + d.processed) % snapshot.size;
    if (d.kind === 'unschedulable') {
      log.info('pod unschedulable', { pod: info.key, message: d.message, attempts: info.attempts });
      queue.addUnschedulable(info, cycle);
      observe('unschedulable', startMs);
      recorder.event(pod, 'Warning', 'FailedScheduling', d.message);
      track(setUnschedulableCondition(pod, d.message));
      return;
    }
    const err = cache.assumePod(assumedOn(pod, d.node));
    if (err) {
      log.error('could not assume pod', { pod: info.key, err });
      queue.addBackoff(info);
      observe('error', startMs);
      return;
    }
    binds.run(() => bind(pod, d.node, info, startMs));
  };

  return {
    queue,
    cache,
    async run(signal) {
      registerHandlers();
      queue.run(signal);
      const onAbort = (): void => binds.release();
      signal.addEventListener('abort', onAbort, { once: true });
      let cleanup: { cancel(): void } | undefined;
      const tick = (): void => {
        if (signal.aborted) return;
        if (cache.cleanupAssumedPods().length > 0) queue.moveAllToActiveOrBackoff();
        cleanup = clock.setTimeout(tick, deps.cleanupIntervalMs ?? 1000);
      };
      cleanup = clock.setTimeout(tick, deps.cleanupIntervalMs ?? 1000);
      try {
        await Promise.race([Promise.all([pods.synced(), nodes.synced()]), new Promise((r) => signal.addEventListener('abort', r, { once: true }))]);
        if (!signal.aborted) log.info('scheduler started', { schedulerName });
        while (!signal.aborted) {
          await binds.slot();
          if (signal.aborted) break;
          const next = await queue.pop();
          if (!next) break;
          const startMs = performance.now();
          try {
            scheduleOne(next.info, next.cycle, startMs);
          } catch (e) {
            log.error('scheduling attempt failed', { pod: next.info.key, err: e });
            cache.forgetPod(next.info.key);
            queue.addBackoff(next.info);
            observe('error', startMs);
          }
        }
      } finally {
        cleanup?.cancel();
        signal.removeEventListener('abort', onAbort);
        await binds.idle();
        await Promise.all([...writes]);
      }
    },
    async idle() {
      await binds.idle();
      while (writes.size > 0) await Promise.all([...writes]);
    },
  };
}
