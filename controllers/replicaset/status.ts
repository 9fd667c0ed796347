/**
 * ReplicaSet status computation (calculateStatus in kubernetes
 * pkg/controller/replicaset/replica_set_utils.go), pure.
 */
import type { Pod } from 'kubernetes-types/core/v1';
import type { ReplicaSet, ReplicaSetStatus } from 'kubernetes-types/apps/v1';
import { isPodAvailable, isPodReady } from './podutil.ts';
import { rfc3339 } from '../../apiserver/api/time.ts';

/** A failed create/delete of this sync, surfaced as the ReplicaFailure condition. */
export interface ManageFailure {
  /** 'FailedCreate' or 'FailedDelete'. */
  reason: string;
  message: string;
}

/**
 * Status for `rs` given its active owned pods at `nowMs`: replicas (all
 * active pods), fullyLabeledReplicas (pods carrying every template label),
 * readyReplicas, availableReplicas (ready >= minReadySeconds),
 * observedGeneration. Conditions are carried over, except ReplicaFailure:
 * added (True, with the failure's reason) when `failure` is given and none is
 * present, removed when the sync succeeded.
 */
export function computeReplicaSetStatus(rs: ReplicaSet, activePods: Pod[], nowMs: number, failure?: ManageFailure): ReplicaSetStatus {
  const templateLabels = rs.spec?.template?.metadata?.labels ?? {};
  const minReady = rs.spec?.minReadySeconds ?? 0;
  let fully = 0;
  let ready = 0;
  let available = 0;
  for (const p of activePods) {
    const labels = p.metadata?.labels ?? {};
    if (Object.entries(templateLabels).every(([k, v]) => labels[k] === v)) fully += 1;
    if (isPodReady(p)) {
      ready += 1;
      if (isPodAvailable(p, minReady, nowMs)) available += 1;
    }
  }
  const status: ReplicaSetStatus = {
    replicas: activePods.length,
    fullyLabeledReplicas: fully,
    readyReplicas: ready,
    availableReplicas: available,
    observedGeneration: rs.metadata?.generation ?? 0,
  };
  let conds = rs.status?.conditions ?? [];
  const has = conds.some((c) => c.type === 'ReplicaFailure');
  if (failure && !has) {
    const t = rfc3339(nowMs);
    conds = [...conds, { type: 'ReplicaFailure', status: 'True', reason: failure.reason, message: failure.message, lastTransitionTime: t }];
  } else if (!failure && has) {
    conds = conds.filter((c) => c.type !== 'ReplicaFailure');
  }
  if (conds.length) status.conditions = conds;
  return status;
}

/** Whether two statuses differ in any field this controller writes. */
export function replicaSetStatusChanged(a: ReplicaSetStatus | undefined, b: ReplicaSetStatus): boolean {
  const x = a ?? { replicas: 0 };
  return (x.replicas ?? 0) !== (b.replicas ?? 0)
    || (x.fullyLabeledReplicas ?? 0) !== (b.fullyLabeledReplicas ?? 0)
    || (x.readyReplicas ?? 0) !== (b.readyReplicas ?? 0)
    || (x.availableReplicas ?? 0) !== (b.availableReplicas ?? 0)
    || (x.observedGeneration ?? 0) !== (b.observedGeneration ?? 0)
    || JSON.stringify(x.conditions ?? []) !== JSON.stringify(b.conditions ?? []);
}

/**
 * When a pod that is ready but not yet available will become available:
 * the smallest remaining wait in ms, or undefined if none is pending. Used to
 * requeue the RS so availableReplicas advances without another event.
 */
export function nextAvailabilityCheckMs(rs: ReplicaSet, activePods: Pod[], nowMs: number): number | undefined {
  const minReady = rs.spec?.minReadySeconds ?? 0;
  if (minReady <= 0) return undefined;
  let best: number | undefined;
  for (const p of activePods) {
    if (!isPodReady(p) || isPodAvailable(p, minReady, nowMs)) continue;
    const t = (p.status?.conditions ?? []).find((c) => c.type === 'Ready')?.lastTransitionTime;
    const since = t ? Date.parse(t) : nowMs;
    const wait = Math.max(0, since + minReady * 1000 - nowMs) + 1;
    best = best === undefined ? wait : Math.min(best, wait);
  }
  return best;
}
