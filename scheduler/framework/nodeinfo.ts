/**
 * Pod resource requests and NodeInfo construction (kube-scheduler's
 * computePodResourceRequest and framework.NodeInfo, simplified).
 */
import type { Container, Node, Pod } from 'kubernetes-types/core/v1';
import { intValue, milliCpu } from '../../apiserver/api/quantity.ts';
import type { NodeInfo, Resources } from './types.ts';

/** Request kube-scheduler assumes for scoring a container without a cpu request (millicores). */
export const defaultMilliCpuRequest = 100;
/** Request kube-scheduler assumes for scoring a container without a memory request (bytes). */
export const defaultMemoryRequest = 200 * 1024 * 1024;

/** Effective requests of one container: requests, else limits (apiserver defaulting), else 0. */
function containerRequest(c: Container, nonZero: boolean): { milliCpu: number; memory: number } {
  const req = c.resources?.requests ?? {};
  const lim = c.resources?.limits ?? {};
  const cpuQ = req.cpu ?? lim.cpu;
  const memQ = req.memory ?? lim.memory;
  return {
    milliCpu: cpuQ === undefined && nonZero ? defaultMilliCpuRequest : milliCpu(cpuQ),
    memory: memQ === undefined && nonZero ? defaultMemoryRequest : intValue(memQ),
  };
}

/**
 * A pod's requests as the scheduler counts them: the sum over containers,
 * raised to the largest init container, plus spec.overhead; `pods` is 1.
 * With `nonZero`, missing requests count as 100m cpu / 200 MiB (scoring).
 * Memoized per pod object: do not mutate a pod after asking for its requests.
 */
export function podRequests(pod: Pod, nonZero = false): Resources {
  const memo = nonZero ? nonZeroMemo : exactMemo;
  const hit = memo.get(pod);
  if (hit) return { ...hit };
  const r = computePodRequests(pod, nonZero);
  memo.set(pod, r);
  return { ...r };
}

// Cache objects are replaced, never mutated, on update; so a pod object's requests never change.
const exactMemo = new WeakMap<Pod, Resources>();
const nonZeroMemo = new WeakMap<Pod, Resources>();

function computePodRequests(pod: Pod, nonZero: boolean): Resources {
  let cpu = 0;
  let mem = 0;
  for (const c of pod.spec?.containers ?? []) {
    const r = containerRequest(c, nonZero);
    cpu += r.milliCpu;
    mem += r.memory;
  }
  for (const c of pod.spec?.initContainers ?? []) {
    const r = containerRequest(c, false);
    cpu = Math.max(cpu, r.milliCpu);
    mem = Math.max(mem, r.memory);
  }
  const oh = pod.spec?.overhead ?? {};
  return { milliCpu: cpu + milliCpu(oh.cpu), memory: mem + intValue(oh.memory), pods: 1 };
}

/** Allocatable resources of a node (status.allocatable, falling back to status.capacity). */
export function nodeAllocatable(node: Node): Resources {
  const a = { ...(node.status?.capacity ?? {}), ...(node.status?.allocatable ?? {}) };
  return { milliCpu: milliCpu(a.cpu), memory: intValue(a.memory), pods: a.pods === undefined ? 110 : intValue(a.pods) };
}

/** True for pods that no longer hold resources (phase Succeeded or Failed). */
export function isTerminal(pod: Pod): boolean {
  const p = pod.status?.phase;
  return p === 'Succeeded' || p === 'Failed';
}

/**
 * Builds one NodeInfo per node from the pods assigned to nodes (spec.nodeName
 * set, not terminal). Pods naming an unknown node are ignored.
 */
export function buildNodeInfos(nodes: Node[], pods: Pod[]): NodeInfo[] {
  const byName = new Map<string, NodeInfo>();
  for (const node of nodes) {
    byName.set(node.metadata?.name ?? '', {
      node,
      pods: [],
      requested: { milliCpu: 0, memory: 0, pods: 0 },
      nonZeroRequested: { milliCpu: 0, memory: 0, pods: 0 },
      allocatable: nodeAllocatable(node),
    });
  }
  for (const pod of pods) {
    const ni = pod.spec?.nodeName ? byName.get(pod.spec.nodeName) : undefined;
    if (!ni || isTerminal(pod)) continue;
    ni.pods.push(pod);
    addTo(ni.requested, podRequests(pod));
    addTo(ni.nonZeroRequested, podRequests(pod, true));
  }
  return [...byName.values()];
}

function addTo(acc: Resources, r: Resources): void {
  acc.milliCpu += r.milliCpu;
  acc.memory += r.memory;
  acc.pods += r.pods;
}
