/**
 * The scheduling loop: feeds pending pods from the pod informer into the
 * scheduling queue, decides with the plugin registry over the informer cache
 * plus "assumed" pods (bound by us, not yet seen bound by the informer),
 * binds through pods/binding, and reports the outcome as Events and the
 * PodScheduled condition, as kube-scheduler does.
 */
import type { Binding, Node, Pod, PodCondition } from 'kubernetes-types/core/v1';
import type { Clock, EventRecorder, Informer } from '../apiserver/client/informer-types.ts';
import { objectKey } from '../apiserver/client/informer.ts';
import type { Logger } from '../apiserver/api/log.ts';
import { Pods } from '../apiserver/client/resources.ts';
import { isConflict, isNotFound, type ApiClient } from '../apiserver/client/types.ts';
import { decide } from './decide.ts';
import { buildNodeInfos, isTerminal } from './framework/nodeinfo.ts';
import type { PluginRegistry } from './framework/types.ts';
import { defaultRegistry } from './plugins/registry.ts';
import { SchedulingQueue, type QueuedPod, type SchedulingQueueOptions } from './queue.ts';
import { rfc3339 } from '../apiserver/api/time.ts';

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
}

/** A running scheduler's handles (the queue is exposed for tests and debugging). */
export interface Scheduler {
  /** Registers handlers, waits for the informers to sync, then schedules until `signal` aborts. */
  run(signal: AbortSignal): Promise<void>;
  queue: SchedulingQueue;
  /** Resolves when bindings started so far have finished (tests). */
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
function nodeSchedulingView(n: Node): string {
  const ready = (n.status?.conditions ?? []).find((c) => c.type === 'Ready')?.status ?? '';
  return JSON.stringify([n.metadata?.labels ?? {}, n.spec?.taints ?? [], n.spec?.unschedulable ?? false, n.status?.allocatable ?? {}, ready]);
}

/** Creates the scheduler (see file doc). */
export function createScheduler(deps: SchedulerDeps): Scheduler {
  const { client, pods, nodes, schedulerName, recorder, log } = deps;
  const registry = deps.registry ?? defaultRegistry();
  const rand = deps.rand ?? Math.random;
  const clock = deps.clock;
  const queue = new SchedulingQueue({ ...(deps.queue ?? {}), ...(clock ? { clock } : {}) });
  const assumed = new Map<string, Pod>();
  const bindings = new Set<Promise<void>>();

  const onPod = (pod: Pod, old?: Pod): void => {
    const key = objectKey(pod);
    if (pod.spec?.nodeName) {
      assumed.delete(key);
      queue.delete(key);
      if (old && !isTerminal(old) && isTerminal(pod)) queue.moveAllToActiveOrBackoff();
      return;
    }
    if (!isPendingFor(pod, schedulerName)) {
      queue.delete(key);
      return;
    }
    if (assumed.has(key)) return;
    if (old) queue.update(old, pod);
    else queue.add(pod);
  };

  const registerHandlers = (): void => {
    pods.addHandlers({
      onAdd: (p) => onPod(p),
      onUpdate: (o, p) => onPod(p, o),
      onDelete: (p) => {
        const key = objectKey(p);
        queue.delete(key);
        const wasAssumed = assumed.delete(key);
        if ((p.spec?.nodeName || wasAssumed) && !isTerminal(p)) queue.moveAllToActiveOrBackoff();
      },
    });
    nodes.addHandlers({
      onAdd: () => queue.moveAllToActiveOrBackoff(),
      onUpdate: (o, n) => {
        if (nodeSchedulingView(o) !== nodeSchedulingView(n)) queue.moveAllToActiveOrBackoff();
      },
    });
  };

  /** Pods holding resources: bound ones from the cache plus our assumptions. */
  const placedPods = (): Pod[] => {
    const out: Pod[] = [];
    for (const p of pods.list()) if (p.spec?.nodeName) out.push(p);
    for (const [key, p] of assumed) if (!pods.get(key)?.spec?.nodeName) out.push(p);
    return out;
  };

  const setUnschedulableCondition = async (pod: Pod, message: string): Promise<void> => {
    const conds = pod.status?.conditions ?? [];
    const prev = conds.find((c) => c.type === 'PodScheduled');
    if (prev && prev.status === 'False' && prev.reason === 'Unschedulable' && prev.message === message) return;
    const now = rfc3339(clock ? clock.now() : Date.now());
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

  const bind = async (pod: Pod, node: string, info: QueuedPod): Promise<void> => {
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
      queue.done(key);
      recorder.event(pod, 'Normal', 'Scheduled', `Successfully assigned ${ns}/${name} to ${node}`);
      log.info('bound pod', { pod: key, node });
    } catch (e) {
      assumed.delete(key);
      if (isNotFound(e) || isConflict(e)) {
        // Deleted, or already bound elsewhere: the informer will tell us the rest.
        log.info('binding not needed any more', { pod: key, err: e });
        queue.done(key);
        return;
      }
      log.warn('binding failed, will retry', { pod: key, node, err: e });
      recorder.event(pod, 'Warning', 'FailedScheduling', `Binding rejected: ${(e as Error).message}`);
      queue.addBackoff(info);
    }
  };

  const scheduleOne = async (info: QueuedPod, cycle: number): Promise<void> => {
    const pod = pods.get(info.key) ?? info.pod;
    if (!isPendingFor(pod, schedulerName)) {
      queue.done(info.key);
      return;
    }
    const nodeInfos = buildNodeInfos(nodes.list(), placedPods());
    const d = decide(pod, nodeInfos, registry, rand);
    if (d.kind === 'unschedulable') {
      log.info('pod unschedulable', { pod: info.key, message: d.message, attempts: info.attempts });
      queue.addUnschedulable(info, cycle);
      recorder.event(pod, 'Warning', 'FailedScheduling', d.message);
      await setUnschedulableCondition(pod, d.message);
      return;
    }
    assumed.set(info.key, { ...pod, spec: { ...(pod.spec ?? { containers: [] }), nodeName: d.node } });
    const p = bind(pod, d.node, info);
    bindings.add(p);
    void p.finally(() => bindings.delete(p));
  };

  return {
    queue,
    async run(signal) {
      registerHandlers();
      queue.run(signal);
      await Promise.race([Promise.all([pods.synced(), nodes.synced()]), new Promise((r) => signal.addEventListener('abort', r, { once: true }))]);
      if (!signal.aborted) log.info('scheduler started', { schedulerName });
      while (!signal.aborted) {
        const next = await queue.pop();
        if (!next) break;
        try {
          await scheduleOne(next.info, next.cycle);
        } catch (e) {
          log.error('scheduling attempt failed', { pod: next.info.key, err: e });
          assumed.delete(next.info.key);
          queue.addBackoff(next.info);
        }
      }
      await Promise.all([...bindings]);
    },
    async idle() {
      while (bindings.size > 0) await Promise.all([...bindings]);
    },
  };
}
