/**
 * `skiff server`'s side of cluster-config.ts: publish the network settings
 * once the apiserver answers, retrying until it does.
 */
import { withAdminRetry } from './admin-retry.ts';
import { ensureClusterConfig, type ClusterNetwork } from './cluster-config.ts';

/**
 * Ensures ConfigMap kube-system/skiff-cluster-config (and its Role) holds
 * `net`, as the admin of `adminKubeconfig`, retrying for up to `timeoutMs`
 * (admin-retry.ts) or until `signal` aborts. Resolves whether it was
 * written, or the last error; never throws.
 */
export function publishClusterConfig(adminKubeconfig: string, net: ClusterNetwork, timeoutMs: number, signal?: AbortSignal): Promise<{ stored: boolean } | { error: string }> {
  return withAdminRetry(adminKubeconfig, 'could not publish the cluster network settings', timeoutMs, signal, (client) => ensureClusterConfig(client, net));
}
