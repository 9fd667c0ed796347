/**
 * NodePorts filter (kube-scheduler plugins/nodeports): a pod asking for a
 * host port (containers[].ports[].hostPort; for hostNetwork pods the
 * containerPort, as apiserver defaulting would set) does not fit a node where
 * a pod already holds the same protocol+port on an overlapping host IP
 * (0.0.0.0 overlaps every IP). Reads the node's UsedPorts aggregate, so the
 * check is O(ports wanted), not O(pods on the node). Reason: "node(s) didn't
 * have free ports for the requested pod ports".
 */
import type { Pod } from 'kubernetes-types/core/v1';
import { hostPortsOf, portKey } from '../../framework/nodeinfo.ts';
import { skip, success, unschedulable, type CycleState, type FilterPlugin, type HostPort, type Status, type UsedPorts } from '../../framework/types.ts';

/** The reason text Kubernetes uses. */
export const nodePortsReason = "node(s) didn't have free ports for the requested pod ports";

export type { HostPort };
export { hostPortsOf };

const stateKey = 'NodePorts/wanted';

/** True if two host port claims collide. */
export function portsConflict(a: HostPort, b: HostPort): boolean {
  if (a.port !== b.port || a.protocol !== b.protocol) return false;
  return a.ip === '0.0.0.0' || b.ip === '0.0.0.0' || a.ip === b.ip;
}

/** True if `want` collides with a port in use (kube's HostPortInfo.CheckConflict). */
export function conflictsWithUsed(want: HostPort, used: UsedPorts): boolean {
  const ips = used.get(portKey(want));
  if (!ips || ips.size === 0) return false;
  return want.ip === '0.0.0.0' || ips.has('0.0.0.0') || ips.has(want.ip);
}

/** The NodePorts filter plugin. */
export const nodePorts: FilterPlugin = {
  name: 'NodePorts',
  preFilter(state: CycleState, pod: Pod): Status | void {
    const wanted = hostPortsOf(pod);
    state.write(stateKey, wanted);
    if (wanted.length === 0) return skip;
  },
  filter(state, pod, nodeInfo): Status {
    const wanted = state.getOrCompute(stateKey, () => hostPortsOf(pod));
    if (wanted.length === 0 || nodeInfo.usedPorts.size === 0) return success;
    for (const w of wanted) if (conflictsWithUsed(w, nodeInfo.usedPorts)) return unschedulable(nodePortsReason);
    return success;
  },
};
