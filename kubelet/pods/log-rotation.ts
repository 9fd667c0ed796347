/**
 * Container log rotation (kubelet's container log manager): a running
 * container's log file above `maxBytes` is renamed to `<file>.<timestamp>` and
 * the runtime is asked to reopen it; only the newest `maxFiles - 1` rotated
 * files are kept. Rotated files are not served by the log endpoint.
 */
import { readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Logger } from '../../apiserver/api/log.ts';
import type { CriRuntime } from '../cri/types.ts';

/** Defaults as in Kubernetes: 10 MiB, 5 files. */
export const DEFAULT_MAX_LOG_BYTES = 10 * 1024 * 1024;
export const DEFAULT_MAX_LOG_FILES = 5;

/** Rotated file name for `path` at `ms` (`0.log.20260101-000000`). */
export function rotatedName(path: string, ms: number): string {
  const t = new Date(ms).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${path}.${t}`;
}

/** Pure: which rotated siblings of `base` to delete so that at most `keep` remain (oldest first by name). */
export function rotatedToDelete(base: string, siblings: string[], keep: number): string[] {
  const rotated = siblings.filter((n) => n.startsWith(`${base}.`)).sort();
  return rotated.slice(0, Math.max(0, rotated.length - keep));
}

/**
 * One rotation pass over the running containers. Never throws; failures
 * are logged. Returns the log paths rotated.
 */
export async function rotateLogs(runtime: CriRuntime, log: Logger, now: number, maxBytes = DEFAULT_MAX_LOG_BYTES, maxFiles = DEFAULT_MAX_LOG_FILES): Promise<string[]> {
  const rotated: string[] = [];
  try {
    for (const c of await runtime.listContainers({ state: { state: 'CONTAINER_RUNNING' } })) {
      try {
        const st = await runtime.containerStatus(c.id);
        const path = st.log_path;
        if (!path) continue;
        const size = (await stat(path).catch(() => undefined))?.size ?? 0;
        if (size <= maxBytes) continue;
        await rename(path, rotatedName(path, now));
        await runtime.reopenContainerLog(c.id);
        rotated.push(path);
        const dir = dirname(path);
        for (const old of rotatedToDelete(basename(path), await readdir(dir), maxFiles - 1)) await unlink(join(dir, old)).catch(() => undefined);
      } catch (e) {
        log.warn('log rotation failed', { container: c.id, error: e });
      }
    }
  } catch (e) {
    log.warn('log rotation: listing containers failed', { error: e });
  }
  return rotated;
}
