/**
 * NodePorts filter (kube-scheduler plugins/nodeports): a pod asking for a
 * host port (containers[].ports[].hostPort; for hostNetwork pods the
 * containerPort, as apiserver defaulting would set) does not fit a node where
 * a pod already holds the same protocol+port on an overlapping host IP
 * (0.0.0.0 overlaps every IP). Reason: "node(s) didn't have free ports for the
 * requested pod ports".
 */
import type { Pod } from 'kubernetes-types/core/v1';
import { success, unschedulable, type CycleState, type FilterPlugin, type Status } from '../../framework/types.ts';

/** The reason text Kubernetes uses. */
export const nodePortsReason = "node(s) didn't have free ports for the requested pod ports";

/** One host port a pod claims. */
export interface HostPort {
  ip: string;
  protocol: string;
  port: number;
}

const stateKey = 'NodePorts/wanted';

/** The host ports a pod claims (init containers included). */
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

/** True if two host port claims collide. */
export function portsConflict(a: HostPort, b: HostPort): boolean {
  if (a.port !== b.port || a.protocol !== b.protocol) return false;
  return a.ip === '0.0.0.0' || b.ip === '0.0.0.0' || a.ip === b.ip;
}

/** The NodePorts filter plugin. */
export const nodePorts: FilterPlugin = {
  name: 'NodePorts',
  preFilter(state: CycleState, pod: Pod): void {
    state.write(stateKey, hostPortsOf(pod));
  },
  filter(state, pod, nodeInfo): Status {
    const wanted = state.getOrCompute(stateKey, () => hostPortsOf(pod));
    if (wanted.length === 0) return success;
    for (const other of nodeInfo.pods) {
      const used = hostPortsOf(other);
      if (wanted.some((w) => used.some((u) => portsConflict(w, u)))) return unschedulable(nodePortsReason);
    }
    return success;
  },
};
