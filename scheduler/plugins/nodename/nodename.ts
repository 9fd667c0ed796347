/**
 * NodeName filter (kube-scheduler plugins/nodename): a pod that names a node
 * in spec.nodeName fits only that node. (Pods with spec.nodeName set never
 * reach the scheduling queue; the plugin exists for completeness.)
 */
import { skip, success, unresolvable, type FilterPlugin, type Status } from '../../framework/types.ts';

/** The reason text Kubernetes uses. */
export const nodeNameReason = "node(s) didn't match the requested node name";

/** The NodeName filter plugin. */
export const nodeName: FilterPlugin = {
  name: 'NodeName',
  preFilter(_state, pod): Status | void {
    if (!pod.spec?.nodeName) return skip;
  },
  filter(_state, pod, nodeInfo): Status {
    const want = pod.spec?.nodeName;
    if (!want || want === nodeInfo.node.metadata?.name) return success;
    return unresolvable(nodeNameReason);
  },
};
