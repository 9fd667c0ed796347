/**
 * The pure "decide" step of the ReplicaSet controller (manageReplicas and
 * getPodsToDelete in kubernetes pkg/controller/replicaset/replica_set.go).
 */
import type { Pod } from 'kubernetes-types/core/v1';
import type { ReplicaSet } from 'kubernetes-types/apps/v1';
import { creationMs, isPodReady, podReadySince, podRestarts } from './podutil.ts';

/** At most this many creates or deletes per sync (Kubernetes' burstReplicas). */
export const BURST_REPLICAS = 500;

/** What one sync of a ReplicaSet should do. */
export interface ReplicaPlan {
  /** Number of pods to create (0..BURST_REPLICAS). */
  create: number;
  /** Pods to delete, most deletable first (at most BURST_REPLICAS). */
  delete: Pod[];
}

/**
 * Decides how to move `activePods` (the RS's own active pods) toward
 * `rs.spec.replicas` (default 1): create the shortfall, or delete the surplus
 * picked by `rankPodsForDeletion`. Both are capped at `burst`.
 */
export function planReplicas(rs: ReplicaSet, activePods: Pod[], burst = BURST_REPLICAS): ReplicaPlan {
  const want = rs.spec?.replicas ?? 1;
  const diff = activePods.length - want;
  if (diff < 0) return { create: Math.min(-diff, burst), delete: [] };
  if (diff > 0) return { create: 0, delete: rankPodsForDeletion(activePods).slice(0, Math.min(diff, burst)) };
  return { create: 0, delete: [] };
}

const phaseOrder: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/** The pod-deletion-cost annotation (lower is deleted first); invalid or absent = 0. */
export const POD_DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

function deletionCost(pod: Pod): number {
  const raw = pod.metadata?.annotations?.[POD_DELETION_COST];
  if (raw === undefined) return 0;
  const n = Number(raw);
  return Number.isInteger(n) ? n : 0;
}

/**
 * Orders pods from most to least deletable, by Kubernetes' ActivePodsWithRanks:
 * unassigned before assigned; Pending < Unknown < Running; not ready before
 * ready; lower pod-deletion-cost first; pods sharing a node with more of their
 * siblings first; ready for less time first; more restarts first; newer
 * first (missing creation time counts as newest). Returns a new array.
 */
export function rankPodsForDeletion(pods: Pod[]): Pod[] {
  const perNode = new Map<string, number>();
  for (const p of pods) {
    const n = p.spec?.nodeName;
    if (n) perNode.set(n, (perNode.get(n) ?? 0) + 1);
  }
  const rank = (p: Pod): number => (p.spec?.nodeName ? perNode.get(p.spec.nodeName) ?? 0 : 0);
  return [...pods].sort((a, b) => comparePodsForDeletion(a, b, rank(a), rank(b)));
}

/**
 * Comparator behind `rankPodsForDeletion`: negative when `a` should be deleted
 * before `b`. `rankA`/`rankB` = number of sibling pods on the same node.
 */
export function comparePodsForDeletion(a: Pod, b: Pod, rankA = 0, rankB = 0): number {
  const aAssigned = a.spec?.nodeName ? 1 : 0;
  const bAssigned = b.spec?.nodeName ? 1 : 0;
  if (aAssigned !== bAssigned) return aAssigned - bAssigned;
  const pa = phaseOrder[a.status?.phase ?? 'Pending'] ?? 0;
  const pb = phaseOrder[b.status?.phase ?? 'Pending'] ?? 0;
  if (pa !== pb) return pa - pb;
  const ra = isPodReady(a) ? 1 : 0;
  const rb = isPodReady(b) ? 1 : 0;
  if (ra !== rb) return ra - rb;
  const ca = deletionCost(a);
  const cb = deletionCost(b);
  if (ca !== cb) return ca - cb;
  if (rankA !== rankB) return rankB - rankA;
  if (ra === 1 && rb === 1) {
    // Ready for less time (a later transition) goes first.
    const sa = podReadySince(a) ?? 0;
    const sb = podReadySince(b) ?? 0;
    if (sa !== sb) return sb - sa;
  }
  const xa = podRestarts(a);
  const xb = podRestarts(b);
  if (xa !== xb) return xb - xa;
  const ta = creationMs(a.metadata);
  const tb = creationMs(b.metadata);
  if (ta !== tb) {
    if (ta === undefined) return -1;
    if (tb === undefined) return 1;
    return tb - ta;
  }
  return 0;
}
