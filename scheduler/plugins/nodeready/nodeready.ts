/**
 * NodeReady filter. Kubernetes keeps pods off unready nodes through taints
 * the node lifecycle controller adds (node.kubernetes.io/not-ready when the
 * Ready condition is False, node.kubernetes.io/unreachable when it is
 * Unknown). This filter applies the same rule straight from the Ready
 * condition, so it works even before any controller has tainted the node, and
 * reports it with the same text: "node(s) had untolerated taint {...: }".
 * A missing Ready condition counts as not-ready. The taint is derived once
 * per Node update (NodeInfo.traits.readinessTaint).
 */
import { readinessTaint } from '../../framework/nodeinfo.ts';
import { success, unresolvable, type FilterPlugin, type Status } from '../../framework/types.ts';
import { podToleratesTaint, untoleratedTaintReason } from '../tainttoleration/tainttoleration.ts';

/** The taint Kubernetes would put on a node for its Ready condition (kept in framework/nodeinfo.ts). */
export { readinessTaint };

/** The NodeReady filter plugin. */
export const nodeReady: FilterPlugin = {
  name: 'NodeReady',
  filter(_state, pod, nodeInfo): Status {
    const taint = nodeInfo.traits.readinessTaint;
    if (!taint || podToleratesTaint(pod, taint)) return success;
    return unresolvable(untoleratedTaintReason(taint));
  },
};
