/**
 * The node safety net for service VIPs: a route for the whole service CIDR
 * so a VIP that no rule translates can never follow the default route off
 * the node.
 */
import { mustExec, type Exec } from './exec.ts';

/**
 * 'blackhole': `ip route replace blackhole <cidr>`. Safe, but a blackhole
 * route also fails connect() from the node itself BEFORE nat OUTPUT runs
 * (measured: curl to a DNATed VIP fails in 0 ms), so host-network clients
 * can't reach services.
 * 'local-dev': `ip route replace <cidr> dev lo`: VIPs still never leave the
 * node (lo delivers nowhere, and the filter rules REJECT unallocated VIPs),
 * and host-originated connections reach nat OUTPUT and get DNATed. Default.
 */
export type ServiceRouteMode = 'blackhole' | 'local-dev';

function routeArgs(cidr: string, mode: ServiceRouteMode): string[] {
  return mode === 'blackhole' ? ['blackhole', cidr] : [cidr, 'dev', 'lo'];
}

/** Installs the service CIDR route (idempotent: `ip route replace`). Throws if `ip` fails. */
export async function ensureServiceRoute(exec: Exec, serviceCIDR: string, mode: ServiceRouteMode = 'local-dev'): Promise<void> {
  await mustExec(exec, 'ip', ['route', 'replace', ...routeArgs(serviceCIDR, mode)]);
}

/** Removes the service CIDR route of either mode; no error if absent. */
export async function removeServiceRoute(exec: Exec, serviceCIDR: string): Promise<void> {
  for (const mode of ['blackhole', 'local-dev'] as const) {
    await exec('ip', ['route', 'del', ...routeArgs(serviceCIDR, mode)]);
  }
}

/**
 * The same safety net for pod addresses: `ip route replace blackhole
 * <clusterCIDR>`. This node's own pods stay reachable through the more
 * specific connected route of its podCIDR on the CNI bridge (e.g.
 * 10.244.0.0/24 dev cni0); any other pod address in the cluster CIDR is
 * dropped here instead of following the default route off the machine.
 * Idempotent. Throws if `ip` fails.
 */
export async function ensureClusterRoute(exec: Exec, clusterCIDR: string): Promise<void> {
  await mustExec(exec, 'ip', ['route', 'replace', 'blackhole', clusterCIDR]);
}

/** Removes the cluster CIDR blackhole route; no error if absent. */
export async function removeClusterRoute(exec: Exec, clusterCIDR: string): Promise<void> {
  await exec('ip', ['route', 'del', 'blackhole', clusterCIDR]);
}
