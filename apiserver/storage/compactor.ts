/**
 * Periodic etcd history compaction, as the Kubernetes API server does (every
 * 5 minutes by default): at each tick, compact up to the revision seen at the
 * previous tick, so watchers always have at least one interval of history.
 */
import type { Logger } from '../api/log.ts';
import type { Storage } from './interface.ts';

/** Options of startCompactor. */
export interface CompactorOptions {
  /** Tick period in ms (default 300 000). */
  intervalMs?: number;
  log: Logger;
}

/** A running compactor. */
export interface Compactor {
  /** Runs one tick now (tests); resolves the revision compacted to, or undefined. */
  tick(): Promise<string | undefined>;
  stop(): void;
}

/**
 * Starts compacting `storage`; stops when `signal` aborts or `stop()` is
 * called. Failures are logged and retried at the next tick.
 */
export function startCompactor(storage: Storage, opts: CompactorOptions, signal?: AbortSignal): Compactor {
  let previous: string | undefined;
  let busy = false;
  const tick = async (): Promise<string | undefined> => {
    if (busy) return undefined;
    busy = true;
    try {
      const current = await storage.currentRevision();
      const target = previous;
      previous = current;
      if (target && Number(target) > 1) {
        await storage.compact(target);
        opts.log.debug('compacted etcd', { revision: target });
        return target;
      }
      return undefined;
    } catch (e) {
      if (!(e instanceof Error && /compacted/.test(e.message))) opts.log.warn('etcd compaction failed', { err: e });
      return undefined;
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), opts.intervalMs ?? 300000);
  timer.unref();
  const stop = (): void => clearInterval(timer);
  signal?.addEventListener('abort', stop, { once: true });
  return { tick, stop };
}
