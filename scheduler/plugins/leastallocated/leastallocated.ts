/**
 * LeastAllocated score (kube-scheduler NodeResourcesFit with the
 * LeastAllocated strategy): per resource, (allocatable - requested) * 100 /
 * allocatable in integer math, where requested includes the pod and counts
 * containers without requests as 100m cpu / 200 MiB; 0 when over-committed.
 * The node score is the equal-weight average over cpu and memory.
 */
import type { Pod } from 'kubernetes-types/core/v1';
import { podRequests } from '../../framework/nodeinfo.ts';
import { maxNodeScore, type CycleState, type NodeInfo, type Resources, type ScorePlugin } from '../../framework/types.ts';

const stateKey = 'LeastAllocated/requests';

/** Score of one resource: the free share after placing the pod, 0..100. */
export function leastRequestedScore(requested: number, allocatable: number): number {
  if (allocatable === 0 || requested > allocatable) return 0;
  return Math.floor(((allocatable - requested) * maxNodeScore) / allocatable);
}

/** The node score for a pod requesting `req` (non-zero requests) on `ni`. */
export function leastAllocatedScore(req: Resources, ni: NodeInfo): number {
  const cpu = leastRequestedScore(ni.nonZeroRequested.milliCpu + req.milliCpu, ni.allocatable.milliCpu);
  const mem = leastRequestedScore(ni.nonZeroRequested.memory + req.memory, ni.allocatable.memory);
  return Math.floor((cpu + mem) / 2);
}

/** The LeastAllocated score plugin. */
export const leastAllocated: ScorePlugin = {
  name: 'NodeResourcesLeastAllocated',
  weight: 1,
  preScore(state: CycleState, pod: Pod): void {
    state.write(stateKey, podRequests(pod, true));
  },
  score(state, pod, nodeInfo): number {
    return leastAllocatedScore(state.get<Resources>(stateKey) ?? state.getOrCompute(stateKey, () => podRequests(pod, true)), nodeInfo);
  },
};
