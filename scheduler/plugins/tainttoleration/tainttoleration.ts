/**
 * TaintToleration filter (kube-scheduler plugins/tainttoleration): a node
 * whose NoSchedule or NoExecute taint the pod does not tolerate is rejected
 * with "node(s) had untolerated taint {key: value}".
 */
import type { Pod, Taint, Toleration } from 'kubernetes-types/core/v1';
import { success, unresolvable, type FilterPlugin, type Status } from '../../framework/types.ts';

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

/** True if any of the pod's tolerations tolerates `taint`. */
export function podToleratesTaint(pod: Pod, taint: Taint): boolean {
  return (pod.spec?.tolerations ?? []).some((t) => tolerates(t, taint));
}

/** The reason text Kubernetes uses for an untolerated taint. */
export function untoleratedTaintReason(taint: Taint): string {
  return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
}

/** The TaintToleration filter plugin. */
export const taintToleration: FilterPlugin = {
  name: 'TaintToleration',
  filter(_state, pod, nodeInfo): Status {
    for (const taint of nodeInfo.node.spec?.taints ?? []) {
      if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
      if (!podToleratesTaint(pod, taint)) return unresolvable(untoleratedTaintReason(taint));
    }
    return success;
  },
};
