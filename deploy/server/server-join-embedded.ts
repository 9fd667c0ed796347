/**
 * A second control-plane node of a cluster whose first server runs the
 * EMBEDDED etcd (`skiff server --server https://first:6443 --token T`
 * without --etcd-servers), the bootstrap half; etcd-join.ts and
 * embedded-etcd.ts add its etcd member. Both sides:
 * - every embedded-etcd server, once its join token exists, publishes the
 *   cluster CA, the ServiceAccount key and the etcd CA, sealed with the
 *   token, in Secret kube-system/skiff-server-bootstrap, with its etcd's
 *   voting members' client URLs (publishEmbeddedBootstrap;
 *   deploy/join/server-bootstrap-secret.ts);
 * - a joining server checks `--server`'s CA against the token's hash
 *   (fetchServerCA: nothing is trusted before), asks who the token is
 *   (token-kind.ts: an agent token is refused here, nothing written), reads
 *   that Secret over the verified TLS with the token as its bearer, opens
 *   it, checks the CA in it is the CA the server serves, and writes the
 *   five files, the token and the cluster's agent token into its data dir
 *   (joinEmbedded); ensurePKI then issues its own
 *   serving, etcd server, peer and client certs from the shared CAs.
 * Nothing here logs the token or key material.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { RestClient } from '../../apiserver/client/rest.ts';
import { loadKubeconfig } from '../../apiserver/client/kubeconfig.ts';
import { ApiError } from '../../apiserver/client/types.ts';
import { readEtcdClientTLS, type EtcdClientTLSFiles } from '../../apiserver/storage/etcd-client.ts';
import { fetchServerCA } from '../agent/cacerts.ts';
import { ensureServerBootstrapSecret, openServerBootstrapSecret } from '../join/server-bootstrap-secret.ts';
import { EMBEDDED_BOOTSTRAP_FILES, decideBootstrapWrite, type EmbeddedBootstrapData } from '../join/server-bootstrap.ts';
import { tokenPath } from '../join/paths.ts';
import { readAgentBearer, writeAgentToken } from '../join/agent-token.ts';
import { checkServerToken } from '../join/token-kind.ts';
import { bearerOf, caHash, parseJoinToken } from '../join/token.ts';
import { ensurePrivateDir, readIfExists, writeFileAtomic } from '../pki/files.ts';
import { tlsDir } from '../pki/layout.ts';
import { etcdJoinMarker } from './embedded-etcd.ts';
import { listMembers, membershipClient } from './etcd-join.ts';
import { votingClientURLs } from './etcd-members.ts';
import type { ServerJoin } from './server-join.ts';
import { readBootstrapFiles } from './server-join.ts';

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** What joinEmbedded did: the files written, and the etcd client URLs to add the member through (undefined on a restart). */
export interface EmbeddedJoin {
  wrote: string[];
  etcdClientURLs?: string[];
}

/**
 * Joins `dataDir` to the cluster of `j.server` (see the file doc), waiting
 * up to `timeoutMs` for the Secret (the first server publishes it once its
 * token exists). A restart, where the data dir holds the five files with
 * the CA the token names and its etcd member (or an unfinished etcd join,
 * which knows its endpoints), resolves `{ wrote: [] }` at once without
 * contacting `j.server`. Else resolves `{ wrote, etcdClientURLs }`, or an
 * error value for the operator: a bad token, a CA that does not match its
 * hash, a token the server refuses, data sealed with another token, or a
 * data dir of another cluster. Nothing is written on an error.
 */
export async function joinEmbedded(dataDir: string, etcdDir: string, j: ServerJoin, timeoutMs: number, signal?: AbortSignal): Promise<EmbeddedJoin | { error: string }> {
  const token = parseJoinToken(j.token);
  if ('error' in token) return { error: `invalid --token: ${token.error}` };
  const local = await readBootstrapFiles(dataDir, EMBEDDED_BOOTSTRAP_FILES);
  const complete = EMBEDDED_BOOTSTRAP_FILES.every((f) => local[f] !== undefined) && caHash(local['server-ca.crt'] ?? '') === token.caHash;
  if (complete && (existsSync(join(etcdDir, 'member')) || existsSync(etcdJoinMarker(dataDir)))) return { wrote: [] };
  const ca = await fetchServerCA(j.server, token.caHash);
  if ('error' in ca) return ca;
  const pass = bearerOf(token);
  const client = new RestClient({ baseUrl: j.server.replace(/\/+$/, ''), ca: ca.caPem, token: pass, userAgent: 'skiff-server-join' });
  const end = Date.now() + timeoutMs;
  let got: Awaited<ReturnType<typeof openServerBootstrapSecret>>;
  let last = 'the Secret kube-system/skiff-server-bootstrap does not exist yet';
  try {
    let kind: Awaited<ReturnType<typeof checkServerToken>>;
    try {
      kind = await checkServerToken(client, j.server);
    } catch (err) {
      return { error: `cannot ask ${j.server} who the token is: ${message(err)}` };
    }
    if ('error' in kind) return kind;
    for (;;) {
      try {
        got = await openServerBootstrapSecret(client, pass);
        if (got !== undefined) break;
      } catch (err) {
        if (err instanceof ApiError && err.code === 401) return { error: `${j.server} refused the token (HTTP 401): is it this cluster's current join token?` };
        last = message(err);
      }
      if (signal?.aborted || Date.now() + 500 > end) {
        return { error: `no server bootstrap data from ${j.server} after ${Math.round(timeoutMs / 1000)}s (${last}): is it a skiff server with the embedded etcd?` };
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    client.close();
  }
  if ('error' in got) return got;
  const { data, etcdClientURLs } = got;
  if (caHash(data['server-ca.crt']) !== token.caHash || data['server-ca.crt'] !== ca.caPem) {
    return { error: 'the CA in the server bootstrap data is not the one the token names and the server serves: refusing to join' };
  }
  if (etcdClientURLs.length === 0) return { error: 'the server bootstrap data names no etcd member to join' };
  const plan = decideBootstrapWrite(local, data);
  if ('error' in plan) return plan;
  for (const f of plan.write) {
    const path = join(tlsDir(dataDir), f);
    await ensurePrivateDir(dirname(path));
    await writeFileAtomic(path, data[f]);
  }
  const tokenText = `${j.token.trim()}\n`;
  if ((await readIfExists(tokenPath(dataDir))) !== tokenText) await writeFileAtomic(tokenPath(dataDir), tokenText);
  await writeAgentToken(dataDir, ca.caPem, got.agentToken);
  return { wrote: plan.write, etcdClientURLs };
}

/**
 * Publishes this server's bootstrap data (see the file doc) through the
 * admin kubeconfig, with the voting members' client URLs read from the
 * local etcd (`etcd`: its client URL and client credentials), retrying
 * errors for up to `timeoutMs`. Resolves whether the Secret was written,
 * or an error value (never the token).
 */
export async function publishEmbeddedBootstrap(
  dataDir: string, adminKubeconfig: string, etcd: { url: string; tls: EtcdClientTLSFiles }, timeoutMs: number, signal?: AbortSignal,
): Promise<{ stored: boolean } | { error: string }> {
  const end = Date.now() + timeoutMs;
  let last = '';
  while (!signal?.aborted) {
    try {
      return await publishOnce(dataDir, adminKubeconfig, etcd);
    } catch (err) {
      last = message(err);
    }
    if (Date.now() + 1000 > end) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return { error: `cannot publish the server bootstrap data: ${last || 'stopped'}` };
}

async function publishOnce(dataDir: string, adminKubeconfig: string, etcd: { url: string; tls: EtcdClientTLSFiles }): Promise<{ stored: boolean }> {
  const text = await readIfExists(tokenPath(dataDir));
  const token = text === undefined ? { error: 'no join token yet' } : parseJoinToken(text);
  if ('error' in token) throw new Error(token.error);
  const files = await readBootstrapFiles(dataDir, EMBEDDED_BOOTSTRAP_FILES);
  const missing = EMBEDDED_BOOTSTRAP_FILES.filter((f) => files[f] === undefined);
  if (missing.length > 0) throw new Error(`missing tls/${missing.join(', tls/')}`);
  const ec = membershipClient([etcd.url], await readEtcdClientTLS(etcd.tls));
  let urls: string[];
  try {
    urls = votingClientURLs(await listMembers(ec));
  } finally {
    ec.close();
  }
  const api = new RestClient({ ...loadKubeconfig(adminKubeconfig), userAgent: 'skiff-server' });
  try {
    return await ensureServerBootstrapSecret(api, files as EmbeddedBootstrapData, urls, bearerOf(token), randomBytes, await readAgentBearer(dataDir));
  } finally {
    api.close();
  }
}
