/**
 * Pure builder of the Node object the kubelet registers and keeps fresh
 * (kubelet_node_status.go: labels, capacity/allocatable, nodeInfo,
 * addresses, conditions, daemonEndpoints).
 */
import type { Node, NodeCondition, NodeStatus } from 'kubernetes-types/core/v1';
import type { MachineInfo } from './info.ts';
import { rfc3339 } from '../../apiserver/api/time.ts';

/** The kubelet version this node reports. */
export const KUBELET_VERSION = 'v1.33.0-skiff';
/** Max pods per node (Kubernetes' default). */
export const MAX_PODS = 110;

/** Inputs of `buildNode`. */
export interface NodeInputs {
  nodeName: string;
  nodeIP: string;
  machine: MachineInfo;
  /** e.g. 'containerd://1.6.20~ds1'. */
  containerRuntimeVersion: string;
  kubeletPort: number;
  /** ms since the epoch. */
  now: number;
  /** Conditions of the current Node (to keep lastTransitionTime). */
  oldConditions?: NodeCondition[];
}


/** Node labels the kubelet sets. */
export function nodeLabels(nodeName: string, arch: string): Record<string, string> {
  return {
    'kubernetes.io/hostname': nodeName,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': arch,
    'beta.kubernetes.io/os': 'linux',
    'beta.kubernetes.io/arch': arch,
  };
}

/** Node conditions: Ready True plus the pressure conditions False; transition times kept while unchanged. */
export function nodeConditions(now: number, old: NodeCondition[] | undefined): NodeCondition[] {
  const mk = (type: string, status: 'True' | 'False', reason: string, message: string): NodeCondition => {
    const prev = old?.find((c) => c.type === type);
    return {
      type, status, reason, message,
      lastHeartbeatTime: rfc3339(now),
      lastTransitionTime: prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : rfc3339(now),
    };
  };
  return [
    mk('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    mk('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    mk('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    mk('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
  ];
}

/** The node status for `i`. */
export function buildNodeStatus(i: NodeInputs): NodeStatus {
  const m = i.machine;
  const capacity: Record<string, string> = {
    cpu: String(m.cpuCores),
    memory: `${m.memoryKi}Ki`,
    pods: String(MAX_PODS),
    'ephemeral-storage': `${Math.floor(m.ephemeralStorageBytes / 1024)}Ki`,
  };
  return {
    capacity,
    allocatable: { ...capacity },
    conditions: nodeConditions(i.now, i.oldConditions),
    addresses: [
      ...(i.nodeIP ? [{ type: 'InternalIP', address: i.nodeIP }] : []),
      { type: 'Hostname', address: i.nodeName },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: i.kubeletPort } },
    nodeInfo: {
      machineID: m.machineID,
      systemUUID: m.systemUUID,
      bootID: m.bootID,
      kernelVersion: m.kernelVersion,
      osImage: m.osImage,
      containerRuntimeVersion: i.containerRuntimeVersion,
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: KUBELET_VERSION,
      operatingSystem: 'linux',
      architecture: m.architecture,
    },
  };
}

/** A new Node object for registration. */
export function buildNode(i: NodeInputs): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: i.nodeName, labels: nodeLabels(i.nodeName, i.machine.architecture) },
    spec: {},
    status: buildNodeStatus(i),
  };
}
