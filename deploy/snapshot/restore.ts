/**
 * Restoring a snapshot into a stopped server's data dir, as k3s's
 * `--cluster-reset --cluster-reset-restore-path` does (pkg/etcd/etcd.go
 * Restore): check the file's digest, restore it with `etcdctl snapshot
 * restore` (etcd 3.4) into a fresh dir beside the etcd dir, move the old
 * etcd dir aside to `etcd-old-<seconds>`, and put the restored one in its
 * place as a new one-member cluster named `skiff`. The keyspace keeps its
 * revisions, so every object comes back with its resourceVersion.
 */
import { execFile } from 'node:child_process';
import { chmod, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { serverPaths } from '../server/config.ts';
import { looksLikeChild, runningServerPid } from '../server/stale.ts';
import { snapshotFileIntact } from './integrity.ts';
import type { Outcome } from './save.ts';

const run = promisify(execFile);

/** What restoreSnapshot needs. */
export interface RestoreOptions {
  /** The server's data dir; its etcd lives in `<dataDir>/etcd`. */
  dataDir: string;
  /** The snapshot file. */
  file: string;
  /** The peer URL the server's etcd will listen on (deploy/server/etcd.ts etcdPeerUrl), e.g. https://127.0.0.1:2480. */
  peerUrl: string;
  /** Member name (default skiff, as etcdArgs). */
  memberName?: string;
  /** Default /usr/bin/etcdctl (Debian's etcd-client). */
  etcdctl?: string;
  /** The time in the backup dir's name. */
  now: Date;
}

/** Where a restore put things. */
export interface Restored {
  /** The restored etcd data dir. */
  etcdDir: string;
  /** Where the previous etcd data dir went; undefined when there was none. */
  previous?: string;
}

/** etcdctl's restore command line (etcd 3.4 flags; the cluster token matches etcdArgs). Pure. */
export function restoreArgs(file: string, dataDir: string, memberName: string, peerUrl: string): string[] {
  return [
    'snapshot', 'restore', file,
    '--data-dir', dataDir,
    '--name', memberName,
    '--initial-cluster', `${memberName}=${peerUrl}`,
    '--initial-advertise-peer-urls', peerUrl,
    '--initial-cluster-token', 'skiff',
  ];
}

/**
 * Restores `o.file` into `<dataDir>/etcd`. Resolves `{ ok: false }` —
 * having changed nothing — when a skiff server or its etcd still runs on
 * the data dir, the file is missing or fails its digest check, or etcdctl
 * fails; the old etcd dir is moved only once the restore succeeded.
 */
export async function restoreSnapshot(o: RestoreOptions): Promise<Outcome<Restored>> {
  const paths = serverPaths(o.dataDir);
  const server = runningServerPid(paths.runDir);
  if (server !== undefined) return { ok: false, error: `skiff server (pid ${server}) is running on ${o.dataDir}: stop it before restoring` };
  const etcdPid = await liveChildPid(paths.runDir, 'etcd');
  if (etcdPid !== undefined) return { ok: false, error: `etcd (pid ${etcdPid}) is still running on ${o.dataDir}: stop it before restoring` };
  try {
    if (!(await stat(o.file)).isFile()) return { ok: false, error: `${o.file} is not a file` };
    if (!(await snapshotFileIntact(o.file))) {
      return { ok: false, error: `${o.file} is not an intact etcd snapshot (its SHA-256 digest is missing or wrong: truncated or corrupted?)` };
    }
  } catch (err) {
    return { ok: false, error: `cannot read ${o.file}: ${message(err)}` };
  }
  const seconds = Math.floor(o.now.getTime() / 1000);
  const staging = join(o.dataDir, `etcd-restore-${seconds}`);
  const name = o.memberName ?? 'skiff';
  try {
    await rm(staging, { recursive: true, force: true });
    await run(o.etcdctl ?? '/usr/bin/etcdctl', restoreArgs(o.file, staging, name, o.peerUrl), { env: { ...process.env, ETCDCTL_API: '3' } });
  } catch (err) {
    await rm(staging, { recursive: true, force: true }).catch(() => undefined);
    const stderr = (err as { stderr?: string }).stderr?.trim();
    return { ok: false, error: `etcdctl snapshot restore failed: ${stderr || message(err)}` };
  }
  let previous: string | undefined = join(o.dataDir, `etcd-old-${seconds}`);
  try {
    await rename(paths.etcdDir, previous);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      await rm(staging, { recursive: true, force: true }).catch(() => undefined);
      return { ok: false, error: `cannot move ${paths.etcdDir} aside: ${message(err)}` };
    }
    previous = undefined;
  }
  try {
    await rename(staging, paths.etcdDir);
    await chmod(paths.etcdDir, 0o700);
  } catch (err) {
    return { ok: false, error: `cannot move the restored data from ${staging} to ${paths.etcdDir}: ${message(err)}${previous ? `; the previous data is in ${previous}` : ''}` };
  }
  return { ok: true, value: { etcdDir: paths.etcdDir, ...(previous !== undefined ? { previous } : {}) } };
}

/** The pid in `<runDir>/<name>.pid` when that process is alive and still looks like the child. */
async function liveChildPid(runDir: string, name: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readFile(join(runDir, `${name}.pid`), 'utf8')).trim(), 10);
    if (!Number.isInteger(pid) || pid <= 1) return undefined;
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return cmd !== '' && looksLikeChild(cmd, name) ? pid : undefined;
  } catch {
    return undefined;
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
