/**
 * `skiff server`'s agent token (k3s's `--agent-token` and its
 * `server/agent-token` file): kept in `<data-dir>/agent-token` (mode 0600)
 * as `K10<CA hash>::<id>.<secret>`, the same format as the server token,
 * with a bootstrap-token Secret of kind `agent` (bootstrap-secret.ts: only
 * the node group, so its bearer may create node CSRs and may NOT read the
 * server bootstrap data). Agents join with it; servers cannot.
 *
 * Deviation from k3s: without `--agent-token`, k3s's agent token is the
 * server token itself; Skiff mints a separate one, so by default no agent
 * machine holds a credential that opens the cluster CA key. The server
 * token still joins agents (as in k3s). The token is the same on every
 * server: a joining server learns it from the sealed bootstrap data
 * (server-bootstrap.ts) and writes this file before ensureAgentToken runs.
 * Changing it once set (rotation, k3s's `token rotate`) is not implemented.
 * Nothing here logs the token.
 */
import { randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ApiClient } from '../../apiserver/client/types.ts';
import { readIfExists, writeFileAtomic } from '../pki/files.ts';
import { agentTokenPath, tokenPath } from './paths.ts';
import { ensureTokenSecret } from './token-secret.ts';
import { bearerOf, caHash, formatJoinToken, newBootstrapToken, parseJoinToken } from './token.ts';

type Creds = { id: string; secret: string };
const BARE = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;

/**
 * Parses a `--agent-token` value: the full `K10<hash>::<id>.<secret>`
 * (its hash must be `wantHash`, the current CA's) or the bare bootstrap
 * token `<id>.<secret>`. Errors as values, never repeating the secret. Pure.
 */
export function parseAgentTokenFlag(text: string, wantHash: string): Creds | { error: string } {
  const s = text.trim();
  const bare = BARE.exec(s);
  if (bare) return { id: bare[1] ?? '', secret: bare[2] ?? '' };
  const t = parseJoinToken(s);
  if ('error' in t) return { error: `--agent-token must be <id>.<secret> (6 and 16 of a-z, 0-9) or a full K10 token: ${t.error}` };
  if (t.caHash !== wantHash) return { error: '--agent-token names another CA (its hash is not this cluster CA\'s)' };
  return { id: t.id, secret: t.secret };
}

/** What decideAgentToken chose: the token, and where it came from. */
export type AgentTokenChoice = { token: Creds; source: 'file' | 'flag' | 'new' } | { error: string };

/**
 * Chooses the agent token. `onDisk` is `<data-dir>/agent-token`'s text,
 * `flag` the --agent-token value, `caHashNow` the current CA's hash,
 * `serverId` the server token's id (an agent token must never share it:
 * its Secret would lose the server group), `mint` a fresh token. Rules:
 * 1. a file token for the current CA (and another id) is kept; a `flag`
 *    naming a different one is refused (rotation is not implemented);
 * 2. else a valid `flag` is taken (refused when it is the server token);
 * 3. else a fresh one is minted (again while its id collides). Pure.
 */
export function decideAgentToken(i: { onDisk?: string; flag?: string; caHashNow: string; serverId: string; mint: () => Creds }): AgentTokenChoice {
  const flag = i.flag === undefined ? undefined : parseAgentTokenFlag(i.flag, i.caHashNow);
  if (flag && 'error' in flag) return flag;
  const file = i.onDisk === undefined ? undefined : parseJoinToken(i.onDisk);
  if (file && !('error' in file) && file.caHash === i.caHashNow && file.id !== i.serverId) {
    if (flag && bearerOf(flag) !== bearerOf(file)) {
      return { error: '--agent-token differs from the cluster\'s agent token in <data-dir>/agent-token: changing it is not supported (drop the flag, or give the one in that file)' };
    }
    return { token: { id: file.id, secret: file.secret }, source: 'file' };
  }
  if (flag) {
    if (flag.id === i.serverId) return { error: '--agent-token must differ from the server token (the server token opens the server bootstrap data)' };
    return { token: flag, source: 'flag' };
  }
  for (;;) {
    const t = i.mint();
    if (t.id !== i.serverId) return { token: t, source: 'new' };
  }
}

/**
 * Ensures the agent token for the CA at `caFile` (see the file doc) through
 * `client` (an admin client), after the server token (`<dataDir>/token`)
 * exists. Resolves the file path and whether the token is new, or an error
 * value (no server token yet, a refused --agent-token); throws API and I/O
 * errors (the caller retries). The file is only written after the Secret.
 */
export async function ensureAgentToken(dataDir: string, caFile: string, client: ApiClient, flag?: string): Promise<{ path: string; created: boolean } | { error: string }> {
  const caPem = await readFile(caFile);
  const server = parseJoinToken((await readIfExists(tokenPath(dataDir))) ?? '');
  if ('error' in server) return { error: `no server token yet (${server.error})` };
  const path = agentTokenPath(dataDir);
  const onDisk = await readIfExists(path);
  const choice = decideAgentToken({
    ...(onDisk !== undefined ? { onDisk } : {}), ...(flag !== undefined ? { flag } : {}),
    caHashNow: caHash(caPem), serverId: server.id, mint: () => newBootstrapToken(randomInt),
  });
  if ('error' in choice) return choice;
  await ensureTokenSecret(client, choice.token, 'agent');
  const text = `${formatJoinToken(caPem, choice.token)}\n`;
  if (onDisk !== text) await writeFileAtomic(path, text);
  return { path, created: choice.source !== 'file' };
}

/**
 * Writes the cluster's agent token (`<id>.<secret>` from the bootstrap
 * data) as `<dataDir>/agent-token` in the K10 format for `caPem`, so this
 * server's ensureAgentToken keeps it rather than minting another. Without
 * one (data sealed by an older Skiff) nothing is written.
 */
export async function writeAgentToken(dataDir: string, caPem: string, agentToken: string | undefined): Promise<void> {
  if (agentToken === undefined) return;
  const [id = '', secret = ''] = agentToken.split('.');
  const text = `${formatJoinToken(caPem, { id, secret })}\n`;
  if ((await readIfExists(agentTokenPath(dataDir))) !== text) await writeFileAtomic(agentTokenPath(dataDir), text);
}

/** The agent token's `<id>.<secret>` in `<dataDir>/agent-token`, or undefined when there is none (yet). */
export async function readAgentBearer(dataDir: string): Promise<string | undefined> {
  const text = await readIfExists(agentTokenPath(dataDir));
  const t = text === undefined ? undefined : parseJoinToken(text);
  return t === undefined || 'error' in t ? undefined : bearerOf(t);
}
