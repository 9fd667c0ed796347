/**
 * NodeResourcesFit filter (kube-scheduler plugins/noderesources/fit.go): the
 * pod's requests (cpu in millicores, memory in bytes) must fit in the node's
 * allocatable minus what pods already on the node request, and the node must
 * have room for one more pod. Reasons: "Too many pods", "Insufficient cpu",
 * "Insufficient memory" (all that apply). A pod requesting nothing is only
 * checked against the pod count.
 */
import type { Pod } from 'kubernetes-types/core/v1';
import { podRequests } from '../../framework/nodeinfo.ts';
import { success, unschedulable, type CycleState, type FilterPlugin, type NodeInfo, type Resources, type Status } from '../../framework/types.ts';

const stateKey = 'NodeResourcesFit/requests';

/** True if a pod with requests `req` fits `ni` (the allocation-free check insufficientResources explains). */
export function fits(req: Resources, ni: NodeInfo): boolean {
  if (ni.requested.pods + 1 > ni.allocatable.pods) return false;
  if (req.milliCpu > 0 && req.milliCpu > ni.allocatable.milliCpu - ni.requested.milliCpu) return false;
  return !(req.memory > 0 && req.memory > ni.allocatable.memory - ni.requested.memory);
}

/** The reasons a pod with requests `req` does not fit `ni` (empty if it fits). */
export function insufficientResources(req: Resources, ni: NodeInfo): string[] {
  const reasons: string[] = [];
  if (ni.requested.pods + 1 > ni.allocatable.pods) reasons.push('Too many pods');
  if (req.milliCpu === 0 && req.memory === 0) return reasons;
  if (req.milliCpu > 0 && req.milliCpu > ni.allocatable.milliCpu - ni.requested.milliCpu) reasons.push('Insufficient cpu');
  if (req.memory > 0 && req.memory > ni.allocatable.memory - ni.requested.memory) reasons.push('Insufficient memory');
  return reasons;
}

/** The NodeResourcesFit filter plugin; its preFilter computes the pod's requests once per cycle. */
export const nodeResourcesFit: FilterPlugin = {
  name: 'NodeResourcesFit',
  preFilter(state: CycleState, pod: Pod): void {
    state.write(stateKey, podRequests(pod));
  },
  filter(state, pod, nodeInfo): Status {
    const req = state.get<Resources>(stateKey) ?? state.getOrCompute(stateKey, () => podRequests(pod));
    if (fits(req, nodeInfo)) return success;
    return unschedulable(...insufficientResources(req, nodeInfo));
  },
};
