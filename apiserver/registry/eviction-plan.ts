/**
 * The decisions of the pods/eviction subresource, as Kubernetes'
 * pkg/registry/core/pod/storage/eviction.go makes them, without side
 * effects: whether a pod may simply be deleted, must first take one
 * disruption from its PodDisruptionBudget, or is refused; and what taking
 * that disruption writes into the budget's status (checkAndDecrement).
 */
import type { Pod } from 'kubernetes-types/core/v1';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1';
import { conflict, forbidden, internalError, tooManyRequests, type StatusError } from '../api/errors.ts';
import { DISRUPTION_BUDGET_CAUSE, isPodReady, pdbsCoveringPod, withDisruptionAllowedCondition } from '../api/pdb.ts';
import { rfc3339 } from '../api/time.ts';

/** The message of every eviction a budget refuses. */
export const EVICTION_REFUSED = "Cannot evict pod as it would violate the pod's disruption budget.";
/** Kubernetes' MaxDisruptedPodSize: more unconfirmed evictions than this in one budget are refused. */
export const MAX_DISRUPTED_PODS = 2000;

/**
 * What an eviction does: `delete` the pod (with `guardResourceVersion` as a
 * resourceVersion precondition, so a pod that turned Ready meanwhile is not
 * deleted; `pdbName` the budget that allowed it), first `decrement` the
 * one budget covering it, or `refuse`.
 */
export type EvictionPlan =
  | { kind: 'delete'; guardResourceVersion?: string; pdbName?: string }
  | { kind: 'decrement'; pdb: PodDisruptionBudget }
  | { kind: 'refuse'; error: StatusError };

/** 429 "still being processed": the budget's status is stale, or the guarded delete lost a race (createTooManyRequestsError). */
export function budgetBusy(pdbName: string): StatusError {
  return tooManyRequests(EVICTION_REFUSED, [{ reason: DISRUPTION_BUDGET_CAUSE, message: `The disruption budget ${pdbName} is still being processed by the server.` }]);
}

/**
 * Plans the eviction of `pod` given every budget in its namespace. Terminal
 * (Succeeded/Failed), Pending and terminating pods are deleted without a
 * budget check (canIgnorePDB); no covering budget: delete; more than one:
 * 500, as kube. A pod that is not Ready is deleted without taking a
 * disruption (guarded by its resourceVersion) when the budget's policy is
 * AlwaysAllow, or, under IfHealthyBudget (the default), when the budget is
 * healthy (currentHealthy ≥ desiredHealthy > 0). Otherwise: decrement.
 */
export function planEviction(pod: Pod, pdbs: readonly PodDisruptionBudget[]): EvictionPlan {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || pod.metadata?.deletionTimestamp) return { kind: 'delete' };
  const covering = pdbsCoveringPod(pod, pdbs);
  if (covering.length === 0) return { kind: 'delete' };
  if (covering.length > 1) {
    return { kind: 'refuse', error: internalError('This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.') };
  }
  const pdb = covering[0]!;
  if (!isPodReady(pod)) {
    const st = pdb.status;
    const healthy = (st?.currentHealthy ?? 0) >= (st?.desiredHealthy ?? 0) && (st?.desiredHealthy ?? 0) > 0;
    if (pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow' || healthy) return { kind: 'delete', guardResourceVersion: pod.metadata?.resourceVersion, pdbName: pdb.metadata?.name };
  }
  return { kind: 'decrement', pdb };
}

/**
 * The budget after taking one disruption for pod `podName` at `nowMs` (ms
 * since epoch), or the refusal (checkAndDecrement): 429 while the status
 * has not observed the current generation; 403 for a negative
 * disruptionsAllowed or too many unconfirmed disruptions; 429 with a
 * DisruptionBudget cause when no disruption is allowed. The copy has
 * disruptionsAllowed - 1 (and DisruptionAllowed=False at 0) and the pod in
 * status.disruptedPods, so the controller does not count it as healthy
 * until it is gone.
 */
export function decrementBudget(pdb: PodDisruptionBudget, podName: string, nowMs: number): { pdb: PodDisruptionBudget } | { error: StatusError } {
  const name = pdb.metadata?.name ?? '';
  const st = pdb.status ?? { currentHealthy: 0, desiredHealthy: 0, disruptionsAllowed: 0, expectedPods: 0 };
  const target = { group: 'policy', resource: 'poddisruptionbudget', name };
  if ((st.observedGeneration ?? 0) < (pdb.metadata?.generation ?? 0)) return { error: budgetBusy(name) };
  if (st.disruptionsAllowed < 0) return { error: forbidden(target, 'pdb disruptions allowed is negative') };
  if (Object.keys(st.disruptedPods ?? {}).length > MAX_DISRUPTED_PODS) {
    return { error: forbidden(target, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller') };
  }
  if (st.disruptionsAllowed === 0) {
    return { error: tooManyRequests(EVICTION_REFUSED, [{ reason: DISRUPTION_BUDGET_CAUSE, message: `The disruption budget ${name} needs ${st.desiredHealthy} healthy pods and has ${st.currentHealthy} currently` }]) };
  }
  let next: PodDisruptionBudget = { ...pdb, status: { ...st, disruptionsAllowed: st.disruptionsAllowed - 1, disruptedPods: { ...(st.disruptedPods ?? {}), [podName]: rfc3339(nowMs) } } };
  if (next.status!.disruptionsAllowed === 0) next = withDisruptionAllowedCondition(next, nowMs);
  return { pdb: next };
}

/**
 * `pod` with the DisruptionTarget=True condition (reason
 * EvictionByEvictionAPI) the eviction handler sets before it deletes
 * (addConditionAndDeletePod, podutil.UpdatePodCondition): an existing one is
 * replaced, keeping its lastTransitionTime unless the status changes;
 * `nowMs` is ms since epoch. Returns a copy.
 */
export function withDisruptionTarget(pod: Pod, nowMs: number): Pod {
  const conds = [...(pod.status?.conditions ?? [])];
  const want = { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' };
  const i = conds.findIndex((c) => c.type === want.type);
  const old = i < 0 ? undefined : conds[i];
  const next = { ...want, lastTransitionTime: old && old.status === want.status && old.lastTransitionTime ? old.lastTransitionTime : rfc3339(nowMs) };
  if (i < 0) conds.push(next);
  else conds[i] = next;
  return { ...pod, status: { ...(pod.status ?? {}), conditions: conds } };
}

/** 409 when the stored pod fails the delete's uid or resourceVersion precondition (checked before the condition is written). */
export function preconditionError(pod: Pod, pre: { uid?: string; resourceVersion?: string } | undefined): StatusError | undefined {
  const name = pod.metadata?.name ?? '';
  const target = { group: '', resource: 'pods', name };
  if (pre?.uid && pre.uid !== pod.metadata?.uid) return conflict(target, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${pod.metadata?.uid ?? ''}`);
  if (pre?.resourceVersion && pre.resourceVersion !== pod.metadata?.resourceVersion) {
    return conflict(target, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${pod.metadata?.resourceVersion ?? ''}`);
  }
  return undefined;
}
