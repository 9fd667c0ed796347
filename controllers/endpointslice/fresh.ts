/**
 * Read-your-writes for a controller whose informer lags behind its own
 * writes: remembers the objects the API server returned for our writes, and
 * serves them instead of an older cached copy until the cache catches up.
 * This avoids 409 conflicts from updating with a stale resourceVersion.
 */
import type { KubeObject } from '../../apiserver/api/object.ts';

/** Numeric resourceVersion (etcd revision), or -1 when absent or not numeric. */
export function rvOf(o: KubeObject | undefined): number {
  const rv = o?.metadata?.resourceVersion;
  return rv !== undefined && /^\d+$/.test(rv) ? Number(rv) : -1;
}

/** Per-key store of our latest written objects (key = 'namespace/name'). */
export class OwnWrites<T extends KubeObject> {
  private readonly written = new Map<string, T>();
  private readonly deleted = new Set<string>();

  /** Records the server's answer to our create/update. */
  wrote(key: string, obj: T): void {
    this.written.set(key, obj);
    this.deleted.delete(key);
  }

  /** Records that we deleted `key`. */
  removed(key: string): void {
    this.written.delete(key);
    this.deleted.add(key);
  }

  /** Called with the informer's view when it changes: forgets what the cache now reflects. */
  observed(key: string, cached: T | undefined): void {
    if (cached === undefined) { this.deleted.delete(key); this.written.delete(key); return; }
    const mine = this.written.get(key);
    if (mine && rvOf(cached) >= rvOf(mine)) this.written.delete(key);
  }

  /** The freshest known version of `key`: our write if newer than `cached`; undefined if we deleted it. */
  fresh(key: string, cached: T | undefined): T | undefined {
    if (this.deleted.has(key)) return undefined;
    const mine = this.written.get(key);
    if (mine && rvOf(mine) > rvOf(cached)) return mine;
    return cached;
  }
}
