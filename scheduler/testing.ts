/**
 * Builders of Nodes and Pods for scheduler tests (test-only helpers).
 */
import type { Node, NodeCondition, Pod, Taint, Toleration } from 'kubernetes-types/core/v1';
import { buildNodeInfos } from './framework/nodeinfo.ts';
import type { NodeInfo } from './framework/types.ts';

/** Options of makeNode; cpu/memory are quantities ('2', '4Gi'). */
export interface NodeSpecOpts {
  cpu?: string;
  memory?: string;
  pods?: string;
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
  /** Ready condition status (default 'True'); null for no conditions at all. */
  ready?: 'True' | 'False' | 'Unknown' | null;
}

/** A Node named `name` with allocatable cpu/memory/pods and a Ready condition. */
export function makeNode(name: string, o: NodeSpecOpts = {}): Node {
  const alloc = { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: o.pods ?? '110' };
  const conditions: NodeCondition[] = o.ready === null ? [] : [{ type: 'Ready', status: o.ready ?? 'True' }];
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(o.labels ?? {}) } },
    spec: { taints: o.taints, unschedulable: o.unschedulable },
    status: { capacity: alloc, allocatable: alloc, conditions },
  };
}

/** Options of makePod; cpu/memory are per-container requests. */
export interface PodSpecOpts {
  namespace?: string;
  cpu?: string;
  memory?: string;
  containers?: number;
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  schedulerName?: string;
  phase?: string;
}

/** A Pod with `containers` (default 1) containers requesting cpu/memory. */
export function makePod(name: string, o: PodSpecOpts = {}): Pod {
  const requests: Record<string, string> = {};
  if (o.cpu) requests.cpu = o.cpu;
  if (o.memory) requests.memory = o.memory;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: o.namespace ?? 'default' },
    spec: {
      containers: Array.from({ length: o.containers ?? 1 }, (_, i) => ({ name: `c${i}`, image: 'busybox', resources: { requests } })),
      nodeName: o.nodeName,
      nodeSelector: o.nodeSelector,
      tolerations: o.tolerations,
      schedulerName: o.schedulerName,
    },
    status: o.phase ? { phase: o.phase } : {},
  };
}

/** The NodeInfo of one node with the given pods bound to it. */
export function nodeInfoOf(node: Node, pods: Pod[] = []): NodeInfo {
  const name = node.metadata?.name ?? '';
  return buildNodeInfos([node], pods.map((p) => ({ ...p, spec: { ...p.spec!, nodeName: name } })))[0];
}
