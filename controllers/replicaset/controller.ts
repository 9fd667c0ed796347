/**
 * The ReplicaSet controller (kubernetes pkg/controller/replicaset): keeps
 * `spec.replicas` pods matching each ReplicaSet's selector, adopting orphans
 * and releasing pods that stopped matching, and writes status. Event handlers
 * only enqueue 'namespace/name' keys and account expectations; `reconcile`
 * re-reads everything from the informer caches and is safe to run twice.
 */
import type { Pod } from 'kubernetes-types/core/v1';
import type { ReplicaSet } from 'kubernetes-types/apps/v1';
import type { OwnerReference } from 'kubernetes-types/meta/v1';
import type { ControllerDeps } from '../deps.ts';
import { runWhenSynced } from '../run.ts';
import type { WorkQueue } from '../../apiserver/client/informer-types.ts';
import { Pods, ReplicaSets } from '../../apiserver/client/resources.ts';
import { isConflict } from '../../apiserver/client/types.ts';
import { createWorkQueue } from '../../apiserver/client/workqueue.ts';
import type { ReconcileResult } from '../../apiserver/client/controller.ts';
import { Expectations, EXPECTATIONS_TTL_MS } from './expectations.ts';
import { planReplicas, BURST_REPLICAS } from './plan.ts';
import { isPodActive } from './podutil.ts';
import { controllerRef } from '../../apiserver/api/owner-references.ts';
import { selectorMatches } from '../../apiserver/api/label-selector.ts';
import { PodControl, nsNameKey as keyOf } from './podcontrol.ts';
import { computeReplicaSetStatus, nextAvailabilityCheckMs, replicaSetStatusChanged, type ManageFailure } from './status.ts';
import { ownedPodsPlan, ownerRefTo, podFromTemplate } from './claim.ts';
import { adopt, BY_NAMESPACE, namespaceIndex, release } from './ownership.ts';


/** Options for tests: clock (ms since epoch), burst cap, worker count. */
export interface ReplicaSetControllerOptions {
  now?: () => number;
  burst?: number;
  workers?: number;
}

/** A created (not yet running) ReplicaSet controller. */
export interface ReplicaSetController {
  /** Level-based sync of one ReplicaSet by 'namespace/name'. Throws to be retried with backoff. */
  reconcile(key: string): Promise<ReconcileResult>;
  readonly queue: WorkQueue<string>;
  readonly expectations: Expectations;
}


/**
 * Registers the pod and ReplicaSet informers (with a by-namespace index) and
 * their handlers on `deps.informers`; does not start anything. Call before
 * `deps.informers.start`.
 */
export function createReplicaSetController(deps: ControllerDeps, opts: ReplicaSetControllerOptions = {}): ReplicaSetController {
  const now = opts.now ?? Date.now;
  const burst = opts.burst ?? BURST_REPLICAS;
  const log = deps.log;
  const rsInf = deps.informers.for<ReplicaSet>(ReplicaSets);
  const podInf = deps.informers.for<Pod>(Pods);
  rsInf.addIndex(BY_NAMESPACE, namespaceIndex);
  podInf.addIndex(BY_NAMESPACE, namespaceIndex);
  const queue = createWorkQueue<string>({ metrics: deps.queueMetrics?.forQueue('replicaset') });
  const expectations = new Expectations(now);

  const enqueueRs = (rs: ReplicaSet): void => queue.add(keyOf(rs.metadata?.namespace, rs.metadata?.name));

  /** The cached RS that `ref` points to in `ns`, if it is the same instance. */
  const resolveRef = (ns: string | undefined, ref: OwnerReference | undefined): ReplicaSet | undefined => {
    if (!ref || ref.kind !== 'ReplicaSet') return undefined;
    const rs = rsInf.get(keyOf(ns, ref.name));
    return rs && rs.metadata?.uid === ref.uid ? rs : undefined;
  };

  /** Every RS in the pod's namespace whose selector matches it (orphan handling). */
  const matchingSets = (pod: Pod): ReplicaSet[] =>
    rsInf.byIndex(BY_NAMESPACE, pod.metadata?.namespace ?? '').filter((rs) => selectorMatches(rs.spec?.selector, pod.metadata?.labels));

  const podDeleted = (pod: Pod): void => {
    const rs = resolveRef(pod.metadata?.namespace, controllerRef(pod.metadata));
    if (!rs) return;
    const k = keyOf(rs.metadata?.namespace, rs.metadata?.name);
    expectations.deletionObserved(k, keyOf(pod.metadata?.namespace, pod.metadata?.name));
    queue.add(k);
  };

  rsInf.addHandlers({
    onAdd: enqueueRs,
    onUpdate: (_o, n) => enqueueRs(n),
    onDelete: (rs) => {
      const k = keyOf(rs.metadata?.namespace, rs.metadata?.name);
      expectations.delete(k);
      queue.add(k);
    },
  });

  podInf.addHandlers({
    onAdd: (pod) => {
      if (pod.metadata?.deletionTimestamp) return podDeleted(pod);
      const rs = resolveRef(pod.metadata?.namespace, controllerRef(pod.metadata));
      if (rs) {
        const k = keyOf(rs.metadata?.namespace, rs.metadata?.name);
        expectations.creationObserved(k);
        queue.add(k);
        return;
      }
      if (!controllerRef(pod.metadata)) for (const m of matchingSets(pod)) enqueueRs(m);
    },
    onUpdate: (oldPod, pod) => {
      if (pod.metadata?.deletionTimestamp && !oldPod.metadata?.deletionTimestamp) {
        podDeleted(pod);
      }
      const oldRef = controllerRef(oldPod.metadata);
      const newRef = controllerRef(pod.metadata);
      const oldRs = resolveRef(oldPod.metadata?.namespace, oldRef);
      if (oldRs && oldRef?.uid !== newRef?.uid) enqueueRs(oldRs);
      const rs = resolveRef(pod.metadata?.namespace, newRef);
      if (rs) enqueueRs(rs);
      else if (!newRef) for (const m of matchingSets(pod)) enqueueRs(m);
    },
    onDelete: podDeleted,
  });

  const podControl = new PodControl({ client: deps.client, recorder: deps.recorder, expectations }, ReplicaSets);

  /** Adopts/releases per `ownedPodsPlan`; returns the pods this RS owns afterwards. */
  const claimPods = async (rs: ReplicaSet, candidates: Pod[]): Promise<Pod[]> => {
    const plan = ownedPodsPlan(rs, candidates);
    const owned = [...plan.owned];
    if (plan.adopt.length > 0) {
      // Like RecheckDeletionTimestamp: never adopt for an RS that is gone or being deleted.
      const fresh = await deps.client.tryGet<ReplicaSet>(ReplicaSets, rs.metadata?.name ?? '', rs.metadata?.namespace);
      if (fresh && fresh.metadata?.uid === rs.metadata?.uid && !fresh.metadata?.deletionTimestamp) {
        for (const p of plan.adopt) {
          const patched = await adopt(deps.client, Pods, p, ownerRefTo(rs));
          if (patched) owned.push(patched);
        }
      }
    }
    for (const p of plan.release) await release(deps.client, Pods, p, rs.metadata?.uid ?? '');
    return owned;
  };

  const writeStatus = async (rs: ReplicaSet, activePods: Pod[], failure?: ManageFailure): Promise<void> => {
    const status = computeReplicaSetStatus(rs, activePods, now(), failure);
    if (!replicaSetStatusChanged(rs.status, status)) return;
    try {
      await deps.client.updateStatus<ReplicaSet>(ReplicaSets, { ...rs, status }, rs.metadata?.namespace);
    } catch (e) {
      if (!isConflict(e)) throw e;
      const fresh = await deps.client.get<ReplicaSet>(ReplicaSets, rs.metadata?.name ?? '', rs.metadata?.namespace);
      if (fresh.metadata?.uid !== rs.metadata?.uid) return;
      await deps.client.updateStatus<ReplicaSet>(ReplicaSets, { ...fresh, status: { ...status, observedGeneration: Math.min(status.observedGeneration ?? 0, fresh.metadata?.generation ?? 0) } }, rs.metadata?.namespace);
    }
  };

  const reconcile = async (key: string): Promise<ReconcileResult> => {
    const rs = rsInf.get(key);
    if (!rs) {
      expectations.delete(key);
      return;
    }
    const satisfied = expectations.satisfied(key);
    const candidates = podInf.byIndex(BY_NAMESPACE, rs.metadata?.namespace ?? '').filter(isPodActive);
    const owned = await claimPods(rs, candidates);
    let failure: ManageFailure | undefined;
    let manageErr: unknown;
    if (satisfied && !rs.metadata?.deletionTimestamp) {
      const plan = planReplicas(rs, owned, burst);
      try {
        if (plan.create > 0) {
          log.debug('creating pods', { key, count: plan.create, have: owned.length });
          await podControl.createPods(rs, key, plan.create, () => podFromTemplate(rs));
        } else if (plan.delete.length > 0) {
          log.debug('deleting pods', { key, count: plan.delete.length, have: owned.length });
          await podControl.deletePods(rs, key, plan.delete);
        }
      } catch (e) {
        manageErr = e;
        failure = { reason: plan.create > 0 ? 'FailedCreate' : 'FailedDelete', message: (e as Error).message };
      }
    } else if (!satisfied) {
      // Keep a failure condition until a sync actually succeeds.
      const cur = rs.status?.conditions?.find((c) => c.type === 'ReplicaFailure');
      if (cur) failure = { reason: cur.reason ?? 'FailedCreate', message: cur.message ?? '' };
    }
    await writeStatus(rs, owned, failure);
    if (manageErr !== undefined) throw manageErr;
    let wait = nextAvailabilityCheckMs(rs, owned, now());
    // If the watch never shows our writes, look again once the expectations expire.
    if (!satisfied) wait = Math.min(wait ?? Infinity, EXPECTATIONS_TTL_MS + 1000);
    return wait === undefined ? undefined : { requeueAfterMs: wait };
  };

  return { reconcile, queue, expectations };
}

/**
 * Starts the ReplicaSet controller: registers informers now, runs workers
 * (default 5) once the informer factory has synced, until `signal` aborts.
 */
export function startReplicaSetController(deps: ControllerDeps, signal: AbortSignal, opts: ReplicaSetControllerOptions = {}): void {
  const c = createReplicaSetController(deps, opts);
  runWhenSynced(deps, 'replicaset controller', c, opts.workers ?? 5, signal);
}
