/**
 * The pure rules of the disruption controller, as Kubernetes'
 * pkg/controller/disruption/disruption.go (trySync, getExpectedPodCount,
 * getExpectedScale, buildDisruptedPodMap, countHealthyPods,
 * updatePdbStatus, failSafe): from a PodDisruptionBudget, the pods its
 * selector matches and the scale of their controllers, the status it
 * should have.
 */
import type { Pod } from 'kubernetes-types/core/v1';
import type { OwnerReference } from 'kubernetes-types/meta/v1';
import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from 'kubernetes-types/policy/v1';
import { controllerRef } from '../../apiserver/api/owner-references.ts';
import { conditionsAreUpToDate, DISRUPTION_ALLOWED, isPodReady, pdbReasons, setStatusCondition, withDisruptionAllowedCondition } from '../../apiserver/api/pdb.ts';
import { scaledValue } from '../deployment/util.ts';

/** How long (ms) a pod the eviction handler recorded in status.disruptedPods is not counted healthy while it is not yet being deleted (kube DeletionTimeout, 2 min). */
export const DELETION_TIMEOUT_MS = 2 * 60 * 1000;

/** How long (ms) a DisruptionTarget=True condition may stay on a pod that is not being deleted before it is reset (kube stalePodDisruptionTimeout, 2 min). */
export const STALE_POD_DISRUPTION_TIMEOUT_MS = 2 * 60 * 1000;

/** The scalable controller a pod's controller reference resolves to: its uid and desired replicas; undefined when no known controller is found. */
export type ScaleLookup = (ref: OwnerReference, namespace: string) => { uid: string; scale: number } | undefined;

/** The counts a budget's status is built from. */
export interface BudgetCounts {
  expectedPods: number;
  desiredHealthy: number;
  /** Pods without a controller reference (counted only with an integer minAvailable). */
  unmanaged: string[];
}

/**
 * expectedPods and desiredHealthy (getExpectedPodCount): with maxUnavailable,
 * expected is the summed scale of the pods' controllers and desired =
 * expected - maxUnavailable (percent rounded up), at least 0; with an integer
 * minAvailable, desired = minAvailable and expected = the number of pods;
 * with a percent minAvailable, expected is the summed scale and desired the
 * percent of it rounded up. Throws Error when a managed pod's controller is
 * not found (the caller then fails safe).
 */
export function budgetCounts(pdb: PodDisruptionBudget, pods: readonly Pod[], scaleOf: ScaleLookup): BudgetCounts {
  const spec = pdb.spec ?? {};
  const expectedScale = (): { total: number; unmanaged: string[] } => {
    const scales = new Map<string, number>();
    const unmanaged: string[] = [];
    for (const pod of pods) {
      const ref = controllerRef(pod.metadata);
      if (!ref) {
        unmanaged.push(pod.metadata?.name ?? '');
        continue;
      }
      if (scales.has(ref.uid)) continue;
      const found = scaleOf(ref, pod.metadata?.namespace ?? '');
      if (!found) throw new Error(`found no controllers for pod "${pod.metadata?.name ?? ''}"`);
      scales.set(found.uid, found.scale);
    }
    let total = 0;
    for (const s of scales.values()) total += s;
    return { total, unmanaged };
  };
  if (spec.maxUnavailable !== undefined) {
    const { total, unmanaged } = expectedScale();
    const maxUnavailable = scaledValue(spec.maxUnavailable, total, true, 0);
    return { expectedPods: total, desiredHealthy: Math.max(0, total - maxUnavailable), unmanaged };
  }
  if (typeof spec.minAvailable === 'number') return { expectedPods: pods.length, desiredHealthy: spec.minAvailable, unmanaged: [] };
  if (typeof spec.minAvailable === 'string') {
    const { total, unmanaged } = expectedScale();
    return { expectedPods: total, desiredHealthy: scaledValue(spec.minAvailable, total, true, 0), unmanaged };
  }
  return { expectedPods: 0, desiredHealthy: 0, unmanaged: [] };
}

const timeOf = (t: string): number => Date.parse(t);

/**
 * The still-pending entries of status.disruptedPods (buildDisruptedPodMap):
 * pods that are not yet being deleted and were evicted less than
 * DELETION_TIMEOUT_MS before `nowMs`; `recheckAtMs` is when the earliest of
 * them expires (ms since epoch), so the budget is synced again then.
 * `expired` names the pods whose eviction was not followed by a deletion in time.
 */
export function pendingDisruptions(pdb: PodDisruptionBudget, pods: readonly Pod[], nowMs: number): { disrupted: Record<string, string>; recheckAtMs?: number; expired: string[] } {
  const recorded = pdb.status?.disruptedPods ?? {};
  const disrupted: Record<string, string> = {};
  const expired: string[] = [];
  let recheckAtMs: number | undefined;
  for (const pod of pods) {
    const name = pod.metadata?.name ?? '';
    if (pod.metadata?.deletionTimestamp || !Object.hasOwn(recorded, name)) continue;
    const at = recorded[name]!;
    const deadline = timeOf(at) + DELETION_TIMEOUT_MS;
    if (deadline < nowMs) {
      expired.push(name);
      continue;
    }
    disrupted[name] = at;
    if (recheckAtMs === undefined || deadline < recheckAtMs) recheckAtMs = deadline;
  }
  return recheckAtMs === undefined ? { disrupted, expired } : { disrupted, recheckAtMs, expired };
}

/** Ready pods that are neither being deleted nor pending an eviction (countHealthyPods). */
export function countHealthy(pods: readonly Pod[], disrupted: Readonly<Record<string, string>>, nowMs: number): number {
  let n = 0;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    const at = disrupted[pod.metadata?.name ?? ''];
    if (at !== undefined && timeOf(at) + DELETION_TIMEOUT_MS > nowMs) continue;
    if (isPodReady(pod)) n++;
  }
  return n;
}

/** The outcome of a sync: the status to write (undefined: already up to date), when to sync again, and what to report. */
export interface BudgetSync {
  status?: PodDisruptionBudgetStatus;
  recheckAtMs?: number;
  /** Warning events: pods evicted but never deleted. */
  notDeleted: string[];
  /** No pod matches the selector (kube's NoPods event). */
  noPods: boolean;
}

/**
 * The status `pdb` should have given the pods its selector matches
 * (trySync + updatePdbStatus): disruptionsAllowed = currentHealthy -
 * desiredHealthy, 0 when negative or when no pods are expected; status
 * unchanged (undefined) when counts, disruptedPods, observedGeneration and
 * the DisruptionAllowed condition already agree. A controller that cannot
 * be found makes the budget fail safe: disruptionsAllowed 0 and
 * DisruptionAllowed=False with reason SyncFailed. `nowMs` is ms since epoch.
 */
export function syncBudget(pdb: PodDisruptionBudget, pods: readonly Pod[], scaleOf: ScaleLookup, nowMs: number): BudgetSync {
  const noPods = pods.length === 0;
  let counts: BudgetCounts;
  try {
    counts = budgetCounts(pdb, pods, scaleOf);
  } catch (e) {
    return { status: failSafeStatus(pdb, (e as Error).message, nowMs), notDeleted: [], noPods };
  }
  const { disrupted, recheckAtMs, expired } = pendingDisruptions(pdb, pods, nowMs);
  const currentHealthy = countHealthy(pods, disrupted, nowMs);
  let disruptionsAllowed = currentHealthy - counts.desiredHealthy;
  if (counts.expectedPods <= 0 || disruptionsAllowed <= 0) disruptionsAllowed = 0;
  const old = pdb.status;
  const generation = pdb.metadata?.generation ?? 0;
  const same = old !== undefined && old.currentHealthy === currentHealthy && old.desiredHealthy === counts.desiredHealthy
    && old.expectedPods === counts.expectedPods && old.disruptionsAllowed === disruptionsAllowed
    && sameMap(old.disruptedPods, disrupted) && (old.observedGeneration ?? 0) === generation && conditionsAreUpToDate(pdb);
  const base = { notDeleted: expired, noPods, ...(recheckAtMs === undefined ? {} : { recheckAtMs }) };
  if (same) return base;
  const status: PodDisruptionBudgetStatus = {
    currentHealthy, desiredHealthy: counts.desiredHealthy, expectedPods: counts.expectedPods, disruptionsAllowed,
    observedGeneration: generation, conditions: old?.conditions ?? [],
  };
  if (Object.keys(disrupted).length > 0) status.disruptedPods = disrupted;
  return { ...base, status: withDisruptionAllowedCondition({ ...pdb, status }, nowMs).status };
}

/** The fail-safe status (failSafe): no disruptions, DisruptionAllowed=False/SyncFailed with `message`. */
export function failSafeStatus(pdb: PodDisruptionBudget, message: string, nowMs: number): PodDisruptionBudgetStatus {
  const old = pdb.status ?? { currentHealthy: 0, desiredHealthy: 0, disruptionsAllowed: 0, expectedPods: 0 };
  const cond = { type: DISRUPTION_ALLOWED, status: 'False', reason: pdbReasons.syncFailed, message, ...(old.observedGeneration === undefined ? {} : { observedGeneration: old.observedGeneration }) };
  return { ...old, disruptionsAllowed: 0, conditions: setStatusCondition(old.conditions, cond, nowMs) };
}

function sameMap(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>>): boolean {
  const ak = Object.keys(a ?? {});
  if (ak.length !== Object.keys(b).length) return false;
  return ak.every((k) => b[k] === a![k]);
}

/**
 * When the DisruptionTarget condition of `pod` goes stale
 * (nonTerminatingPodHasStaleDisruptionCondition): undefined when there is
 * nothing to reset (no such condition or not True, the pod is being deleted
 * or is terminal, or the kubelet set it); otherwise the ms left until it is
 * STALE_POD_DISRUPTION_TIMEOUT_MS old (0: reset now). `nowMs` is ms since epoch.
 */
export function staleDisruptionInMs(pod: Pod, nowMs: number): number | undefined {
  if (pod.metadata?.deletionTimestamp) return undefined;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return undefined;
  const cond = (pod.status?.conditions ?? []).find((c) => c.type === 'DisruptionTarget');
  if (!cond || cond.status !== 'True' || cond.reason === 'TerminationByKubelet') return undefined;
  const since = cond.lastTransitionTime ? timeOf(cond.lastTransitionTime) : 0;
  return Math.max(0, since + STALE_POD_DISRUPTION_TIMEOUT_MS - nowMs);
}
