/**
 * Crash-safe file writes for key material: every file is written to a temp
 * file in the same directory (mode 0600 from creation), fsynced, renamed
 * over the target and the directory fsynced, so a crash leaves either the
 * old file or the new one, never half a key. Directories are 0700.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Mode of every key, cert and kubeconfig file Skiff writes. */
export const FILE_MODE = 0o600;
/** Mode of every directory under `<data-dir>/tls/`. */
export const DIR_MODE = 0o700;

/** Creates `dir` (and parents) and forces its mode to 0700. Idempotent. Throws on I/O errors. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: DIR_MODE });
  const st = await stat(dir);
  if ((st.mode & 0o777) !== DIR_MODE) await chmod(dir, DIR_MODE);
}

/** Forces `path`'s mode to 0600 if it differs; returns whether it changed anything. Throws on I/O errors. */
export async function ensureFileMode(path: string): Promise<boolean> {
  const st = await stat(path);
  if ((st.mode & 0o777) === FILE_MODE) return false;
  await chmod(path, FILE_MODE);
  return true;
}

/**
 * Atomically replaces `path` with `data` (mode 0600): temp file + fsync +
 * rename + directory fsync. On failure the temp file is removed and the
 * error rethrown; the old `path` is untouched.
 */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const fh = await open(tmp, 'wx', FILE_MODE);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await chmod(tmp, FILE_MODE); // umask may have narrowed or (never) widened it
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  const dh = await open(dirname(path), 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}

/** The file's text, or undefined if it does not exist. Throws on other I/O errors. */
export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

const TEMP_RE = /\.tmp-\d+-[0-9a-f]{8}$/;

/** Removes temp files a crashed `writeFileAtomic` left in `dir`; returns their names. Missing dir: nothing. */
export async function removeStaleTemps(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const stale = names.filter((n) => TEMP_RE.test(n));
  for (const n of stale) await rm(join(dir, n), { force: true });
  return stale;
}
