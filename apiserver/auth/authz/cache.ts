/**
 * An informer-like in-memory copy of one stored resource: lists its storage
 * prefix, then watches from the list's revision, so readers (the RBAC
 * authorizer, the aggregation loop) never make a storage round trip. On a
 * watch failure (e.g. compaction) it relists. Listeners hear every change.
 */
import type { KubeObject } from '../../api/object.ts';
import type { Logger } from '../../api/log.ts';
import type { Storage, StorageWatch } from '../../storage/interface.ts';
import { resourcePrefix } from '../../storage/keys.ts';

/** One change the cache applied: the new object, or the deleted one. */
export type CacheChange = { type: 'put' | 'delete'; obj: KubeObject };

/** A live copy of every object of one resource, keyed by storage key. */
export class ObjectCache {
  private readonly objects = new Map<string, KubeObject>();
  private readonly listeners: Array<(c: CacheChange) => void> = [];
  private watch?: StorageWatch;
  private stopped = false;
  private readonly prefix: string;

  /** `resource` is the plural storage name, e.g. 'clusterroles'. */
  constructor(private readonly storage: Storage, resource: string, private readonly log: Logger) {
    this.prefix = resourcePrefix(resource);
  }

  /** Lists and starts watching; resolves once the copy is complete (hasSynced). Rejects if the first list fails. */
  async start(): Promise<void> {
    const rev = await this.relist();
    await this.watchFrom(rev);
  }

  /** Every cached object (a snapshot array; the objects are shared, do not mutate them). */
  items(): KubeObject[] {
    return [...this.objects.values()];
  }

  /** Calls `fn` after each applied change. */
  onChange(fn: (c: CacheChange) => void): void {
    this.listeners.push(fn);
  }

  /** Stops watching; idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.watch?.stop();
  }

  private async relist(): Promise<string> {
    const seen = new Map<string, KubeObject>();
    let startKey: string | undefined;
    let revision: string | undefined;
    do {
      const page = await this.storage.list(this.prefix, { limit: 500, startKey, revision });
      revision = page.revision;
      for (const o of page.items) seen.set(keyOf(o), o);
      startKey = page.nextKey;
    } while (startKey !== undefined);
    for (const [k, o] of this.objects) if (!seen.has(k)) this.apply({ type: 'delete', obj: o });
    for (const o of seen.values()) this.apply({ type: 'put', obj: o });
    return revision;
  }

  private async watchFrom(rev: string): Promise<void> {
    if (this.stopped) return;
    const next = String(Number(rev) + 1);
    this.watch = await this.storage.watch(this.prefix, next, (ev) => this.apply({ type: ev.type, obj: ev.obj }), (err) => {
      if (this.stopped) return;
      this.log.info('authorization cache watch ended; relisting', { prefix: this.prefix, err: err.message });
      void this.restart();
    });
  }

  private async restart(): Promise<void> {
    for (let delay = 100; !this.stopped; delay = Math.min(delay * 2, 5000)) {
      try {
        await this.watchFrom(await this.relist());
        return;
      } catch (e) {
        this.log.info('authorization cache relist failed', { prefix: this.prefix, err: (e as Error).message });
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  private apply(c: CacheChange): void {
    const k = keyOf(c.obj);
    if (c.type === 'delete') this.objects.delete(k);
    else this.objects.set(k, c.obj);
    for (const fn of this.listeners) fn(c);
  }
}

function keyOf(o: KubeObject): string {
  return `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
}
