/**
 * The Job controller's decision, pure (after kube-controller-manager's job
 * controller, pkg/controller/job/job_controller.go syncJob/manageJob, as of
 * Kubernetes 1.31): from a Job and the pods it owns at `nowMs`, how many pods
 * to create, which active pods to delete, and the status to write.
 *
 * Rules:
 * - A finished Job (Complete or Failed True) is left alone, pods included.
 * - Failure first: failed pods > backoffLimit (or, with restartPolicy
 *   OnFailure, container restarts of running/pending pods ≥ backoffLimit,
 *   > 0 when the limit is 0: kube's pastBackoffLimitOnFailure) → FailureTarget
 *   `BackoffLimitExceeded`; running longer than activeDeadlineSeconds since
 *   startTime → FailureTarget `DeadlineExceeded`.
 * - Success: succeeded ≥ completions; without completions, some pod
 *   succeeded and none is active → SuccessCriteriaMet `CompletionsReached`.
 * - Once an interim condition is set, every active pod is deleted, and when
 *   no pod is active or terminating the terminal condition follows (Failed,
 *   or Complete with completionTime), as kube 1.31 delays them.
 * - Suspended: active pods are deleted, Suspended True `JobSuspended`;
 *   resuming sets Suspended False `JobResumed` and restarts startTime.
 * - Otherwise it keeps min(parallelism, completions − succeeded) pods
 *   active (parallelism while no pod succeeded, when completions is unset),
 *   deleting the excess (unscheduled, then not ready, then newest first).
 * - New pods after failures wait kube's pod failure backoff: 10 s doubled per
 *   failed pod, at most 6 min, from the last failure.
 * - Terminating pods (deletionTimestamp) are not active; with
 *   podReplacementPolicy Failed they still hold their place.
 *
 * Deviation: kube tracks finished pods with the `batch.kubernetes.io/job-tracking`
 * finalizer and `uncountedTerminatedPods`, so a finished pod counts even
 * after it is deleted. Skiff counts the pods that exist, never below the
 * counts already recorded in status: deleting a finished pod does not undo
 * its count, but a pod removed before the controller saw it finish is not
 * counted (kube would count it failed).
 */
import type { Job, JobCondition, JobStatus } from 'kubernetes-types/batch/v1';
import type { Pod } from 'kubernetes-types/core/v1';
import { isDeepStrictEqual } from 'node:util';

/** What one sync should do. */
export interface JobPlan {
  /** Pods to create from the template. */
  create: number;
  /** Active pods to delete. */
  delete: Pod[];
  /** The status to write (equal to job.status when nothing changed). */
  status: JobStatus;
  /** Look again after this many ms (deadline, backoff), if set. */
  requeueAfterMs?: number;
  /** Events for conditions newly added in this plan: [type, reason, message]. */
  events: Array<['Normal' | 'Warning', string, string]>;
}

/** Most pods created or deleted in one sync (kube's MaxPodCreateDeletePerSync). */
export const MAX_POD_CHANGES_PER_SYNC = 500;
/** kube's DefaultJobPodFailureBackOff and MaxJobPodFailureBackOff, ms. */
export const POD_FAILURE_BACKOFF_MS = 10_000;
export const MAX_POD_FAILURE_BACKOFF_MS = 360_000;

const terminal = (p: Pod): boolean => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
const ready = (p: Pod): boolean => (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** Whether `job` has condition `type` with status True. */
export function hasJobCondition(job: Job, type: string): boolean {
  return (job.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
}

/** Whether the Job has finished (Complete or Failed True): kube's IsJobFinished. */
export function isJobFinished(job: Job): boolean {
  return hasJobCondition(job, 'Complete') || hasJobCondition(job, 'Failed');
}

/** Sets condition `type` (replacing one of that type whose status or reason differs); returns whether it changed. */
function setCondition(conds: JobCondition[], type: string, status: 'True' | 'False', reason: string, message: string, now: string): boolean {
  const i = conds.findIndex((c) => c.type === type);
  const cur = i >= 0 ? conds[i] : undefined;
  if (cur && cur.status === status && cur.reason === reason) return false;
  const c: JobCondition = { type, status, reason, message, lastProbeTime: now, lastTransitionTime: now };
  if (i >= 0) conds[i] = c;
  else conds.push(c);
  return true;
}

function ms(t: string | undefined): number | undefined {
  if (!t) return undefined;
  const v = Date.parse(t);
  return Number.isNaN(v) ? undefined : v;
}

/** When a failed pod finished: its containers' latest finishedAt, else its creation time (ms). */
function finishedAtMs(p: Pod): number {
  let best: number | undefined;
  for (const c of [...(p.status?.containerStatuses ?? []), ...(p.status?.initContainerStatuses ?? [])]) {
    const t = ms(c.state?.terminated?.finishedAt);
    if (t !== undefined && (best === undefined || t > best)) best = t;
  }
  return best ?? ms(p.metadata?.creationTimestamp) ?? 0;
}

/** Container restarts of running/pending pods against the limit (kube pastBackoffLimitOnFailure). */
function pastBackoffLimitOnFailure(job: Job, pods: Pod[]): boolean {
  if (job.spec?.template?.spec?.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const p of pods) {
    if (p.status?.phase !== 'Running' && p.status?.phase !== 'Pending') continue;
    for (const c of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) restarts += c.restartCount ?? 0;
  }
  const limit = job.spec?.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

/** Deletion order of excess active pods: unscheduled, then not ready, then the newest first. */
function deletionRank(a: Pod, b: Pod): number {
  const sa = a.spec?.nodeName ? 1 : 0;
  const sb = b.spec?.nodeName ? 1 : 0;
  if (sa !== sb) return sa - sb;
  const ra = ready(a) ? 1 : 0;
  const rb = ready(b) ? 1 : 0;
  if (ra !== rb) return ra - rb;
  return (ms(b.metadata?.creationTimestamp) ?? 0) - (ms(a.metadata?.creationTimestamp) ?? 0);
}

/**
 * Pods to create or delete for a running Job: keep min(parallelism,
 * completions − succeeded) active (parallelism while no pod succeeded, without
 * completions), deleting the excess in `deletionRank` order; new pods wait for
 * the pod failure backoff (`waitMs`). At most MAX_POD_CHANGES_PER_SYNC of either.
 */
export function planRunning(job: Job, active: Pod[], terminating: number, succeeded: number, failedPods: Pod[], nowMs: number): { create: number; delete: Pod[]; waitMs?: number } {
  const spec = job.spec;
  const parallelism = spec?.parallelism ?? 1;
  const completions = spec?.completions;
  const held = active.length + (spec?.podReplacementPolicy === 'Failed' ? terminating : 0);
  const want = completions !== undefined && completions !== null
    ? Math.max(0, Math.min(parallelism, completions - succeeded))
    : succeeded > 0 ? active.length : parallelism;
  if (active.length > want) {
    return { create: 0, delete: [...active].sort(deletionRank).slice(0, Math.min(active.length - want, MAX_POD_CHANGES_PER_SYNC)) };
  }
  if (held >= want) return { create: 0, delete: [] };
  const lastFailure = failedPods.reduce((t, p) => Math.max(t, finishedAtMs(p)), 0);
  const backoff = failedPods.length === 0 ? 0 : Math.min(MAX_POD_FAILURE_BACKOFF_MS, POD_FAILURE_BACKOFF_MS * 2 ** (failedPods.length - 1));
  const wait = lastFailure + backoff - nowMs;
  if (backoff > 0 && wait > 0) return { create: 0, delete: [], waitMs: wait };
  return { create: Math.min(want - held, MAX_POD_CHANGES_PER_SYNC), delete: [] };
}

/**
 * The plan for `job` and the pods it controls (`pods`, any phase) at `nowMs`
 * (ms since epoch). Pure; `job` and `pods` are not modified.
 */
export function decideJob(job: Job, pods: Pod[], nowMs: number): JobPlan {
  const old = job.status ?? {};
  const now = new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const events: JobPlan['events'] = [];
  if (isJobFinished(job)) return { create: 0, delete: [], status: old, events };

  const spec = job.spec;
  const active = pods.filter((p) => !terminal(p) && !p.metadata?.deletionTimestamp);
  const terminating = pods.filter((p) => !terminal(p) && p.metadata?.deletionTimestamp).length;
  const succeeded = Math.max(old.succeeded ?? 0, pods.filter((p) => p.status?.phase === 'Succeeded').length);
  const failedPods = pods.filter((p) => p.status?.phase === 'Failed');
  const failed = Math.max(old.failed ?? 0, failedPods.length);
  const conds: JobCondition[] = structuredClone(old.conditions ?? []);
  const status: JobStatus = { ...structuredClone(old), succeeded, failed };
  let requeueAfterMs: number | undefined;
  const requeue = (after: number): void => {
    requeueAfterMs = Math.max(0, Math.min(requeueAfterMs ?? Infinity, after));
  };
  const suspended = spec?.suspend === true;
  let toDelete: Pod[] = [];
  let create = 0;

  if (!suspended && hasJobCondition(job, 'Suspended')) {
    if (setCondition(conds, 'Suspended', 'False', 'JobResumed', 'Job resumed', now)) events.push(['Normal', 'Resumed', 'Job resumed']);
    status.startTime = now;
  }
  if (!suspended) status.startTime ??= now;

  // Interim conditions: failure first, then success (kube 1.31 FailureTarget / SuccessCriteriaMet).
  let failing = hasJobCondition(job, 'FailureTarget');
  let succeeding = hasJobCondition(job, 'SuccessCriteriaMet');
  if (!failing && !succeeding) {
    const limit = spec?.backoffLimit ?? 6;
    const start = ms(status.startTime);
    const deadline = spec?.activeDeadlineSeconds;
    if (failed > limit || pastBackoffLimitOnFailure(job, pods)) {
      setCondition(conds, 'FailureTarget', 'True', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit', now);
      events.push(['Warning', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit']);
      failing = true;
    } else if (!suspended && deadline !== undefined && start !== undefined && nowMs - start >= deadline * 1000) {
      setCondition(conds, 'FailureTarget', 'True', 'DeadlineExceeded', 'Job was active longer than specified deadline', now);
      events.push(['Warning', 'DeadlineExceeded', 'Job was active longer than specified deadline']);
      failing = true;
    } else {
      const completions = spec?.completions;
      const done = completions !== undefined && completions !== null ? succeeded >= completions : succeeded > 0 && active.length === 0;
      if (done) {
        setCondition(conds, 'SuccessCriteriaMet', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods', now);
        succeeding = true;
      } else if (!suspended && deadline !== undefined && start !== undefined) {
        requeue(start + deadline * 1000 - nowMs);
      }
    }
  }

  if (failing || succeeding) {
    toDelete = active;
    if (active.length === 0 && terminating === 0) {
      const interim = conds.find((c) => c.type === (failing ? 'FailureTarget' : 'SuccessCriteriaMet'));
      const reason = interim?.reason ?? '';
      const message = interim?.message ?? '';
      if (failing) {
        setCondition(conds, 'Failed', 'True', reason, message, now);
      } else {
        setCondition(conds, 'Complete', 'True', reason, message, now);
        status.completionTime = now;
        events.push(['Normal', 'Completed', 'Job completed']);
      }
    }
  } else if (suspended) {
    toDelete = active;
    if (setCondition(conds, 'Suspended', 'True', 'JobSuspended', 'Job suspended', now)) events.push(['Normal', 'Suspended', 'Job suspended']);
  } else {
    const run = planRunning(job, active, terminating, succeeded, failedPods, nowMs);
    toDelete = run.delete;
    create = run.create;
    if (run.waitMs !== undefined) requeue(run.waitMs);
  }

  const deleting = new Set(toDelete);
  status.active = active.filter((p) => !deleting.has(p)).length;
  status.ready = active.filter((p) => !deleting.has(p) && ready(p)).length;
  status.terminating = terminating + toDelete.length;
  if (conds.length > 0) status.conditions = conds;
  if (status.startTime === undefined) delete status.startTime;
  // As kube's JSON: active, succeeded and failed are omitted when 0; ready and terminating are not.
  for (const k of ['active', 'succeeded', 'failed'] as const) if (status[k] === 0) delete status[k];
  return { create, delete: toDelete, status, events, ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}) };
}

/** Whether writing `next` would change the stored status. */
export function jobStatusChanged(cur: JobStatus | undefined, next: JobStatus): boolean {
  return !isDeepStrictEqual(cur ?? {}, next);
}
