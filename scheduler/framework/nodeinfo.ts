/**
 * Pod resource requests and NodeInfo upkeep (kube-scheduler's
 * computePodResourceRequest and framework.NodeInfo AddPod/RemovePod/Clone,
 * simplified): a NodeInfo's aggregates (requests, pod count, host ports,
 * affinity pods) change with each pod added or removed, in O(containers).
 */
import type { Container, Node, Pod, Taint } from 'kubernetes-types/core/v1';
import { intValue, milliCpu } from '../../apiserver/api/quantity.ts';
import { objectKey } from '../../apiserver/client/informer.ts';
import type { HostPort, NodeInfo, NodeTraits, Resources, UsedPorts } from './types.ts';

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
 * The taint Kubernetes would put on `node` for its Ready condition, or
 * undefined if Ready is True (node lifecycle controller: not-ready when
 * False or missing, unreachable when Unknown; effect NoSchedule).
 */
export function readinessTaint(node: Node): Taint | undefined {
  const ready = (node.status?.conditions ?? []).find((c) => c.type === 'Ready');
  if (ready?.status === 'True') return undefined;
  const key = ready?.status === 'Unknown' ? 'node.kubernetes.io/unreachable' : 'node.kubernetes.io/not-ready';
  return { key, effect: 'NoSchedule' };
}

/** What the filters read of a Node object (see NodeTraits). Pure. */
export function nodeTraits(node: Node): NodeTraits {
  return {
    unschedulable: node.spec?.unschedulable === true,
    scheduleTaints: (node.spec?.taints ?? []).filter((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute'),
    readinessTaint: readinessTaint(node),
  };
}

/** A NodeInfo for `node` with no pods (generation 0). */
export function newNodeInfo(node: Node): NodeInfo {
  return {
    node,
    pods: new Map(),
    requested: { milliCpu: 0, memory: 0, pods: 0 },
    nonZeroRequested: { milliCpu: 0, memory: 0, pods: 0 },
    allocatable: nodeAllocatable(node),
    traits: nodeTraits(node),
    usedPorts: new Map(),
    podsWithAffinity: new Map(),
    podsWithRequiredAntiAffinity: new Map(),
    generation: 0,
  };
}

/** Replaces the Node object of `ni` (and its allocatable); pods are kept. */
export function setNode(ni: NodeInfo, node: Node): void {
  ni.node = node;
  ni.allocatable = nodeAllocatable(node);
  ni.traits = nodeTraits(node);
}

/** The host ports a pod claims (init containers included); hostNetwork pods claim their containerPorts. */
export function hostPortsOf(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  for (const c of containers) {
    for (const p of c.ports ?? []) {
      const port = p.hostPort ?? (pod.spec?.hostNetwork ? p.containerPort : 0);
      if (!port) continue;
      out.push({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol ?? 'TCP', port });
    }
  }
  return out;
}

/** The UsedPorts key of a host port claim. */
export function portKey(p: HostPort): string {
  return `${p.protocol}/${p.port}`;
}

/** True if a pod has pod affinity or anti-affinity terms (kube's PodsWithAffinity). */
export function hasPodAffinity(pod: Pod): boolean {
  const a = pod.spec?.affinity;
  return a?.podAffinity !== undefined || a?.podAntiAffinity !== undefined;
}

/** True if a pod has required pod anti-affinity terms. */
export function hasRequiredAntiAffinity(pod: Pod): boolean {
  return (pod.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length ?? 0) > 0;
}

/**
 * Adds a pod (bound or assumed to this node, not terminal) under `key`,
 * updating every aggregate. A pod already present under `key` is replaced.
 */
export function addPod(ni: NodeInfo, key: string, pod: Pod): void {
  if (ni.pods.has(key)) removePod(ni, key);
  ni.pods.set(key, pod);
  addTo(ni.requested, podRequests(pod), 1);
  addTo(ni.nonZeroRequested, podRequests(pod, true), 1);
  const ports = pod.spec?.hostNetwork || hasHostPortField(pod) ? hostPortsOf(pod) : [];
  for (const p of ports) {
    const k = portKey(p);
    let ips = ni.usedPorts.get(k);
    if (!ips) ni.usedPorts.set(k, (ips = new Map()));
    ips.set(p.ip, (ips.get(p.ip) ?? 0) + 1);
  }
  if (hasPodAffinity(pod)) ni.podsWithAffinity.set(key, pod);
  if (hasRequiredAntiAffinity(pod)) ni.podsWithRequiredAntiAffinity.set(key, pod);
}

/** Removes the pod stored under `key`, undoing its aggregates; false if it was not there. */
export function removePod(ni: NodeInfo, key: string): boolean {
  const pod = ni.pods.get(key);
  if (!pod) return false;
  ni.pods.delete(key);
  addTo(ni.requested, podRequests(pod), -1);
  addTo(ni.nonZeroRequested, podRequests(pod, true), -1);
  const ports = pod.spec?.hostNetwork || hasHostPortField(pod) ? hostPortsOf(pod) : [];
  for (const p of ports) {
    const k = portKey(p);
    const ips = ni.usedPorts.get(k);
    const n = ips?.get(p.ip) ?? 0;
    if (!ips || n === 0) continue;
    if (n === 1) ips.delete(p.ip);
    else ips.set(p.ip, n - 1);
    if (ips.size === 0) ni.usedPorts.delete(k);
  }
  ni.podsWithAffinity.delete(key);
  ni.podsWithRequiredAntiAffinity.delete(key);
  return true;
}

/** A copy of `ni` whose maps can change without touching the original (pods themselves are shared). */
export function cloneNodeInfo(ni: NodeInfo): NodeInfo {
  const usedPorts: UsedPorts = new Map();
  for (const [k, ips] of ni.usedPorts) usedPorts.set(k, new Map(ips));
  return {
    node: ni.node,
    pods: new Map(ni.pods),
    requested: { ...ni.requested },
    nonZeroRequested: { ...ni.nonZeroRequested },
    allocatable: { ...ni.allocatable },
    traits: ni.traits,
    usedPorts,
    podsWithAffinity: new Map(ni.podsWithAffinity),
    podsWithRequiredAntiAffinity: new Map(ni.podsWithRequiredAntiAffinity),
    generation: ni.generation,
  };
}

/**
 * Builds one NodeInfo per node from the pods assigned to nodes (spec.nodeName
 * set, not terminal). Pods naming an unknown node are ignored. For tests and
 * one-off decisions; the scheduler keeps NodeInfos incrementally (cache.ts).
 */
export function buildNodeInfos(nodes: Node[], pods: Pod[]): NodeInfo[] {
  const byName = new Map<string, NodeInfo>();
  for (const node of nodes) byName.set(node.metadata?.name ?? '', newNodeInfo(node));
  for (const pod of pods) {
    const ni = pod.spec?.nodeName ? byName.get(pod.spec.nodeName) : undefined;
    if (!ni || isTerminal(pod)) continue;
    addPod(ni, objectKey(pod), pod);
  }
  return [...byName.values()];
}

/** True if any container declares ports (the only pods that can claim host ports without hostNetwork). */
function hasHostPortField(pod: Pod): boolean {
  for (const c of pod.spec?.containers ?? []) if (c.ports?.some((p) => p.hostPort)) return true;
  for (const c of pod.spec?.initContainers ?? []) if (c.ports?.some((p) => p.hostPort)) return true;
  return false;
}

function addTo(acc: Resources, r: Resources, sign: 1 | -1): void {
  acc.milliCpu += sign * r.milliCpu;
  acc.memory += sign * r.memory;
  acc.pods += sign * r.pods;
}
