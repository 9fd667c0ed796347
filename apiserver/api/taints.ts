/**
 * Taints and tolerations, the one copy for the scheduler, the controllers
 * and admission: the well-known node taint keys (core/v1 well_known_taints.go)
 * and the toleration matching rule (core/v1 Toleration.ToleratesTaint).
 */
import type { Taint, Toleration } from 'kubernetes-types/core/v1';

/** Node Ready condition is False. */
export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
/** Node Ready condition is Unknown (the node controller lost contact). */
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';
/** Node spec.unschedulable is true (cordoned). */
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
/** Node MemoryPressure condition is True. */
export const TAINT_NODE_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
/** Node DiskPressure condition is True. */
export const TAINT_NODE_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
/** Node PIDPressure condition is True. */
export const TAINT_NODE_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
/** Node NetworkUnavailable condition is True. */
export const TAINT_NODE_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';

/**
 * True if toleration `t` tolerates `taint` (core/v1 Toleration.ToleratesTaint):
 * an empty effect matches every effect, an empty key with operator Exists
 * matches every key, Exists ignores the value, Equal (default) compares it.
 */
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  const op = t.operator ?? 'Equal';
  if (op === 'Exists') return true;
  return op === 'Equal' && (t.value ?? '') === (taint.value ?? '');
}
