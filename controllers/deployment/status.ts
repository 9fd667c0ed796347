/**
 * Deployment status and conditions (kubernetes pkg/controller/deployment
 * sync.go calculateStatus, progress.go syncRolloutStatus, util
 * DeploymentComplete/DeploymentProgressing/DeploymentTimedOut), pure.
 */
import type { Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet } from 'kubernetes-types/apps/v1';
import { canonicalJson } from './hash.ts';
import { desiredReplicas, maxUnavailable, sumAvailable, sumReady, sumSpec, sumStatus } from './util.ts';
import { rfc3339 } from '../../apiserver/api/time.ts';

/** Condition reasons, as Kubernetes spells them. */
export const Reasons = {
  MinimumReplicasAvailable: 'MinimumReplicasAvailable',
  MinimumReplicasUnavailable: 'MinimumReplicasUnavailable',
  NewReplicaSetCreated: 'NewReplicaSetCreated',
  FoundNewReplicaSet: 'FoundNewReplicaSet',
  ReplicaSetUpdated: 'ReplicaSetUpdated',
  NewReplicaSetAvailable: 'NewReplicaSetAvailable',
  ProgressDeadlineExceeded: 'ProgressDeadlineExceeded',
  DeploymentPaused: 'DeploymentPaused',
  DeploymentResumed: 'DeploymentResumed',
} as const;

/** What happened to the new RS during this sync (drives the Progressing reason). */
export type NewRSEvent = 'created' | 'found' | undefined;


/** The condition of `type`, if present. */
export function getCondition(s: DeploymentStatus | undefined, type: string): DeploymentCondition | undefined {
  return (s?.conditions ?? []).find((c) => c.type === type);
}

/**
 * Sets `cond` in `conds` (SetDeploymentCondition): unchanged when status and
 * reason are the same; lastTransitionTime kept when only the reason changes.
 * Returns a new array.
 */
export function setCondition(conds: DeploymentCondition[], cond: DeploymentCondition): DeploymentCondition[] {
  const cur = conds.find((c) => c.type === cond.type);
  if (cur && cur.status === cond.status && cur.reason === cond.reason) return conds;
  const next = { ...cond };
  if (cur && cur.status === cond.status) next.lastTransitionTime = cur.lastTransitionTime;
  return [...conds.filter((c) => c.type !== cond.type), next];
}

/** All replicas updated, present, available, and the spec observed (DeploymentComplete). */
export function deploymentComplete(d: Deployment, s: DeploymentStatus): boolean {
  const want = desiredReplicas(d);
  return (s.updatedReplicas ?? 0) === want && (s.replicas ?? 0) === want && (s.availableReplicas ?? 0) === want
    && (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
}

/** Whether the new status shows progress over d.status (DeploymentProgressing). */
export function deploymentProgressing(d: Deployment, s: DeploymentStatus): boolean {
  const o = d.status ?? {};
  const oldOld = (o.replicas ?? 0) - (o.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (s.updatedReplicas ?? 0) > (o.updatedReplicas ?? 0) || newOld < oldOld
    || (s.readyReplicas ?? 0) > (o.readyReplicas ?? 0) || (s.availableReplicas ?? 0) > (o.availableReplicas ?? 0);
}

/** Whether the Progressing condition is older than progressDeadlineSeconds at `nowMs` (DeploymentTimedOut). */
export function deploymentTimedOut(d: Deployment, s: DeploymentStatus, nowMs: number): boolean {
  const c = getCondition(s, 'Progressing');
  if (!c) return false;
  if (c.reason === Reasons.NewReplicaSetAvailable) return false;
  if (c.reason === Reasons.ProgressDeadlineExceeded) return true;
  const from = Date.parse(c.lastUpdateTime ?? c.lastTransitionTime ?? '');
  if (Number.isNaN(from)) return false;
  return from + progressDeadlineSeconds(d) * 1000 < nowMs;
}

/** spec.progressDeadlineSeconds with the API default 600. */
export function progressDeadlineSeconds(d: Deployment): number {
  return d.spec?.progressDeadlineSeconds ?? 600;
}

/**
 * The full new status of `d` at `nowMs`: counts summed over `allRSes`
 * (replicas/ready/available from RS status; unavailable = asked - available),
 * updatedReplicas from the new RS, the Available condition, and Progressing:
 * NewReplicaSetCreated / FoundNewReplicaSet as told by `event`, then
 * NewReplicaSetAvailable when complete, ReplicaSetUpdated on progress,
 * ProgressDeadlineExceeded past the deadline. Pausing sets Progressing
 * Unknown/DeploymentPaused (no deadline while paused); resuming sets
 * Unknown/DeploymentResumed. A ReplicaFailure condition of any RS is copied
 * as the deployment's ReplicaFailure, and removed once none fails.
 */
export function computeDeploymentStatus(d: Deployment, newRS: ReplicaSet | undefined, allRSes: ReplicaSet[], nowMs: number, event?: NewRSEvent): DeploymentStatus {
  const available = sumAvailable(allRSes);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata?.generation ?? 0,
    replicas: sumStatus(allRSes),
    updatedReplicas: newRS?.status?.replicas ?? 0,
    readyReplicas: sumReady(allRSes),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, sumSpec(allRSes) - available),
  };
  if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
  const now = rfc3339(nowMs);
  const cond = (type: string, st: 'True' | 'False' | 'Unknown', reason: string, message: string): DeploymentCondition =>
    ({ type, status: st, reason, message, lastUpdateTime: now, lastTransitionTime: now });
  let conds = [...(d.status?.conditions ?? [])];
  conds = available >= desiredReplicas(d) - maxUnavailable(d)
    ? setCondition(conds, cond('Available', 'True', Reasons.MinimumReplicasAvailable, 'Deployment has minimum availability.'))
    : setCondition(conds, cond('Available', 'False', Reasons.MinimumReplicasUnavailable, 'Deployment does not have minimum availability.'));
  const name = newRS?.metadata?.name ?? '';
  if (event === 'created') conds = setCondition(conds, cond('Progressing', 'True', Reasons.NewReplicaSetCreated, `Created new replica set "${name}"`));
  else if (event === 'found' && !conds.some((c) => c.type === 'Progressing')) {
    conds = setCondition(conds, cond('Progressing', 'True', Reasons.FoundNewReplicaSet, `Found new replica set "${name}"`));
  }
  // checkPausedConditions: pausing/resuming shows in Progressing (Unknown), unless timed out.
  const prog = conds.find((c) => c.type === 'Progressing');
  if (prog?.reason !== Reasons.ProgressDeadlineExceeded) {
    const pausedCond = prog?.reason === Reasons.DeploymentPaused;
    if (d.spec?.paused && !pausedCond) conds = setCondition(conds, cond('Progressing', 'Unknown', Reasons.DeploymentPaused, 'Deployment is paused'));
    else if (!d.spec?.paused && pausedCond) conds = setCondition(conds, cond('Progressing', 'Unknown', Reasons.DeploymentResumed, 'Deployment is resumed'));
  }
  status.conditions = conds;
  if (d.spec?.paused) return status;
  const current = getCondition(status, 'Progressing');
  const alreadyComplete = status.replicas === status.updatedReplicas && current?.reason === Reasons.NewReplicaSetAvailable;
  if (!alreadyComplete && newRS) {
    if (deploymentComplete(d, status)) {
      conds = setCondition(conds, cond('Progressing', 'True', Reasons.NewReplicaSetAvailable, `ReplicaSet "${name}" has successfully progressed.`));
    } else if (deploymentProgressing(d, status)) {
      const c = cond('Progressing', 'True', Reasons.ReplicaSetUpdated, `ReplicaSet "${name}" is progressing.`);
      if (current?.status === 'True') c.lastTransitionTime = current.lastTransitionTime;
      // Progress always refreshes lastUpdateTime, which restarts the deadline.
      conds = [...conds.filter((x) => x.type !== 'Progressing'), c];
    } else if (deploymentTimedOut(d, status, nowMs)) {
      conds = setCondition(conds, cond('Progressing', 'False', Reasons.ProgressDeadlineExceeded, `ReplicaSet "${name}" has timed out progressing.`));
    }
  }
  // Surface a ReplicaSet's ReplicaFailure (new RS first), or clear ours.
  const failing = [...(newRS ? [newRS] : []), ...allRSes].map((r) => r.status?.conditions?.find((c) => c.type === 'ReplicaFailure' && c.status === 'True')).find((c) => c);
  if (failing) conds = setCondition(conds, cond('ReplicaFailure', 'True', failing.reason ?? 'FailedCreate', failing.message ?? ''));
  else conds = conds.filter((c) => c.type !== 'ReplicaFailure');
  status.conditions = conds;
  return status;
}

/**
 * When to look at the deployment again to notice a missed deadline
 * (requeueStuckDeployment): ms until the Progressing condition's deadline,
 * or undefined when complete, timed out, or without a condition.
 */
export function msUntilDeadline(d: Deployment, s: DeploymentStatus, nowMs: number): number | undefined {
  const c = getCondition(s, 'Progressing');
  if (!c || c.reason === Reasons.NewReplicaSetAvailable || c.reason === Reasons.ProgressDeadlineExceeded) return undefined;
  if (deploymentComplete(d, s)) return undefined;
  const from = Date.parse(c.lastUpdateTime ?? '');
  if (Number.isNaN(from)) return undefined;
  return Math.max(0, from + progressDeadlineSeconds(d) * 1000 - nowMs) + 1000;
}

/** Whether two statuses differ (canonical JSON, so key order does not matter; condition order does). */
export function deploymentStatusChanged(a: DeploymentStatus | undefined, b: DeploymentStatus): boolean {
  return canonicalJson(a ?? {}) !== canonicalJson(b);
}
