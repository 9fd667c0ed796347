/**
 * The snapshot directory on disk (`<data-dir>/snapshots`, mode 0700; files
 * 0600, as they hold Secrets): listing, deleting by name, and applying
 * retention. Files starting with `.` (a save in progress) are not snapshots.
 */
import { mkdir, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { isValidSnapshotName } from './naming.ts';
import { createdAt, snapshotsToPrune, type SnapshotEntry } from './retention.ts';

/** The default snapshot dir under a data dir (k3s: `<data-dir>/server/db/snapshots`; Skiff keeps etcd at `<data-dir>/etcd`). Pure. */
export function defaultSnapshotDir(dataDir: string): string {
  return join(dataDir, 'snapshots');
}

/** Creates `dir` (and parents) with mode 0700 if missing. Rejects with the fs error. */
export async function ensureSnapshotDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
}

/** The snapshot files in `dir` (regular files not starting with `.`), in no particular order; [] when `dir` does not exist. Rejects on other fs errors. */
export async function listSnapshots(dir: string): Promise<SnapshotEntry[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: SnapshotEntry[] = [];
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const st = await stat(join(dir, name)).catch(() => undefined);
    if (!st?.isFile()) continue;
    out.push({ name, size: st.size, created: createdAt(name, st.mtime) });
  }
  return out;
}

/** What deleteSnapshots did with each name it was given. */
export interface DeleteResult {
  deleted: string[];
  /** No such snapshot in the dir. */
  missing: string[];
  /** Not a snapshot file name (has `/`, `..`, a leading `.`): never touched. */
  invalid: string[];
}

/** Removes the named files from `dir`. Idempotent: a second call reports them missing. Rejects only on fs errors other than ENOENT. */
export async function deleteSnapshots(dir: string, names: string[]): Promise<DeleteResult> {
  const r: DeleteResult = { deleted: [], missing: [], invalid: [] };
  for (const name of names) {
    if (!isValidSnapshotName(name)) { r.invalid.push(name); continue; }
    try {
      await unlink(join(dir, name));
      r.deleted.push(name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      r.missing.push(name);
    }
  }
  return r;
}

/** Applies retention to group `prefix` in `dir` (retention.ts snapshotsToPrune) and resolves the names it removed, oldest first. */
export async function pruneSnapshots(dir: string, prefix: string, retention: number): Promise<string[]> {
  const doomed = snapshotsToPrune(await listSnapshots(dir), prefix, retention).map((e) => e.name);
  return (await deleteSnapshots(dir, doomed)).deleted;
}
