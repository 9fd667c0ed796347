/**
 * Pure rollout decisions of the Deployment controller (kubernetes
 * pkg/controller/deployment rolling.go, recreate.go, sync.go). Inputs are the
 * cached Deployment and its ReplicaSets (spec.replicas = what was asked,
 * status.availableReplicas = what is serving); outputs are target sizes.
 */
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1';
import {
  availableOf, byCreation, desiredReplicas, DESIRED_REPLICAS, intAnnotation, isRollingUpdate, MAX_REPLICAS,
  maxSurge, resolveFenceposts, revisionOf, specReplicas, sumAvailable, sumSpec,
} from './util.ts';

/** One RS resize. */
export interface ScaleStep {
  rs: ReplicaSet;
  to: number;
}

/** Result of planRollout: at most one of the two is non-empty, as in one Kubernetes sync. */
export interface RolloutPlan {
  /** New size of the new RS, when it changes. */
  scaleNewTo?: number;
  scaleOld: ScaleStep[];
}

/**
 * Size the new RS may grow to now (NewRSNewReplicas for RollingUpdate): never
 * past desired, and never with more than desired + maxSurge pods asked for
 * across all RSes. `newCurrent` is the new RS's spec.replicas (0 if it does
 * not exist yet); `others` are the other RSes.
 */
export function newRSReplicas(d: Deployment, others: ReplicaSet[], newCurrent: number): number {
  const desired = desiredReplicas(d);
  if (!isRollingUpdate(d)) return desired;
  if (newCurrent >= desired) return desired;
  const total = sumSpec(others) + newCurrent;
  const maxTotal = desired + resolveFenceposts(d).surge;
  if (total >= maxTotal) return newCurrent;
  return newCurrent + Math.min(maxTotal - total, desired - newCurrent);
}

/**
 * One RollingUpdate step (rolloutRolling). First scale the new RS up within
 * maxSurge; if that changes nothing, scale old RSes down: first remove
 * unhealthy (unavailable) old replicas, oldest RS first, then available ones
 * as far as maxUnavailable allows (minAvailable = desired - maxUnavailable,
 * not counting the new RS's unavailable pods).
 */
export function planRollout(d: Deployment, newRS: ReplicaSet | undefined, oldRSes: ReplicaSet[]): RolloutPlan {
  const desired = desiredReplicas(d);
  if (newRS) {
    const cur = specReplicas(newRS);
    const target = newRSReplicas(d, oldRSes, cur);
    if (target !== cur) return { scaleNewTo: target, scaleOld: [] };
  }
  const oldCount = sumSpec(oldRSes);
  if (oldCount === 0) return { scaleOld: [] };
  const all = newRS ? [newRS, ...oldRSes] : oldRSes;
  const { unavailable } = resolveFenceposts(d);
  const minAvailable = desired - unavailable;
  const newUnavailable = newRS ? Math.max(0, specReplicas(newRS) - availableOf(newRS)) : 0;
  const maxScaledDown = sumSpec(all) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return { scaleOld: [] };

  const sorted = byCreation(oldRSes);
  const target = new Map<ReplicaSet, number>(sorted.map((r) => [r, specReplicas(r)]));
  // cleanupUnhealthyReplicas
  let cleaned = 0;
  for (const rs of sorted) {
    if (cleaned >= maxScaledDown) break;
    const cur = target.get(rs) ?? 0;
    if (cur === 0) continue;
    const unhealthy = cur - availableOf(rs);
    if (unhealthy <= 0) continue;
    const n = Math.min(maxScaledDown - cleaned, unhealthy);
    target.set(rs, cur - n);
    cleaned += n;
  }
  // scaleDownOldReplicaSetsForRollingUpdate
  const availableNow = sumAvailable(all);
  if (availableNow > minAvailable) {
    const toRemove = availableNow - minAvailable;
    let removed = 0;
    for (const rs of sorted) {
      if (removed >= toRemove) break;
      const cur = target.get(rs) ?? 0;
      if (cur === 0) continue;
      const n = Math.min(cur, toRemove - removed);
      target.set(rs, cur - n);
      removed += n;
    }
  }
  return { scaleOld: sorted.filter((r) => target.get(r) !== specReplicas(r)).map((rs) => ({ rs, to: target.get(rs) ?? 0 })) };
}

/** Next step of a Recreate rollout (rolloutRecreate). */
export type RecreateStep =
  | { kind: 'scaleOld'; steps: ScaleStep[] }
  | { kind: 'waitOldPods' }
  | { kind: 'createNew'; replicas: number }
  | { kind: 'scaleNew'; to: number }
  | { kind: 'none' };

/**
 * Recreate: scale every old RS to 0; wait until none of their pods are left
 * (`oldPodsLeft`); then create the new RS / scale it to desired.
 */
export function planRecreate(d: Deployment, newRS: ReplicaSet | undefined, oldRSes: ReplicaSet[], oldPodsLeft: number): RecreateStep {
  const active = oldRSes.filter((r) => specReplicas(r) > 0);
  if (active.length > 0) return { kind: 'scaleOld', steps: active.map((rs) => ({ rs, to: 0 })) };
  if (oldPodsLeft > 0) return { kind: 'waitOldPods' };
  const desired = desiredReplicas(d);
  if (!newRS) return { kind: 'createNew', replicas: desired };
  if (specReplicas(newRS) !== desired) return { kind: 'scaleNew', to: desired };
  return { kind: 'none' };
}

/** Whether any active RS was sized for a different deployment size (isScalingEvent). */
export function isScalingEvent(d: Deployment, newRS: ReplicaSet | undefined, oldRSes: ReplicaSet[]): boolean {
  const desired = desiredReplicas(d);
  for (const rs of activeRSes(newRS, oldRSes)) {
    const a = intAnnotation(rs, DESIRED_REPLICAS);
    if (a !== undefined && a !== desired) return true;
  }
  return false;
}

function activeRSes(newRS: ReplicaSet | undefined, oldRSes: ReplicaSet[]): ReplicaSet[] {
  return [...(newRS ? [newRS] : []), ...oldRSes].filter((r) => specReplicas(r) > 0);
}

/**
 * Resizes RSes when the deployment's replicas changed (DeploymentController.scale):
 * with a single active RS (or none: the newest) just resize it; when the new RS
 * is saturated, zero the old ones; mid-rollout of a RollingUpdate, spread the
 * difference proportionally to each RS's share (based on its max-replicas
 * annotation), larger RSes first, leftovers to the first one.
 */
export function planScale(d: Deployment, newRS: ReplicaSet | undefined, oldRSes: ReplicaSet[]): ScaleStep[] {
  const desired = desiredReplicas(d);
  const active = activeRSes(newRS, oldRSes);
  let single: ReplicaSet | undefined;
  if (active.length === 0) single = newRS ?? [...oldRSes].sort((a, b) => revisionOf(b) - revisionOf(a))[0];
  else if (active.length === 1) single = active[0];
  if (active.length <= 1) {
    if (!single || specReplicas(single) === desired) return [];
    return [{ rs: single, to: desired }];
  }
  if (newRS && specReplicas(newRS) === desired && intAnnotation(newRS, DESIRED_REPLICAS) === desired && availableOf(newRS) === desired) {
    return oldRSes.filter((r) => specReplicas(r) > 0).map((rs) => ({ rs, to: 0 }));
  }
  if (!isRollingUpdate(d)) return [];
  const surge = maxSurge(d);
  const allowed = desired > 0 ? desired + surge : 0;
  const toAdd = allowed - sumSpec(active);
  if (toAdd === 0) return [];
  const newer = (a: ReplicaSet, b: ReplicaSet): number => (byCreation([a, b])[0] === a ? 1 : -1);
  const ordered = [...active].sort((a, b) => {
    const diff = specReplicas(b) - specReplicas(a);
    if (diff !== 0) return diff;
    return toAdd > 0 ? newer(a, b) : -newer(a, b);
  });
  const sizes = new Map<ReplicaSet, number>();
  let added = 0;
  for (const rs of ordered) {
    const p = proportion(rs, d, desired + surge, toAdd, added);
    sizes.set(rs, specReplicas(rs) + p);
    added += p;
  }
  const first = ordered[0];
  sizes.set(first, Math.max(0, (sizes.get(first) ?? 0) + (toAdd - added)));
  return ordered.filter((r) => sizes.get(r) !== specReplicas(r)).map((rs) => ({ rs, to: sizes.get(rs) ?? 0 }));
}

function proportion(rs: ReplicaSet, d: Deployment, deploymentMax: number, toAdd: number, added: number): number {
  const cur = specReplicas(rs);
  if (cur === 0 || toAdd === 0 || toAdd === added) return 0;
  let fraction: number;
  if (desiredReplicas(d) === 0) fraction = -cur;
  else {
    const annotated = intAnnotation(rs, MAX_REPLICAS) ?? d.status?.replicas ?? 0;
    fraction = annotated > 0 ? Math.round((cur * deploymentMax) / annotated) - cur : 0;
  }
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/**
 * Old RSes to delete under revisionHistoryLimit (cleanupDeployment): among
 * old RSes fully scaled down (spec and status replicas 0, status observed, not
 * being deleted), the lowest revisions beyond the limit (default 10).
 */
export function planCleanup(d: Deployment, oldRSes: ReplicaSet[]): ReplicaSet[] {
  const limit = d.spec?.revisionHistoryLimit ?? 10;
  const cleanable = oldRSes.filter((r) =>
    specReplicas(r) === 0 && (r.status?.replicas ?? 0) === 0 && !r.metadata?.deletionTimestamp
    && (r.status?.observedGeneration ?? 0) >= (r.metadata?.generation ?? 0));
  const diff = cleanable.length - limit;
  if (diff <= 0) return [];
  return [...cleanable].sort((a, b) => revisionOf(a) - revisionOf(b) || (byCreation([a, b])[0] === a ? -1 : 1)).slice(0, diff);
}
