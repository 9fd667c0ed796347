/**
 * NodeReady filter. Kubernetes keeps pods off unready nodes through taints
 * the node lifecycle controller adds (node.kubernetes.io/not-ready when the
 * Ready condition is False, node.kubernetes.io/unreachable when it is
 * Unknown). This filter applies the same rule straight from the Ready
 * condition, so it works even before any controller has tainted the node, and
 * reports it with the same text: "node(s) had untolerated taint {...: }".
 * A missing Ready condition counts as not-ready.
 */
import type { Node, Taint } from 'kubernetes-types/core/v1';
import { success, unresolvable, type FilterPlugin, type Status } from '../../framework/types.ts';
import { podToleratesTaint, untoleratedTaintReason } from '../tainttoleration/tainttoleration.ts';

/** The taint Kubernetes would put on `node` for its Ready condition, or undefined if Ready is True. */
export function readinessTaint(node: Node): Taint | undefined {
  const ready = (node.status?.conditions ?? []).find((c) => c.type === 'Ready');
  if (ready?.status === 'True') return undefined;
  const key = ready?.status === 'Unknown' ? 'node.kubernetes.io/unreachable' : 'node.kubernetes.io/not-ready';
  return { key, effect: 'NoSchedule' };
}

/** The NodeReady filter plugin. */
export const nodeReady: FilterPlugin = {
  name: 'NodeReady',
  filter(_state, pod, nodeInfo): Status {
    const taint = readinessTaint(nodeInfo.node);
    if (!taint || podToleratesTaint(pod, taint)) return success;
    return unresolvable(untoleratedTaintReason(taint));
  },
};
