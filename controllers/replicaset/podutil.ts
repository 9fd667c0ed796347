/**
 * Pod helpers shared by the ReplicaSet and Deployment
 * controllers (copies of the rules in kubernetes pkg/controller/controller_utils.go
 * and pkg/api/v1/pod).
 */
import type { Pod } from 'kubernetes-types/core/v1';
import type { ObjectMeta } from 'kubernetes-types/meta/v1';

/** Whether a pod still counts toward a ReplicaSet: not Succeeded/Failed and not being deleted. */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata?.deletionTimestamp;
}

/** The pod's Ready condition, if present. */
function readyCondition(pod: Pod): { status: string; lastTransitionTime?: string } | undefined {
  return (pod.status?.conditions ?? []).find((c) => c.type === 'Ready');
}

/** Whether the pod's Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return readyCondition(pod)?.status === 'True';
}

/**
 * Since when (ms since epoch) the pod has been Ready, or undefined if not
 * ready. A Ready condition without lastTransitionTime counts as ready since 0.
 */
export function podReadySince(pod: Pod): number | undefined {
  const c = readyCondition(pod);
  if (c?.status !== 'True') return undefined;
  const t = c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : 0;
  return Number.isNaN(t) ? 0 : t;
}

/**
 * Whether the pod is available: ready for at least `minReadySeconds` at
 * `nowMs` (podutil.IsPodAvailable). With minReadySeconds 0, ready = available.
 */
export function isPodAvailable(pod: Pod, minReadySeconds: number, nowMs: number): boolean {
  const since = podReadySince(pod);
  if (since === undefined) return false;
  if (minReadySeconds <= 0) return true;
  return since + minReadySeconds * 1000 <= nowMs;
}

/** Sum of restart counts of the pod's containers. */
export function podRestarts(pod: Pod): number {
  return (pod.status?.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0);
}

/** Milliseconds since epoch of metadata.creationTimestamp, or undefined if absent/invalid. */
export function creationMs(meta: ObjectMeta | undefined): number | undefined {
  if (!meta?.creationTimestamp) return undefined;
  const t = Date.parse(meta.creationTimestamp);
  return Number.isNaN(t) ? undefined : t;
}

/** Whether two objects are the same instance (same uid; both must have one). */
export function sameUid(a: ObjectMeta | undefined, b: ObjectMeta | undefined): boolean {
  return Boolean(a?.uid) && a?.uid === b?.uid;
}
