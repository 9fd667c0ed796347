/**
 * Writes a volume's files the way the kubelet's AtomicWriter does
 * (kubernetes pkg/volume/util/atomic_writer.go), so that a container never
 * sees a half-written or empty file: every payload goes into a fresh hidden
 * directory `..<timestamp>`, the symlink `..data` is switched to it with one
 * rename, and each user-visible top-level name is a symlink into `..data`.
 * Old payload directories and names no longer in the payload are removed
 * afterwards. A payload equal to the current one writes nothing.
 */
import { lstat, mkdir, readFile, readdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** The symlink that points at the current payload directory. */
export const DATA_DIR_LINK = '..data';

/** What the writer must change for `payload` given what is on disk. Pure. */
export interface WritePlan {
  /** True when the payload differs from the current one (or there is none). */
  write: boolean;
  /** Top-level user-visible names: each becomes a symlink `<name>` → `..data/<name>`. */
  visible: string[];
}

/**
 * Rejects paths that could escape the volume dir or clash with the writer's
 * own entries: absolute, empty segments, `.`/`..` segments, or a first
 * segment starting with `..`. Pure.
 */
export function validPayloadPath(rel: string): boolean {
  if (rel === '' || rel.startsWith('/')) return false;
  const parts = rel.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) return false;
  return !parts[0].startsWith('..');
}

/** Plans a write: the top-level names of `payload` and whether `current` (undefined: no payload yet) differs. Pure. */
export function planWrite(payload: Map<string, string>, current: Map<string, string> | undefined): WritePlan {
  const visible = [...new Set([...payload.keys()].map((p) => p.split('/')[0]))].sort();
  if (current === undefined || current.size !== payload.size) return { write: true, visible };
  for (const [k, v] of payload) if (current.get(k) !== v) return { write: true, visible };
  return { write: false, visible };
}

async function readPayload(dir: string, keys: Iterable<string>): Promise<Map<string, string> | undefined> {
  const out = new Map<string, string>();
  try {
    await readlink(join(dir, DATA_DIR_LINK));
  } catch {
    return undefined;
  }
  for (const k of keys) {
    try {
      out.set(k, await readFile(join(dir, DATA_DIR_LINK, k), 'utf8'));
    } catch {
      return undefined;
    }
  }
  // A payload with extra files is different too: count what is there.
  const count = async (d: string): Promise<number> => {
    let n = 0;
    for (const e of await readdir(d, { withFileTypes: true })) n += e.isDirectory() ? await count(join(d, e.name)) : 1;
    return n;
  };
  const total = await count(join(dir, await readlink(join(dir, DATA_DIR_LINK))));
  return total === out.size ? out : undefined;
}

/**
 * Makes `dir` hold exactly `payload` (relative path → content) with file
 * mode `mode`. Invalid paths (see validPayloadPath) are skipped. Throws on
 * I/O errors; a failure before the `..data` switch leaves the previous
 * payload in place.
 */
export async function writeAtomically(dir: string, payload: Map<string, string>, mode: number, now: () => Date = () => new Date()): Promise<void> {
  const files = new Map([...payload].filter(([k]) => validPayloadPath(k)));
  await mkdir(dir, { recursive: true });
  const plan = planWrite(files, await readPayload(dir, files.keys()));
  if (plan.write) {
    const stamp = `..${now().toISOString().replace(/[-:]/g, '_').replace('T', '_').replace('Z', '')}.${process.pid}${Math.floor(Math.random() * 1e6)}`;
    const ts = join(dir, stamp);
    await mkdir(ts);
    for (const [rel, content] of files) {
      await mkdir(dirname(join(ts, rel)), { recursive: true });
      await writeFile(join(ts, rel), content, { mode });
    }
    const tmp = join(dir, `${DATA_DIR_LINK}_tmp`);
    await rm(tmp, { force: true });
    await symlink(stamp, tmp);
    await rename(tmp, join(dir, DATA_DIR_LINK));
  }
  const current = await readlink(join(dir, DATA_DIR_LINK));
  for (const name of plan.visible) {
    const path = join(dir, name);
    const want = join(DATA_DIR_LINK, name);
    let ok = false;
    try {
      const st = await lstat(path);
      ok = st.isSymbolicLink() && (await readlink(path)) === want;
      if (!ok) await rm(path, { recursive: true, force: true }); // a plain file from before, or a wrong link
    } catch {
      // missing: created below
    }
    if (!ok) await symlink(want, path);
  }
  const keep = new Set([...plan.visible, DATA_DIR_LINK, current]);
  for (const e of await readdir(dir)) if (!keep.has(e)) await rm(join(dir, e), { recursive: true, force: true });
}
