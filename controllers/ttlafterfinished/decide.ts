/**
 * The TTL-after-finished decision, pure (after kube-controller-manager's
 * ttl-after-finished controller, pkg/controller/ttlafterfinished): a Job
 * with spec.ttlSecondsAfterFinished that has finished (Complete or Failed
 * True) expires ttl seconds after that condition's lastTransitionTime.
 */
import type { Job } from 'kubernetes-types/batch/v1';

/** What to do with one Job: nothing, delete it now, or look again later. */
export type TTLDecision = { action: 'none' } | { action: 'delete' } | { action: 'wait'; afterMs: number };

/**
 * The decision for `job` at `nowMs` (ms since epoch). A finished Job whose
 * condition has no parseable lastTransitionTime is left alone (kube
 * reports an error for it and retries; nothing would change on retry).
 */
export function decideTTL(job: Job, nowMs: number): TTLDecision {
  const ttl = job.spec?.ttlSecondsAfterFinished;
  if (ttl === undefined || ttl === null || job.metadata?.deletionTimestamp) return { action: 'none' };
  const finished = (job.status?.conditions ?? []).find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
  if (!finished) return { action: 'none' };
  const at = finished.lastTransitionTime ? Date.parse(finished.lastTransitionTime) : NaN;
  if (Number.isNaN(at)) return { action: 'none' };
  const expireAt = at + ttl * 1000;
  return nowMs >= expireAt ? { action: 'delete' } : { action: 'wait', afterMs: expireAt - nowMs };
}
