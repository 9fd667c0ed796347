/**
 * `skiff server`'s side of cluster-config.ts: publish the network settings
 * once the apiserver answers, retrying until it does.
 */
import { RestClient } from '../../apiserver/client/rest.ts';
import { loadKubeconfig } from '../../apiserver/client/kubeconfig.ts';
import { ensureClusterConfig, type ClusterNetwork } from './cluster-config.ts';

/**
 * Ensures ConfigMap kube-system/skiff-cluster-config (and its Role) holds
 * `net`, as the admin of `adminKubeconfig`, retrying every 500 ms for up to
 * `timeoutMs` (the apiserver may still be starting or its RBAC not yet
 * bootstrapped) or until `signal` aborts. Resolves whether it was written,
 * or the last error; never throws.
 */
export async function publishClusterConfig(adminKubeconfig: string, net: ClusterNetwork, timeoutMs: number, signal?: AbortSignal): Promise<{ stored: boolean } | { error: string }> {
  const client = new RestClient({ ...loadKubeconfig(adminKubeconfig), userAgent: 'skiff-server' });
  const end = Date.now() + timeoutMs;
  let last = '';
  try {
    while (!signal?.aborted) {
      try {
        return await ensureClusterConfig(client, net);
      } catch (e) {
        last = e instanceof Error ? e.message : String(e);
      }
      if (Date.now() + 500 > end) break;
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    client.close();
  }
  return { error: `could not publish the cluster network settings: ${last || 'stopped'}` };
}
