/**
 * TaintToleration filter (kube-scheduler plugins/tainttoleration): a node
 * whose NoSchedule or NoExecute taint the pod does not tolerate is rejected
 * with "node(s) had untolerated taint {key: value}". Reads the node's
 * NoSchedule/NoExecute taints from NodeInfo.traits (derived once per update).
 */
import type { Pod, Taint } from 'kubernetes-types/core/v1';
import { success, unresolvable, type FilterPlugin, type Status } from '../../framework/types.ts';
import { tolerates } from '../../../apiserver/api/taints.ts';

/** The toleration matching rule (core/v1 ToleratesTaint), kept in apiserver/api/taints.ts. */
export { tolerates };

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
    const taints = nodeInfo.traits.scheduleTaints;
    for (let i = 0; i < taints.length; i++) if (!podToleratesTaint(pod, taints[i])) return unresolvable(untoleratedTaintReason(taints[i]));
    return success;
  },
};
