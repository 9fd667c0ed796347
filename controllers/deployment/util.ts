/**
 * Deployment helpers (kubernetes pkg/controller/deployment/util): defaults,
 * maxSurge/maxUnavailable resolution, annotations, replica counting.
 */
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1';
import { creationMs } from '../replicaset/podutil.ts';

/** Revision of a ReplicaSet (and the deployment's current one). */
export const REVISION = 'deployment.kubernetes.io/revision';
/** Deployment replicas when the RS was last scaled (drives scaling-event detection). */
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
/** Deployment replicas + maxSurge when the RS was last scaled (proportional scaling). */
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';

/** Annotations of a Deployment never copied onto its ReplicaSets. */
export const NOT_COPIED = new Set([REVISION, DESIRED_REPLICAS, MAX_REPLICAS, 'kubectl.kubernetes.io/last-applied-configuration', 'deployment.kubernetes.io/revision-history', 'deprecated.deployment.rollback.to']);

/** spec.replicas with the API default 1. */
export const desiredReplicas = (d: Deployment): number => d.spec?.replicas ?? 1;
/** spec.replicas of an RS (default 1). */
export const specReplicas = (rs: ReplicaSet | undefined): number => (rs ? rs.spec?.replicas ?? 1 : 0);
/** status.availableReplicas of an RS (0 when absent). */
export const availableOf = (rs: ReplicaSet | undefined): number => rs?.status?.availableReplicas ?? 0;

/** Whether the deployment uses the RollingUpdate strategy (the default). */
export function isRollingUpdate(d: Deployment): boolean {
  return (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

/**
 * Resolves an int-or-percent (e.g. 2 or '25%') against `total`: percentages
 * round up when `roundUp`, else down (intstr.GetScaledValueFromIntOrPercent).
 * Throws Error on a malformed string.
 */
export function scaledValue(v: number | string | undefined, total: number, roundUp: boolean, dflt: number | string): number {
  const x = v ?? dflt;
  if (typeof x === 'number') return x;
  const m = /^(\d+)%$/.exec(x);
  if (!m) {
    if (/^\d+$/.test(x)) return Number(x);
    throw new Error(`invalid value for IntOrString: ${x}`);
  }
  const raw = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(raw) : Math.floor(raw);
}

/**
 * maxSurge (rounded up) and maxUnavailable (rounded down) of a RollingUpdate
 * deployment for `replicas` (ResolveFenceposts). Both 0 is invalid; as
 * Kubernetes does, it is resolved to maxUnavailable 1 so a rollout can move.
 * Defaults 25% / 25%.
 */
export function resolveFenceposts(d: Deployment, replicas = desiredReplicas(d)): { surge: number; unavailable: number } {
  const ru = d.spec?.strategy?.rollingUpdate;
  const surge = scaledValue(ru?.maxSurge, replicas, true, '25%');
  let unavailable = scaledValue(ru?.maxUnavailable, replicas, false, '25%');
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

/** Validation of the rolling parameters: the error messages Kubernetes gives, or [] when valid. */
export function validateRollingUpdate(d: Deployment): string[] {
  if (!isRollingUpdate(d)) return [];
  const ru = d.spec?.strategy?.rollingUpdate;
  try {
    const s = scaledValue(ru?.maxSurge, 100, true, '25%');
    const u = scaledValue(ru?.maxUnavailable, 100, false, '25%');
    if (s === 0 && u === 0) return ['may not be 0 when `maxSurge` is 0'];
    if (typeof ru?.maxUnavailable === 'string' && u > 100) return ['must not be greater than 100%'];
    return [];
  } catch (e) {
    return [(e as Error).message];
  }
}

/** maxUnavailable for availability (MaxUnavailable): 0 for Recreate or 0 replicas, else capped at replicas. */
export function maxUnavailable(d: Deployment): number {
  const r = desiredReplicas(d);
  if (!isRollingUpdate(d) || r === 0) return 0;
  return Math.min(resolveFenceposts(d).unavailable, r);
}

/** maxSurge for `d` (0 for Recreate). */
export function maxSurge(d: Deployment): number {
  return isRollingUpdate(d) ? resolveFenceposts(d).surge : 0;
}

/** Revision number of an object (0 when absent or invalid). */
export function revisionOf(o: { metadata?: { annotations?: Record<string, string> } } | undefined): number {
  const n = Number(o?.metadata?.annotations?.[REVISION] ?? '0');
  return Number.isFinite(n) ? n : 0;
}

/** Integer value of an RS annotation, or undefined. */
export function intAnnotation(rs: ReplicaSet, name: string): number | undefined {
  const raw = rs.metadata?.annotations?.[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  return Number.isInteger(n) ? n : undefined;
}

/** Sums spec.replicas over RSes. */
export const sumSpec = (rses: ReplicaSet[]): number => rses.reduce((n, r) => n + specReplicas(r), 0);
/** Sums status.replicas over RSes. */
export const sumStatus = (rses: ReplicaSet[]): number => rses.reduce((n, r) => n + (r.status?.replicas ?? 0), 0);
/** Sums status.availableReplicas over RSes. */
export const sumAvailable = (rses: ReplicaSet[]): number => rses.reduce((n, r) => n + availableOf(r), 0);
/** Sums status.readyReplicas over RSes. */
export const sumReady = (rses: ReplicaSet[]): number => rses.reduce((n, r) => n + (r.status?.readyReplicas ?? 0), 0);

/** Orders RSes oldest first (creation time, then name), as ReplicaSetsByCreationTimestamp. Returns a new array. */
export function byCreation(rses: ReplicaSet[]): ReplicaSet[] {
  return [...rses].sort((a, b) => {
    const ta = creationMs(a.metadata) ?? 0;
    const tb = creationMs(b.metadata) ?? 0;
    if (ta !== tb) return ta - tb;
    return (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1;
  });
}
