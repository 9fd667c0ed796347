/**
 * `skiff server`'s server token: kept in `<data-dir>/token` (mode 0600, k3s's
 * `server/token` file) as `K10<CA hash>::<id>.<secret>`, with the bootstrap
 * token Secret it needs in the API (kind `server`: bootstrap-secret.ts).
 * On every start: reuse the token in the file when it parses and its hash
 * matches the current CA, else mint one; make sure its Secret exists and holds it; only then write the file, so a
 * token on disk is always one the API accepts. Nothing here logs the token.
 */
import { randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ApiClient } from '../../apiserver/client/types.ts';
import { readIfExists, writeFileAtomic } from '../pki/files.ts';
import { tokenPath } from './paths.ts';
import { ensureTokenSecret } from './token-secret.ts';
import { caHash, formatJoinToken, newBootstrapToken, parseJoinToken } from './token.ts';
import { ensureAgentToken } from './agent-token.ts';
import { withAdminRetry } from './admin-retry.ts';

export { tokenPath } from './paths.ts';

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
  await ensureTokenSecret(client, t, 'server');
  const text = `${formatJoinToken(caPem, t)}\n`;
  if (onDisk !== text) await writeFileAtomic(path, text);
  return { path, created: !reuse };
}

/** What publishJoinToken did: both token files and whether each is new, or why the agent token was refused. */
export interface PublishedTokens {
  server: JoinTokenReport;
  agent: JoinTokenReport | { error: string };
}

/**
 * `skiff server`'s step once the apiserver is healthy: ensures the server
 * token, then the agent token (agent-token.ts ensureAgentToken, with
 * `agentTokenFlag`, the value of --agent-token), through the admin
 * kubeconfig, retrying API errors for up to `timeoutMs`. Resolves both
 * reports (the agent's an error value when --agent-token is refused: the
 * server token still serves), or an error value for API errors past the
 * timeout. Never includes a token.
 */
export async function publishJoinToken(
  dataDir: string, caFile: string, adminKubeconfig: string, timeoutMs: number, signal?: AbortSignal, agentTokenFlag?: string,
): Promise<PublishedTokens | { error: string }> {
  return withAdminRetry(adminKubeconfig, 'could not publish the join tokens', timeoutMs, signal, async (client): Promise<PublishedTokens> => {
    const server = await ensureJoinToken(dataDir, caFile, client);
    const agent = await ensureAgentToken(dataDir, caFile, client, agentTokenFlag);
    return { server, agent: 'error' in agent ? { error: `cannot publish the agent token: ${agent.error}` } : agent };
  });
}
