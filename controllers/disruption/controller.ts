/**
 * Disruption controller (kube-controller-manager's `disruption` controller,
 * pkg/controller/disruption/disruption.go): keeps every
 * PodDisruptionBudget's status (expectedPods, currentHealthy,
 * desiredHealthy, disruptionsAllowed, disruptedPods, observedGeneration and
 * the DisruptionAllowed condition) in step with the pods its selector
 * matches. Level-based, keyed by `namespace/name`: a budget's add or update,
 * and any add, update or delete of a pod it matches (before or after the
 * change), queues it; reconcile reads the caches and writes the status
 * `syncBudget` computes with a compare-and-swap (a conflict retries with
 * backoff). A budget with pending evictions is synced again when they time
 * out. The scale of ReplicaSets and Deployments comes from their informers.
 * A second queue, keyed by pod, resets a DisruptionTarget condition that an
 * eviction set but no deletion followed within 2 minutes
 * (syncStalePodDisruption).
 */
import type { Pod } from 'kubernetes-types/core/v1';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1';
import type { OwnerReference } from 'kubernetes-types/meta/v1';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1';
import type { Informer } from '../../apiserver/client/informer-types.ts';
import { Deployments, PodDisruptionBudgets, Pods, ReplicaSets } from '../../apiserver/client/resources.ts';
import { isNotFound } from '../../apiserver/client/types.ts';
import { createWorkQueue } from '../../apiserver/client/workqueue.ts';
import type { ReconcileResult } from '../../apiserver/client/controller.ts';
import { controllerRef } from '../../apiserver/api/owner-references.ts';
import { selectorMatches } from '../../apiserver/api/label-selector.ts';
import type { ControllerDeps } from '../deps.ts';
import { runWhenSynced } from '../run.ts';
import { rfc3339 } from '../../apiserver/api/time.ts';
import { staleDisruptionInMs, syncBudget, type ScaleLookup } from './decide.ts';

const BY_NAMESPACE = 'disruption/namespace';
const nsOf = (o: { metadata?: { namespace?: string } }): string => o.metadata?.namespace ?? '';
/** kube's verifyGroupKind: the reference names `kind` in the apps (or legacy extensions) group. */
const isAppsRef = (ref: OwnerReference, kind: string): boolean => ref.kind === kind && /^(apps|extensions)\//.test(ref.apiVersion);

/**
 * The budget queue and reconcile of the controller, and the stale
 * DisruptionTarget queue and reconcile (`stale`), exposed for tests; `now`
 * is ms since epoch.
 */
export function createDisruptionController(deps: ControllerDeps, now: () => number = Date.now) {
  const pdbs: Informer<PodDisruptionBudget> = deps.informers.for<PodDisruptionBudget>(PodDisruptionBudgets);
  const pods: Informer<Pod> = deps.informers.for<Pod>(Pods);
  const replicaSets: Informer<ReplicaSet> = deps.informers.for<ReplicaSet>(ReplicaSets);
  const deployments: Informer<Deployment> = deps.informers.for<Deployment>(Deployments);
  pdbs.addIndex(BY_NAMESPACE, (p) => [nsOf(p)]);
  pods.addIndex(BY_NAMESPACE, (p) => [nsOf(p)]);
  const queue = createWorkQueue<string>({ metrics: deps.queueMetrics?.forQueue('disruption'), baseDelayMs: 100, maxDelayMs: 30_000 });
  const keyOf = (o: { metadata?: { namespace?: string; name?: string } }): string => `${nsOf(o)}/${o.metadata?.name ?? ''}`;
  const enqueue = (p: PodDisruptionBudget): void => queue.add(keyOf(p));
  const enqueueFor = (pod: Pod): void => {
    for (const p of pdbs.byIndex(BY_NAMESPACE, nsOf(pod))) if (selectorMatches(p.spec?.selector, pod.metadata?.labels)) enqueue(p);
  };
  pdbs.addHandlers({ onAdd: enqueue, onUpdate: (_o, n) => enqueue(n) });
  const stale = createWorkQueue<string>({ metrics: deps.queueMetrics?.forQueue('disruption_recheck'), baseDelayMs: 100, maxDelayMs: 30_000 });
  const watchStale = (pod: Pod): void => {
    const wait = staleDisruptionInMs(pod, now());
    if (wait === undefined) return;
    if (wait > 0) stale.addAfter(keyOf(pod), wait);
    else stale.add(keyOf(pod));
  };
  pods.addHandlers({
    onAdd: (p) => {
      enqueueFor(p);
      watchStale(p);
    },
    onUpdate: (o, n) => {
      enqueueFor(o);
      enqueueFor(n);
      watchStale(n);
    },
    onDelete: enqueueFor,
  });

  /** kube's finders for the controllers Skiff serves: a ReplicaSet owned by a Deployment scales as the Deployment, any other as itself. */
  const scaleOf: ScaleLookup = (ref, namespace) => {
    if (!isAppsRef(ref, 'ReplicaSet')) return undefined;
    const rs = replicaSets.get(`${namespace}/${ref.name}`);
    if (!rs || rs.metadata?.uid !== ref.uid) return undefined;
    const owner = controllerRef(rs.metadata);
    if (owner && isAppsRef(owner, 'Deployment')) {
      const d = deployments.get(`${namespace}/${owner.name}`);
      if (!d || d.metadata?.uid !== owner.uid) return undefined;
      return { uid: owner.uid, scale: d.spec?.replicas ?? 1 };
    }
    return { uid: ref.uid, scale: rs.spec?.replicas ?? 1 };
  };

  const reconcile = async (key: string): Promise<ReconcileResult> => {
    const pdb = pdbs.get(key);
    if (!pdb) return;
    const matching = pods.byIndex(BY_NAMESPACE, nsOf(pdb)).filter((p) => selectorMatches(pdb.spec?.selector, p.metadata?.labels));
    const t = now();
    const sync = syncBudget(pdb, matching, scaleOf, t);
    for (const name of sync.notDeleted) {
      const pod = matching.find((p) => p.metadata?.name === name);
      if (pod) deps.recorder.event(pod, 'Warning', 'NotDeleted', `Pod was expected by PDB ${nsOf(pdb)}/${pdb.metadata?.name ?? ''} to be deleted but it wasn't`);
    }
    if (sync.status) {
      if (sync.noPods) deps.recorder.event(pdb, 'Normal', 'NoPods', 'No matching pods found');
      try {
        await deps.client.updateStatus<PodDisruptionBudget>(PodDisruptionBudgets, { ...pdb, status: sync.status }, nsOf(pdb));
      } catch (e) {
        if (isNotFound(e)) return;
        throw e;
      }
    }
    if (sync.recheckAtMs !== undefined) return { requeueAfterMs: Math.max(1, sync.recheckAtMs - t) };
  };

  /** Resets a stale DisruptionTarget condition to False (merge on the condition type, guarded by the cached resourceVersion). */
  const reconcileStale = async (key: string): Promise<ReconcileResult> => {
    const pod = pods.get(key);
    if (!pod) return;
    const t = now();
    const wait = staleDisruptionInMs(pod, t);
    if (wait === undefined) return;
    if (wait > 0) return { requeueAfterMs: wait };
    const patch = { metadata: { resourceVersion: pod.metadata?.resourceVersion }, status: { conditions: [{ type: 'DisruptionTarget', status: 'False', lastTransitionTime: rfc3339(t) }] } };
    try {
      await deps.client.patch<Pod>(Pods, pod.metadata?.name ?? '', 'strategic', patch, nsOf(pod), 'status');
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
  };

  return { queue, reconcile, stale: { queue: stale, reconcile: reconcileStale } };
}

/**
 * Starts the disruption controller: registers the PodDisruptionBudget, Pod,
 * ReplicaSet and Deployment informers now and runs two budget workers and
 * one stale-condition worker once they synced, until `signal` aborts. Never throws; API errors (a lost
 * compare-and-swap included) are retried with backoff.
 */
export function startDisruptionController(deps: ControllerDeps, signal: AbortSignal): void {
  const c = createDisruptionController(deps);
  runWhenSynced(deps, 'disruption controller', c, 2, signal);
  runWhenSynced(deps, 'stale pod disruption cleanup', c.stale, 1, signal);
}
