/**
 * PodDisruptionBudget helpers shared by the eviction subresource (apiserver)
 * and the disruption controller: the DisruptionAllowed condition as
 * Kubernetes' pkg/apis/policy/helper (UpdateDisruptionAllowedCondition,
 * ConditionsAreUpToDate) keeps it, meta.SetStatusCondition, which PDBs
 * cover a pod, and pod readiness (podutil.IsPodReady). Pure.
 */
import type { Pod } from 'kubernetes-types/core/v1';
import type { Condition } from 'kubernetes-types/meta/v1';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1';
import { selectorIsEmpty, selectorMatches } from './label-selector.ts';
import { rfc3339 } from './time.ts';

/** The condition type the disruption controller sets. */
export const DISRUPTION_ALLOWED = 'DisruptionAllowed';
/** Reasons of the DisruptionAllowed condition (policy/v1). */
export const pdbReasons = { sufficient: 'SufficientPods', insufficient: 'InsufficientPods', syncFailed: 'SyncFailed' } as const;
/** The StatusCause reason (Go: Type) of an eviction refused by a budget (policy/v1 DisruptionBudgetCause). */
export const DISRUPTION_BUDGET_CAUSE = 'DisruptionBudget';

/** Whether the pod's Ready condition is True (Kubernetes podutil.IsPodReady). */
export function isPodReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/**
 * `conds` with `c` set as meta.SetStatusCondition does: a new type is added
 * with lastTransitionTime `nowMs` (ms since epoch); an existing one keeps its
 * lastTransitionTime unless the status changed, and takes reason, message and
 * observedGeneration from `c`. Returns a new array.
 */
export function setStatusCondition(conds: readonly Condition[] | undefined, c: Omit<Condition, 'lastTransitionTime'>, nowMs: number): Condition[] {
  const out = [...(conds ?? [])];
  const i = out.findIndex((x) => x.type === c.type);
  if (i < 0) {
    out.push({ ...c, lastTransitionTime: rfc3339(nowMs) });
    return out;
  }
  const old = out[i]!;
  out[i] = { ...old, ...c, lastTransitionTime: old.status === c.status ? old.lastTransitionTime : rfc3339(nowMs) };
  return out;
}

/** The DisruptionAllowed condition a status with `disruptionsAllowed` and `observedGeneration` should carry. */
function wantedCondition(disruptionsAllowed: number, observedGeneration: number | undefined): Omit<Condition, 'lastTransitionTime'> {
  const allowed = disruptionsAllowed > 0;
  const c: Omit<Condition, 'lastTransitionTime'> = {
    type: DISRUPTION_ALLOWED, status: allowed ? 'True' : 'False', reason: allowed ? pdbReasons.sufficient : pdbReasons.insufficient, message: '',
  };
  if (observedGeneration !== undefined) c.observedGeneration = observedGeneration;
  return c;
}

/** `pdb` with its DisruptionAllowed condition set from status.disruptionsAllowed (UpdateDisruptionAllowedCondition). Returns a copy. */
export function withDisruptionAllowedCondition(pdb: PodDisruptionBudget, nowMs: number): PodDisruptionBudget {
  const status = pdb.status ?? { currentHealthy: 0, desiredHealthy: 0, disruptionsAllowed: 0, expectedPods: 0 };
  const conditions = setStatusCondition(status.conditions, wantedCondition(status.disruptionsAllowed, status.observedGeneration), nowMs);
  return { ...pdb, status: { ...status, conditions } };
}

/** Whether the DisruptionAllowed condition matches disruptionsAllowed and the status observed the current generation (ConditionsAreUpToDate). */
export function conditionsAreUpToDate(pdb: PodDisruptionBudget): boolean {
  const cond = (pdb.status?.conditions ?? []).find((c) => c.type === DISRUPTION_ALLOWED);
  if (!cond || (pdb.status?.observedGeneration ?? 0) !== (pdb.metadata?.generation ?? 0)) return false;
  const w = wantedCondition(pdb.status?.disruptionsAllowed ?? 0, undefined);
  return cond.status === w.status && cond.reason === w.reason;
}

/**
 * The PDBs of `pdbs` that cover `pod` as the eviction subresource selects
 * them (getPodDisruptionBudgets): same namespace, and a selector that is set,
 * not empty, and matches the pod's labels (a nil or empty selector covers
 * nothing here).
 */
export function pdbsCoveringPod(pod: Pod, pdbs: readonly PodDisruptionBudget[]): PodDisruptionBudget[] {
  return pdbs.filter((p) => p.metadata?.namespace === pod.metadata?.namespace && !selectorIsEmpty(p.spec?.selector) && selectorMatches(p.spec?.selector, pod.metadata?.labels));
}
