/**
 * NodeUnschedulable filter (kube-scheduler plugins/nodeunschedulable): a
 * cordoned node (spec.unschedulable) is rejected with "node(s) were
 * unschedulable" unless the pod tolerates node.kubernetes.io/unschedulable.
 */
import { success, unresolvable, type FilterPlugin, type Status } from '../../framework/types.ts';
import { podToleratesTaint } from '../tainttoleration/tainttoleration.ts';

/** The reason text for a cordoned node. */
export const unschedulableReason = 'node(s) were unschedulable';

/** The NodeUnschedulable filter plugin. */
export const nodeUnschedulable: FilterPlugin = {
  name: 'NodeUnschedulable',
  filter(_state, pod, nodeInfo): Status {
    if (!nodeInfo.traits.unschedulable) return success;
    if (podToleratesTaint(pod, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' })) return success;
    return unresolvable(unschedulableReason);
  },
};
