/**
 * The secrets a second control-plane node needs, sealed with the join token
 * (k3s's "bootstrap data" with an external datastore, pkg/cluster/storage.go:
 * stored in the datastore encrypted with a key derived from the token).
 * What is shared: the cluster CA cert and key (tls/server-ca.*: every
 * server signs its own serving and client certs with it, so one admin cert
 * works against every server) and the ServiceAccount signing key
 * (tls/service.key: every apiserver must verify the tokens any
 * controller-manager signed). The etcd client credentials are not shared:
 * with an external etcd each server is given them by flags. With the
 * embedded etcd the etcd CA is shared too (EMBEDDED_BOOTSTRAP_FILES) and the
 * sealed text travels in a Secret instead (server-bootstrap-secret.ts).
 *
 * Sealing: key = PBKDF2-SHA256(`<id>.<secret>`, 16 random bytes of salt,
 * 100 000 rounds, 32 bytes); AES-256-GCM with a random 12-byte IV and the
 * etcd key as additional data. The etcd key is `/skiff/server-bootstrap/`
 * plus the hex SHA-256 of `<id>.<secret>`, so only a holder of the token
 * finds and opens it; etcd itself needs a client cert besides.
 *
 * The payload also carries the cluster's agent token (`agent-token`:
 * `<id>.<secret>`, not a file), so every server serves the same one
 * (agent-token.ts).
 *
 * Who can open it: anyone holding the SERVER token AND the etcd client
 * credentials. Agents hold the agent token (agent-token.ts), or at most the
 * server token but never etcd credentials. Pure apart from the injected
 * randomness and the async PBKDF2 of node:crypto.
 */
import { createCipheriv, createDecipheriv, createHash, pbkdf2 } from 'node:crypto';

/** The file names of ServerBootstrapData (under `<data-dir>/tls/`), in a fixed order. */
export const BOOTSTRAP_FILES = ['server-ca.crt', 'server-ca.key', 'service.key'] as const;

/**
 * What a server joining an EMBEDDED etcd needs besides: the etcd CA cert
 * and key (tls/etcd/server-ca.*), so it issues its own etcd serving, peer
 * and client certs (with its own address as SAN) that every member trusts
 * (k3s shares the etcd CA the same way in its bootstrap data).
 */
export const EMBEDDED_BOOTSTRAP_FILES = [...BOOTSTRAP_FILES, 'etcd/server-ca.crt', 'etcd/server-ca.key'] as const;

/** A bootstrap file name, relative to `<data-dir>/tls/`. */
export type BootstrapFile = (typeof EMBEDDED_BOOTSTRAP_FILES)[number];

/** The shared files of an external-etcd cluster, PEM text, by their name under `<data-dir>/tls/`. */
export type ServerBootstrapData = Record<(typeof BOOTSTRAP_FILES)[number], string>;

/** The shared files of an embedded-etcd cluster (EMBEDDED_BOOTSTRAP_FILES). */
export type EmbeddedBootstrapData = Record<BootstrapFile, string>;

/** The payload key of the agent token (not a file). */
export const AGENT_TOKEN_KEY = 'agent-token';
const BEARER = /^[a-z0-9]{6}\.[a-z0-9]{16}$/;

/** PBKDF2 rounds of the sealing key. */
const ROUNDS = 100_000;

/** The etcd key of the bootstrap data sealed with bootstrap token `<id>.<secret>`. Pure. */
export function bootstrapEtcdKey(passphrase: string): string {
  return `/skiff/server-bootstrap/${createHash('sha256').update(passphrase, 'utf8').digest('hex')}`;
}

/** The stored form (JSON text in etcd): base64 fields. */
interface Sealed {
  v: 1;
  salt: string;
  iv: string;
  tag: string;
  data: string;
}

function deriveKey(passphrase: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => pbkdf2(passphrase, salt, ROUNDS, 32, 'sha256', (err, key) => (err ? reject(err) : resolve(key))));
}

/**
 * Seals `data` (and `agentToken`, `<id>.<secret>`, when given) for
 * `passphrase` (`<id>.<secret>`) under etcd key `key`; `random(n)` gives n
 * random bytes (node:crypto randomBytes in production). Resolves the JSON
 * text to store.
 */
export async function sealBootstrap(
  data: Readonly<Partial<Record<BootstrapFile, string>>>, passphrase: string, key: string, random: (n: number) => Buffer, agentToken?: string,
): Promise<string> {
  const salt = random(16);
  const iv = random(12);
  const cipher = createCipheriv('aes-256-gcm', await deriveKey(passphrase, salt), iv);
  cipher.setAAD(Buffer.from(key, 'utf8'));
  const payload = agentToken === undefined ? data : { ...data, [AGENT_TOKEN_KEY]: agentToken };
  const body = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
  const sealed: Sealed = { v: 1, salt: salt.toString('base64'), iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: body.toString('base64') };
  return JSON.stringify(sealed);
}

/**
 * Opens what sealBootstrap stored under `key`, expecting `files` (default
 * BOOTSTRAP_FILES). Errors as values: not our format, a wrong passphrase
 * or tampered bytes (GCM authentication fails), or a payload without one
 * of the PEM files. Never includes key material in a message.
 */
export async function openBootstrap(text: string, passphrase: string, key: string): Promise<ServerBootstrapData | { error: string }>;
export async function openBootstrap<F extends BootstrapFile>(text: string, passphrase: string, key: string, files: readonly F[]): Promise<Record<F, string> | { error: string }>;
export async function openBootstrap(text: string, passphrase: string, key: string, files: readonly BootstrapFile[] = BOOTSTRAP_FILES): Promise<Partial<Record<BootstrapFile, string>> | { error: string }> {
  const p = await openBootstrapPayload(text, passphrase, key, files);
  return 'error' in p ? p : p.files;
}

/**
 * Like openBootstrap, and also the agent token of the payload (`undefined`
 * when it has none: sealed by an older Skiff). A present but malformed
 * agent token is an error value.
 */
export async function openBootstrapPayload<F extends BootstrapFile>(
  text: string, passphrase: string, key: string, files: readonly F[],
): Promise<{ files: Record<F, string>; agentToken?: string } | { error: string }> {
  let s: Partial<Sealed>;
  try {
    s = JSON.parse(text) as Partial<Sealed>;
  } catch {
    return { error: 'the stored server bootstrap data is not JSON' };
  }
  if (s.v !== 1 || typeof s.salt !== 'string' || typeof s.iv !== 'string' || typeof s.tag !== 'string' || typeof s.data !== 'string') {
    return { error: 'the stored server bootstrap data has an unknown format' };
  }
  let plain: string;
  try {
    const d = createDecipheriv('aes-256-gcm', await deriveKey(passphrase, Buffer.from(s.salt, 'base64')), Buffer.from(s.iv, 'base64'));
    d.setAAD(Buffer.from(key, 'utf8'));
    d.setAuthTag(Buffer.from(s.tag, 'base64'));
    plain = Buffer.concat([d.update(Buffer.from(s.data, 'base64')), d.final()]).toString('utf8');
  } catch {
    return { error: 'cannot open the server bootstrap data: the token does not match the one it was sealed with' };
  }
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(plain) as Record<string, unknown>;
  } catch {
    return { error: 'the server bootstrap data is not JSON' };
  }
  const out: Partial<Record<F, string>> = {};
  for (const f of files) {
    const v = parsed[f];
    if (typeof v !== 'string' || !v.includes('-----BEGIN ')) return { error: `the server bootstrap data lacks ${f}` };
    out[f] = v;
  }
  const agent = parsed[AGENT_TOKEN_KEY];
  if (agent === undefined) return { files: out as Record<F, string> };
  if (typeof agent !== 'string' || !BEARER.test(agent)) return { error: 'the server bootstrap data has a malformed agent token' };
  return { files: out as Record<F, string>, agentToken: agent };
}

/**
 * What to do with the bootstrap data `want` (its files in key order)
 * against the joining server's data dir (`have`: each file's current text,
 * undefined when absent): write the missing files, keep identical ones,
 * and refuse (error value naming the file) when one differs: that data dir
 * belongs to another cluster. Pure.
 */
export function decideBootstrapWrite<F extends BootstrapFile>(have: Partial<Record<F, string>>, want: Record<F, string>): { write: F[] } | { error: string } {
  const write: F[] = [];
  for (const f of Object.keys(want) as F[]) {
    const h = have[f];
    if (h === undefined) write.push(f);
    else if (h !== want[f]) return { error: `tls/${f} in the data dir differs from the cluster's: this data dir belongs to another cluster (use a fresh --data-dir)` };
  }
  return { write };
}
