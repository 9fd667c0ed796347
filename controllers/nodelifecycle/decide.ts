/**
 * Pure decisions of the node lifecycle controller (kubernetes
 * pkg/controller/nodelifecycle/node_lifecycle_controller.go:
 * tryUpdateNodeHealth, doNoScheduleTaintingPass, doNoExecuteTaintingPass).
 *
 * Health is judged on the controller's own clock, as kube does to be immune
 * to clock skew between machines: `observeHealth` records the local time at
 * which a heartbeat was last seen (a new Ready lastHeartbeatTime from the
 * kubelet's status post, or a newer Lease renewTime), and a node whose last
 * heartbeat is older than the grace period gets its conditions set Unknown.
 */
import type { Node, NodeCondition, Taint, Toleration } from 'kubernetes-types/core/v1';
import type { Lease } from 'kubernetes-types/coordination/v1';
import { rfc3339 } from '../../apiserver/api/time.ts';
import {
  TAINT_NODE_DISK_PRESSURE, TAINT_NODE_MEMORY_PRESSURE, TAINT_NODE_NETWORK_UNAVAILABLE, TAINT_NODE_NOT_READY,
  TAINT_NODE_PID_PRESSURE, TAINT_NODE_UNREACHABLE, TAINT_NODE_UNSCHEDULABLE, tolerates,
} from '../../apiserver/api/taints.ts';

/** What the controller remembers of one node's heartbeats (kube's nodeHealthData). */
export interface HealthRecord {
  /** Local time (ms since epoch) the last heartbeat was observed. */
  probeMs: number;
  /** lastHeartbeatTime of the Ready condition as last seen ('' when none). */
  readyHeartbeat: string;
  /** spec.renewTime of the node's Lease as last seen (ms since epoch), undefined when no Lease was seen. */
  leaseRenewMs?: number;
}

/** Grace periods of the health check, ms. */
export interface HealthPeriods {
  /** Silence after which a node that posted status goes Unknown (kube --node-monitor-grace-period, 40 s). */
  graceMs: number;
  /** Silence allowed to a node that never posted a Ready condition (kube --node-startup-grace-period, 60 s). */
  startupGraceMs: number;
}

/** The Ready condition of `node`, if any. */
export function readyCondition(node: Node): NodeCondition | undefined {
  return (node.status?.conditions ?? []).find((c) => c.type === 'Ready');
}

const parseMs = (t: string | undefined): number | undefined => {
  if (!t) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
};

/**
 * The next health record of `node` given the previous one (undefined on
 * first sight) and its Lease (undefined if none), at local time `nowMs`
 * (tryUpdateNodeHealth's bookkeeping): first sight of a node that never
 * posted Ready starts the clock at its creationTimestamp, any other first
 * sight at now; a changed Ready lastHeartbeatTime, or a Lease renewTime
 * newer than the one last seen (any Lease, on first sight), moves the probe
 * time to now. Conditions the controller itself
 * wrote keep their lastHeartbeatTime, so they never count as a heartbeat.
 */
export function observeHealth(prev: HealthRecord | undefined, node: Node, lease: Lease | undefined, nowMs: number): HealthRecord {
  const ready = readyCondition(node);
  const heartbeat = ready?.lastHeartbeatTime ?? '';
  const renewMs = parseMs(lease?.spec?.renewTime);
  let probeMs: number;
  if (!prev) probeMs = ready ? nowMs : parseMs(node.metadata?.creationTimestamp) ?? nowMs;
  else probeMs = heartbeat !== prev.readyHeartbeat ? nowMs : prev.probeMs;
  if (renewMs !== undefined && (prev?.leaseRenewMs === undefined || renewMs > prev.leaseRenewMs)) probeMs = nowMs;
  return { probeMs, readyHeartbeat: heartbeat, leaseRenewMs: renewMs ?? prev?.leaseRenewMs };
}

/** When (local ms) the node's silence exceeds its grace period: the earliest time `unknownConditions` can act. */
export function graceDeadlineMs(node: Node, rec: HealthRecord, periods: HealthPeriods): number {
  return rec.probeMs + (readyCondition(node) ? periods.graceMs : periods.startupGraceMs);
}

/** Condition types the controller sets Unknown (kube leaves NetworkUnavailable alone: the control plane owns it). */
export const MONITORED_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'] as const;
/** Reason and message of a condition the kubelet stopped posting (kube's text). */
export const STOPPED_POSTING = { reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' } as const;
/** Reason and message of a condition the kubelet never posted (kube's text). */
export const NEVER_POSTED = { reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.' } as const;

/**
 * The node's new condition list when its silence exceeds the grace period at
 * `nowMs` (strictly after the deadline, as kube's `now.After`), or undefined
 * when nothing is to be written: each monitored condition that is not
 * Unknown becomes Unknown/NodeStatusUnknown with lastTransitionTime now
 * (lastHeartbeatTime kept); a missing one is added as
 * Unknown/NodeStatusNeverUpdated with lastHeartbeatTime = creationTimestamp.
 * Other conditions are kept as they are, in order.
 */
export function unknownConditions(node: Node, rec: HealthRecord, nowMs: number, periods: HealthPeriods): NodeCondition[] | undefined {
  if (nowMs <= graceDeadlineMs(node, rec, periods)) return undefined;
  const now = rfc3339(nowMs);
  const out = (node.status?.conditions ?? []).map((c) => ({ ...c }));
  let changed = false;
  for (const type of MONITORED_CONDITIONS) {
    const c = out.find((x) => x.type === type);
    if (!c) {
      out.push({ type, status: 'Unknown', ...NEVER_POSTED, lastHeartbeatTime: node.metadata?.creationTimestamp ?? now, lastTransitionTime: now });
      changed = true;
    } else if (c.status !== 'Unknown') {
      Object.assign(c, { status: 'Unknown', ...STOPPED_POSTING, lastTransitionTime: now });
      changed = true;
    }
  }
  return changed ? out : undefined;
}

/** The taint keys this controller owns, with the effect of each. */
const NO_EXECUTE_KEYS = [TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE];

/**
 * NoSchedule taint keys a node's conditions call for (kube's
 * nodeConditionToTaintKeyStatusMap, plus node.kubernetes.io/unschedulable
 * for spec.unschedulable): Ready False → not-ready, Ready Unknown →
 * unreachable, MemoryPressure/DiskPressure/PIDPressure/NetworkUnavailable
 * True → the matching pressure key.
 */
export function noScheduleTaintKeys(node: Node): string[] {
  const keys: string[] = [];
  for (const c of node.status?.conditions ?? []) {
    if (c.type === 'Ready' && c.status === 'False') keys.push(TAINT_NODE_NOT_READY);
    else if (c.type === 'Ready' && c.status === 'Unknown') keys.push(TAINT_NODE_UNREACHABLE);
    else if (c.status === 'True') {
      const key = ({ MemoryPressure: TAINT_NODE_MEMORY_PRESSURE, DiskPressure: TAINT_NODE_DISK_PRESSURE, PIDPressure: TAINT_NODE_PID_PRESSURE, NetworkUnavailable: TAINT_NODE_NETWORK_UNAVAILABLE } as Record<string, string | undefined>)[c.type];
      if (key) keys.push(key);
    }
  }
  if (node.spec?.unschedulable) keys.push(TAINT_NODE_UNSCHEDULABLE);
  return keys;
}

/**
 * The NoExecute taint key the node's Ready condition calls for
 * (doNoExecuteTaintingPass): False → not-ready, Unknown → unreachable, True →
 * none. `undefined` result with `keep: true` means no Ready condition yet:
 * leave any existing NoExecute taint as it is.
 */
export function noExecuteTaintKey(node: Node): { key?: string; keep: boolean } {
  const ready = readyCondition(node);
  if (!ready) return { keep: true };
  if (ready.status === 'False') return { key: TAINT_NODE_NOT_READY, keep: false };
  if (ready.status === 'Unknown') return { key: TAINT_NODE_UNREACHABLE, keep: false };
  return { keep: false };
}

const isOwned = (t: Taint): boolean =>
  (t.effect === 'NoExecute' && NO_EXECUTE_KEYS.includes(t.key))
  || (t.effect === 'NoSchedule' && [...NO_EXECUTE_KEYS, TAINT_NODE_MEMORY_PRESSURE, TAINT_NODE_DISK_PRESSURE, TAINT_NODE_PID_PRESSURE, TAINT_NODE_NETWORK_UNAVAILABLE, TAINT_NODE_UNSCHEDULABLE].includes(t.key));

/**
 * The node's taint list as the controller wants it at `nowMs`: taints it
 * does not own are kept untouched and in order; owned taints that still hold
 * are kept (with their timeAdded); missing ones are appended — NoExecute
 * with timeAdded now (so a not-ready ↔ unreachable swap restarts the
 * clock, as kube's SwapNodeControllerTaint), NoSchedule without. With
 * `suppressNoExecute` (no node is Ready: see `fullDisruption`) no
 * not-ready/unreachable NoExecute taint is kept or added, as kube's
 * markNodeAsReachable in master disruption mode. Returns the list and
 * whether it differs from the node's.
 */
export function desiredTaints(node: Node, nowMs: number, suppressNoExecute = false): { taints: Taint[]; changed: boolean } {
  const current = node.spec?.taints ?? [];
  const noExec = suppressNoExecute ? { keep: false } : noExecuteTaintKey(node);
  const wanted: Taint[] = noScheduleTaintKeys(node).map((key) => ({ key, effect: 'NoSchedule' }));
  if (noExec.key) wanted.push({ key: noExec.key, effect: 'NoExecute' });
  const same = (a: Taint, b: Taint): boolean => a.key === b.key && a.effect === b.effect;
  const keep = current.filter((t) => !isOwned(t)
    || wanted.some((w) => same(w, t))
    || (noExec.keep && t.effect === 'NoExecute'));
  const add = wanted.filter((w) => !keep.some((t) => same(w, t)))
    .map((w) => (w.effect === 'NoExecute' ? { ...w, timeAdded: rfc3339(nowMs) } : w));
  const taints = [...keep, ...add];
  return { taints, changed: add.length > 0 || keep.length !== current.length };
}

/**
 * True when no node is Ready (kube's handleDisruption with every zone in
 * FullDisruption; Skiff counts the cluster as one zone): the likely fault is
 * the control plane's own network, or a single-node cluster's kubelet, so
 * kube stops NoExecute tainting (no evictions) until some node is Ready
 * again. False for an empty list.
 */
export function fullDisruption(nodes: readonly Node[]): boolean {
  return nodes.length > 0 && nodes.every((n) => readyCondition(n)?.status !== 'True');
}

/** What the taint eviction controller does with one pod. */
export type EvictionDecision =
  /** No NoExecute taint on the node: cancel any scheduled eviction. */
  | { kind: 'none' }
  /** An untolerated NoExecute taint, or a toleration of 0 s or less: delete the pod now. */
  | { kind: 'now' }
  /** Every taint tolerated, the shortest toleration runs out at `atMs` (ms since epoch). */
  | { kind: 'at'; atMs: number }
  /** Every taint tolerated forever (no tolerationSeconds). */
  | { kind: 'never' };

/** The NoExecute taints of `node`. */
export function noExecuteTaints(node: Node | undefined): Taint[] {
  return (node?.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
}

/** ms since epoch of a taint's timeAdded, or undefined. */
export function taintAddedMs(t: Taint): number | undefined {
  return parseMs(t.timeAdded);
}

/**
 * The eviction decision for a pod with `tolerations` on a node with the
 * NoExecute `taints`, whose toleration clock started at `sinceMs` (ms since
 * epoch) — kube's taint eviction controller (processPodOnNode,
 * GetMatchingTolerations, getMinTolerationTime): each taint is matched by the
 * first toleration that tolerates it; an untolerated taint → now; of the
 * matched tolerations, the smallest tolerationSeconds wins (≤ 0 → now); none
 * with tolerationSeconds → never; else sinceMs + seconds × 1000.
 */
export function evictionDecision(tolerations: readonly Toleration[], taints: readonly Taint[], sinceMs: number): EvictionDecision {
  if (taints.length === 0) return { kind: 'none' };
  const used: Toleration[] = [];
  for (const taint of taints) {
    const t = tolerations.find((x) => tolerates(x, taint));
    if (!t) return { kind: 'now' };
    used.push(t);
  }
  let min: number | undefined;
  for (const t of used) {
    if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) continue;
    if (t.tolerationSeconds <= 0) return { kind: 'now' };
    min = min === undefined ? t.tolerationSeconds : Math.min(min, t.tolerationSeconds);
  }
  return min === undefined ? { kind: 'never' } : { kind: 'at', atMs: sinceMs + min * 1000 };
}

/**
 * When the toleration clock of a pod on a tainted node starts (ms since
 * epoch): the earliest timeAdded of the NoExecute taints, but not before the
 * pod was bound (its PodScheduled lastTransitionTime) — a pod placed on an
 * already tainted node gets its full toleration, as kube's taint manager
 * (which starts the clock when it first sees the pod) gives it. Falls back
 * to `nowMs` when no taint carries a timeAdded.
 */
export function tolerationStartMs(taints: readonly Taint[], scheduledAt: string | undefined, nowMs: number): number {
  const added = taints.map(taintAddedMs).filter((x): x is number => x !== undefined);
  const start = added.length > 0 ? Math.min(...added) : nowMs;
  const bound = parseMs(scheduledAt);
  return bound !== undefined && bound > start ? bound : start;
}
