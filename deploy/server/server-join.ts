/**
 * A second control-plane node: `skiff server --server https://first:6443
 * --token T` with the same external etcd as the first. Both sides of the
 * server bootstrap data (deploy/join/server-bootstrap.ts):
 * - every server with an external etcd publishes the cluster CA and the
 *   ServiceAccount key into etcd, sealed with its join token, once its
 *   token exists (publishServerBootstrap);
 * - a joining server checks the first server's CA against the token's hash
 *   (deploy/agent/cacerts.ts fetchServerCA: nothing is trusted before),
 *   asks the server who the token is (deploy/join/token-kind.ts: an agent
 *   token is refused, nothing written), reads the sealed data from etcd,
 *   checks that the CA in it is that same CA, and writes the files, the
 *   token and the cluster's agent token into its own data dir
 *   (joinAsServer); ensurePKI then issues its own leaf certs from that CA.
 * With the embedded etcd the bootstrap data travels through the API server
 * instead, and the joiner adds an etcd member: server-join-embedded.ts.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Etcd3 } from 'etcd3';
import { createEtcdClient, readEtcdClientTLS } from '../../apiserver/storage/etcd-client.ts';
import { fetchServerCA } from '../agent/cacerts.ts';
import { BOOTSTRAP_FILES, bootstrapEtcdKey, decideBootstrapWrite, openBootstrapPayload, sealBootstrap, type BootstrapFile, type ServerBootstrapData } from '../join/server-bootstrap.ts';
import { tokenPath } from '../join/paths.ts';
import { checkServerToken } from '../join/token-kind.ts';
import { RestClient } from '../../apiserver/client/rest.ts';
import { readAgentBearer, writeAgentToken } from '../join/agent-token.ts';
import { bearerOf, caHash, parseJoinToken } from '../join/token.ts';
import { ensurePrivateDir, readIfExists, writeFileAtomic } from '../pki/files.ts';
import { tlsDir } from '../pki/layout.ts';
import type { ExternalEtcd } from './external-etcd.ts';
import { pollUntil } from './wait.ts';

/** `--server` and `--token` of a joining server. */
export interface ServerJoin {
  /** https://host:port of a running server of the cluster. */
  server: string;
  /** Its join token, K10<CA hash>::<id>.<secret>. */
  token: string;
}

async function withEtcd<T>(etcd: ExternalEtcd, fn: (c: Etcd3) => Promise<T>): Promise<T> {
  const client = createEtcdClient({ hosts: etcd.endpoints, ...(etcd.tls ? { tls: await readEtcdClientTLS(etcd.tls) } : {}) });
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

/** The bootstrap `files` (default BOOTSTRAP_FILES) found under `<dataDir>/tls/`, by name; absent ones left out. Throws only on I/O errors other than ENOENT. */
export async function readBootstrapFiles<F extends BootstrapFile = (typeof BOOTSTRAP_FILES)[number]>(dataDir: string, files: readonly F[] = BOOTSTRAP_FILES as readonly BootstrapFile[] as readonly F[]): Promise<Partial<Record<F, string>>> {
  const out: Partial<Record<F, string>> = {};
  for (const f of files) {
    const text = await readIfExists(join(tlsDir(dataDir), f));
    if (text !== undefined) out[f] = text;
  }
  return out;
}

/**
 * Seals this server's CA and ServiceAccount key (and the agent token of
 * `<dataDir>/agent-token`, when there is one) with the token in
 * `<dataDir>/token` and stores them in `etcd` unless what is stored
 * already opens to the same. Resolves what it did, or an error
 * value (no token yet, a file missing, etcd unreachable); never the token.
 */
export async function publishServerBootstrap(dataDir: string, etcd: ExternalEtcd): Promise<{ stored: boolean } | { error: string }> {
  const text = await readIfExists(tokenPath(dataDir));
  const token = text === undefined ? { error: 'no join token yet' } : parseJoinToken(text);
  if ('error' in token) return { error: `cannot publish the server bootstrap data: ${token.error}` };
  const files = await readBootstrapFiles(dataDir);
  const missing = BOOTSTRAP_FILES.filter((f) => files[f] === undefined);
  if (missing.length > 0) return { error: `cannot publish the server bootstrap data: missing tls/${missing.join(', tls/')}` };
  const data = files as ServerBootstrapData;
  const pass = bearerOf(token);
  const key = bootstrapEtcdKey(pass);
  const agent = await readAgentBearer(dataDir);
  try {
    return await withEtcd(etcd, async (c) => {
      const have = await c.get(key).string();
      if (have !== null) {
        const opened = await openBootstrapPayload(have, pass, key, BOOTSTRAP_FILES);
        if (!('error' in opened) && opened.agentToken === agent && BOOTSTRAP_FILES.every((f) => opened.files[f] === data[f])) return { stored: false };
      }
      await c.put(key).value(await sealBootstrap(data, pass, key, randomBytes, agent));
      return { stored: true };
    });
  } catch (err) {
    return { error: `cannot publish the server bootstrap data to etcd: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/**
 * Joins `dataDir` to the cluster of `j.server` (see the file doc), waiting
 * up to `timeoutMs` for the sealed data to appear in etcd (the first server
 * publishes it once its token exists). A data dir that already holds the
 * three files, with the CA the token names, is a restart: resolves
 * `{ wrote: [] }` at once, without contacting `j.server` (it may be the one
 * that is down) or etcd. Else resolves `{ wrote }` (the files written), or an error value for the operator: a bad
 * token, a CA that does not match its hash, data sealed with another token,
 * or a data dir of another cluster. Nothing is written on an error.
 */
export async function joinAsServer(dataDir: string, j: ServerJoin, etcd: ExternalEtcd, timeoutMs: number, signal?: AbortSignal): Promise<{ wrote: string[] } | { error: string }> {
  const token = parseJoinToken(j.token);
  if ('error' in token) return { error: `invalid --token: ${token.error}` };
  // A restart of a joined server: it already holds the CA the token names and the rest, so it
  // needs neither --server (which may be the one that is down) nor etcd to start.
  const local = await readBootstrapFiles(dataDir);
  if (BOOTSTRAP_FILES.every((f) => local[f] !== undefined) && caHash(local['server-ca.crt'] ?? '') === token.caHash) return { wrote: [] };
  const ca = await fetchServerCA(j.server, token.caHash);
  if ('error' in ca) return ca;
  const pass = bearerOf(token);
  const api = new RestClient({ baseUrl: j.server.replace(/\/+$/, ''), ca: ca.caPem, token: pass, userAgent: 'skiff-server-join' });
  try {
    const kind = await checkServerToken(api, j.server);
    if ('error' in kind) return kind;
  } catch (err) {
    return { error: `cannot ask ${j.server} who the token is: ${err instanceof Error ? err.message : String(err)}` };
  } finally {
    api.close();
  }
  const key = bootstrapEtcdKey(pass);
  const got: { text: string | null } = { text: null };
  try {
    await withEtcd(etcd, async (c) => {
      await pollUntil(async () => {
        got.text = await c.get(key).string();
        return got.text !== null;
      }, { timeoutMs, intervalMs: 500, ...(signal ? { signal } : {}) });
    });
  } catch (err) {
    return { error: `cannot read the server bootstrap data from etcd: ${err instanceof Error ? err.message : String(err)}` };
  }
  const stored = got.text;
  if (stored === null) return { error: `no server bootstrap data for this token in etcd after ${Math.round(timeoutMs / 1000)}s: is ${j.server} running with the same --etcd-servers?` };
  const opened = await openBootstrapPayload(stored, pass, key, BOOTSTRAP_FILES);
  if ('error' in opened) return opened;
  const data = opened.files;
  if (caHash(data['server-ca.crt']) !== token.caHash || data['server-ca.crt'] !== ca.caPem) {
    return { error: 'the CA in etcd is not the one the token names and the server serves: refusing to join' };
  }
  const plan = decideBootstrapWrite(await readBootstrapFiles(dataDir), data);
  if ('error' in plan) return plan;
  await ensurePrivateDir(tlsDir(dataDir));
  for (const f of plan.write) await writeFileAtomic(join(tlsDir(dataDir), f), data[f]);
  // The same token on this server: its publishJoinToken reuses it rather than minting another.
  const tokenText = `${j.token.trim()}\n`;
  if ((await readIfExists(tokenPath(dataDir))) !== tokenText) await writeFileAtomic(tokenPath(dataDir), tokenText);
  await writeAgentToken(dataDir, ca.caPem, opened.agentToken);
  return { wrote: plan.write };
}
