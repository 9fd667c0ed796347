/**
 * Saving a snapshot: etcd's Maintenance.Snapshot RPC streamed from Node
 * (what `etcdctl snapshot save` does) into `<dir>/.<name>.part` (mode
 * 0600), checked against the SHA-256 etcd appends, fsynced, then linked to
 * `<dir>/<name>`, so a reader never sees a partial file and an existing
 * snapshot is never overwritten.
 */
import { link, open, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { createEtcdClient, readEtcdClientTLS, type EtcdClientTLSFiles } from '../../apiserver/storage/etcd-client.ts';
import { SnapshotHasher } from './integrity.ts';
import { isValidSnapshotName, snapshotFileName } from './naming.ts';
import { ensureSnapshotDir } from './store.ts';
import type { SnapshotEntry } from './retention.ts';

/** Where etcd is and how to dial it. */
export interface EtcdTarget {
  /** Client URL, e.g. https://127.0.0.1:2479. */
  url: string;
  /** The etcd CA and a client cert (PEM files); omit only for a plain-http etcd. */
  tls?: EtcdClientTLSFiles;
}

/** An expected failure, as a value. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: string };

/** What saveSnapshot needs. */
export interface SaveOptions {
  etcd: EtcdTarget;
  /** The snapshot dir; made (0700) if missing. */
  dir: string;
  /** Base name, e.g. on-demand or etcd-snapshot. */
  base: string;
  nodeName: string;
  /** The time in the file name. */
  now: Date;
  /** Deadline of the whole transfer in ms (default 10 min). */
  timeoutMs?: number;
}

/** A saved snapshot. */
export interface SavedSnapshot extends SnapshotEntry {
  /** Absolute file path. */
  path: string;
}

/**
 * Streams a snapshot of `o.etcd` into `<dir>/<base>-<node>-<seconds>`.
 * Resolves `{ ok: false }` when the name is invalid, a snapshot of that name
 * exists, etcd cannot be reached or refuses, the stream ends without a
 * valid digest, or the file cannot be written; nothing is left behind then.
 */
export async function saveSnapshot(o: SaveOptions): Promise<Outcome<SavedSnapshot>> {
  if (!isValidSnapshotName(o.base) || !isValidSnapshotName(o.nodeName)) {
    return { ok: false, error: `invalid snapshot name ${JSON.stringify(o.base)} (letters, digits, ".", "_", "-")` };
  }
  const name = snapshotFileName(o.base, o.nodeName, o.now);
  const path = join(o.dir, name);
  const part = join(o.dir, `.${name}.part`);
  let tls;
  try {
    tls = o.etcd.tls ? await readEtcdClientTLS(o.etcd.tls) : undefined;
  } catch (err) {
    return { ok: false, error: `cannot read the etcd client cert: ${message(err)}` };
  }
  try {
    await ensureSnapshotDir(o.dir);
  } catch (err) {
    return { ok: false, error: `cannot create ${o.dir}: ${message(err)}` };
  }
  let file: FileHandle | undefined;
  try {
    file = await open(part, 'wx', 0o600);
  } catch (err) {
    return { ok: false, error: `cannot write ${part}: ${message(err)}` };
  }
  const etcd = createEtcdClient({ hosts: [o.etcd.url], ...(tls ? { tls } : {}) });
  let size = 0;
  try {
    const streamed = await streamSnapshot(etcd, o.timeoutMs ?? 600_000, async (chunk) => { await file?.write(chunk); });
    if (!streamed.ok) return { ok: false, error: `snapshot of etcd at ${o.etcd.url} failed: ${streamed.error}` };
    size = streamed.value;
    await file?.sync();
    await file?.close();
    file = undefined;
    try {
      await link(part, path);
    } catch (err) {
      const exists = (err as NodeJS.ErrnoException).code === 'EEXIST';
      return { ok: false, error: exists ? `a snapshot named ${name} already exists in ${o.dir}` : `cannot write ${path}: ${message(err)}` };
    }
    return { ok: true, value: { name, path, size, created: new Date(Math.floor(o.now.getTime() / 1000) * 1000) } };
  } catch (err) {
    return { ok: false, error: message(err) };
  } finally {
    etcd.close();
    await file?.close().catch(() => undefined);
    await unlink(part).catch(() => undefined);
  }
}

/**
 * Runs Maintenance.Snapshot on `etcd`, handing each chunk to `write` in
 * order (one at a time), and resolves the byte count once the stream ended
 * with a valid digest.
 */
async function streamSnapshot(
  etcd: ReturnType<typeof createEtcdClient>, timeoutMs: number, write: (chunk: Buffer) => Promise<void>,
): Promise<Outcome<number>> {
  const hasher = new SnapshotHasher();
  let chain: Promise<void> = Promise.resolve();
  let writeError: unknown;
  try {
    const stream = await etcd.maintenance.snapshot({ deadline: Date.now() + timeoutMs });
    await new Promise<void>((resolve, reject) => {
      stream.on('data', (msg) => {
        const blob = msg.blob;
        hasher.update(blob);
        chain = chain.then(() => write(blob)).catch((err: unknown) => { writeError ??= err; });
      });
      stream.on('error', reject);
      stream.on('end', () => resolve());
    });
  } catch (err) {
    return { ok: false, error: message(err) };
  }
  await chain;
  if (writeError !== undefined) throw writeError;
  if (!hasher.matches()) return { ok: false, error: 'the stream did not end with a valid SHA-256 digest' };
  return { ok: true, value: hasher.size };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
