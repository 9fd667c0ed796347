/**
 * `skiff server`'s join token: kept in `<data-dir>/token` (mode 0600, k3s's
 * `server/token` file) as `K10<CA hash>::<id>.<secret>`, with the bootstrap
 * token Secret it needs in the API. On every start: reuse the token in the
 * file when it parses and its hash matches the current CA, else mint one;
 * make sure its Secret exists and holds it; only then write the file, so a
 * token on disk is always one the API accepts. Nothing here logs the token.
 */
import { randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Secret } from 'kubernetes-types/core/v1';
import type { ApiClient } from '../../apiserver/client/types.ts';
import { isAlreadyExists } from '../../apiserver/client/types.ts';
import { Secrets } from '../../apiserver/client/resources.ts';
import { RestClient } from '../../apiserver/client/rest.ts';
import { loadKubeconfig } from '../../apiserver/client/kubeconfig.ts';
import { readIfExists, writeFileAtomic } from '../pki/files.ts';
import { BOOTSTRAP_NAMESPACE, bootstrapSecretName, bootstrapTokenSecret, secretHoldsToken } from './bootstrap-secret.ts';
import { caHash, formatJoinToken, newBootstrapToken, parseJoinToken } from './token.ts';

/** `<dataDir>/token`. Pure. */
export function tokenPath(dataDir: string): string {
  return join(dataDir, 'token');
}

/** What `ensureJoinToken` did: the file path and whether the token is new. */
export interface JoinTokenReport {
  path: string;
  created: boolean;
}

/**
 * Ensures the join token for the CA at `caFile` (see the file doc), through
 * `client` (an admin client). Idempotent: a second call changes nothing.
 * Throws on API errors (the caller retries) and I/O errors; the file is
 * only written after the Secret is in place.
 */
export async function ensureJoinToken(dataDir: string, caFile: string, client: ApiClient): Promise<JoinTokenReport> {
  const path = tokenPath(dataDir);
  const caPem = await readFile(caFile);
  const onDisk = await readIfExists(path);
  const parsed = onDisk === undefined ? undefined : parseJoinToken(onDisk);
  const reuse = parsed !== undefined && !('error' in parsed) && parsed.caHash === caHash(caPem);
  const t = reuse ? parsed : newBootstrapToken(randomInt);
  const want = bootstrapTokenSecret(t);
  const name = bootstrapSecretName(t.id);
  const have = await client.tryGet<Secret>(Secrets, name, BOOTSTRAP_NAMESPACE);
  if (!have) {
    try {
      await client.create<Secret>(Secrets, want, BOOTSTRAP_NAMESPACE);
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      await client.update<Secret>(Secrets, want, BOOTSTRAP_NAMESPACE);
    }
  } else if (!secretHoldsToken(have, t)) {
    await client.update<Secret>(Secrets, { ...want, metadata: { ...want.metadata, resourceVersion: have.metadata?.resourceVersion } }, BOOTSTRAP_NAMESPACE);
  }
  const text = `${formatJoinToken(caPem, t)}\n`;
  if (onDisk !== text) await writeFileAtomic(path, text);
  return { path, created: !reuse };
}

/**
 * `skiff server`'s step once the apiserver is healthy: ensures the join
 * token through the admin kubeconfig, retrying API errors for up to
 * `timeoutMs`. Resolves the report, or an error value (never the token).
 */
export async function publishJoinToken(dataDir: string, caFile: string, adminKubeconfig: string, timeoutMs: number, signal?: AbortSignal): Promise<JoinTokenReport | { error: string }> {
  const client = new RestClient({ ...loadKubeconfig(adminKubeconfig), userAgent: 'skiff-server' });
  const end = Date.now() + timeoutMs;
  let last = '';
  try {
    while (!signal?.aborted) {
      try {
        return await ensureJoinToken(dataDir, caFile, client);
      } catch (e) {
        last = e instanceof Error ? e.message : String(e);
      }
      if (Date.now() + 500 > end) break;
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    client.close();
  }
  return { error: `could not publish the join token: ${last || 'stopped'}` };
}
