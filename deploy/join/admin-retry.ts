/**
 * `skiff server`'s background publishing (join tokens, cluster network
 * settings): run API calls as the admin until they succeed, while the
 * apiserver is still starting or its RBAC not yet bootstrapped.
 */
import { RestClient } from '../../apiserver/client/rest.ts';
import { loadKubeconfig } from '../../apiserver/client/kubeconfig.ts';
import type { ApiClient } from '../../apiserver/client/types.ts';

/**
 * Runs `fn` with a client for `adminKubeconfig`, retrying every 500 ms
 * whatever it throws, for up to `timeoutMs` or until `signal` aborts.
 * Resolves `fn`'s result, or `{ error: "<what>: <last error>" }` (`what`
 * names the job, e.g. "could not publish the join tokens"). Never throws;
 * the client is closed in every case.
 */
export async function withAdminRetry<T>(adminKubeconfig: string, what: string, timeoutMs: number, signal: AbortSignal | undefined, fn: (client: ApiClient) => Promise<T>): Promise<T | { error: string }> {
  const client = new RestClient({ ...loadKubeconfig(adminKubeconfig), userAgent: 'skiff-server' });
  const end = Date.now() + timeoutMs;
  let last = '';
  try {
    while (!signal?.aborted) {
      try {
        return await fn(client);
      } catch (e) {
        last = e instanceof Error ? e.message : String(e);
      }
      if (Date.now() + 500 > end) break;
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    client.close();
  }
  return { error: `${what}: ${last || 'stopped'}` };
}
