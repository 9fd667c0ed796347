/**
 * The watch cache of one resource (one key prefix such as
 * `/registry/pods/`), as kube-apiserver's Cacher + watchCache
 * (k8s.io/apiserver/pkg/storage/cacher): one watch on the inner storage,
 * the current objects kept in memory, a ring of recent changes, and the
 * fan-out of every change to the cache's watchers.
 */
import type { KubeObject } from '../api/object.ts';
import type { Logger } from '../api/log.ts';
import { StorageError, type ListResult, type StorageEvent, type StorageWatch } from './interface.ts';
import { EventRing } from './cacher-ring.ts';
import { CacheWatcher } from './cacher-watcher.ts';
import type { CacheEventHandler, CacheWatch } from './cacher-types.ts';
import type { Storage } from './interface.ts';

/** Settings shared by every resource cache. */
export interface ResourceCacheOptions {
  /** Events kept in the ring (default 2000). */
  ringSize: number;
  /** Undelivered events a watcher may hold before it is terminated. */
  watcherQueueLimit: number;
  /** Page size of the initial list (0 = one read). */
  listPageSize: number;
  /** First delay before restarting after the inner watch failed, ms (doubles up to 5 s). */
  restartDelayMs: number;
  log?: Logger;
}

type State = 'idle' | 'starting' | 'ready' | 'stopped';

/** A cache of one resource prefix over the inner storage. */
export class ResourceCache {
  readonly prefix: string;
  private readonly inner: Storage;
  private readonly opts: ResourceCacheOptions;
  private objects = new Map<string, KubeObject>();
  private ring: EventRing;
  private rev = 0;
  /** Whether `rev` was reached by an event (a later event of the same multi-key txn is then still new) rather than a list or progress. */
  private revFromEvent = false;
  /** Keys changed at `rev` by events (to tell a multi-key txn from a replayed duplicate). */
  private keysAtRev = new Set<string>();
  private state: State = 'idle';
  private starting?: Promise<void>;
  private innerWatch?: StorageWatch;
  private readonly watchers = new Set<CacheWatcher>();
  private waiters: Array<{ rev: number; resolve: (caughtUp: boolean) => void }> = [];
  private restartDelay: number;
  private restartTimer?: NodeJS.Timeout;

  constructor(prefix: string, inner: Storage, opts: ResourceCacheOptions) {
    this.prefix = prefix;
    this.inner = inner;
    this.opts = opts;
    this.ring = new EventRing(opts.ringSize, 0);
    this.restartDelay = opts.restartDelayMs;
  }

  /** The revision the cache is up to date with (0 before it started). */
  get revision(): number {
    return this.rev;
  }

  /** True once the initial list is loaded and the inner watch runs. */
  get isReady(): boolean {
    return this.state === 'ready';
  }

  /** Number of live watchers (tests, metrics). */
  get watcherCount(): number {
    return this.watchers.size;
  }

  /**
   * Starts the cache if needed and resolves once it is ready. `atRevision`,
   * if given and the cache is idle, is the revision to load the initial list
   * at (so a watch from a list read just before does not get 410); a
   * revision that cannot be read (compacted, future) falls back to now. Rejects if the inner storage
   * fails (the next call retries).
   */
  ready(atRevision?: number): Promise<void> {
    if (this.state === 'ready') return Promise.resolve();
    if (this.state === 'stopped') return Promise.reject(new Error('watch cache stopped'));
    if (!this.starting) {
      this.state = 'starting';
      this.starting = this.load(atRevision).then(
        () => {
          this.starting = undefined;
          if (this.state === 'starting') this.state = 'ready';
        },
        (e: unknown) => {
          this.starting = undefined;
          if (this.state === 'starting') this.state = 'idle';
          throw e;
        },
      );
    }
    return this.starting;
  }

  private async load(atRevision: number | undefined): Promise<void> {
    let first: ListResult;
    const pageLimit = this.opts.listPageSize;
    const at = atRevision && atRevision > 0 ? String(atRevision) : undefined;
    try {
      first = await this.inner.list(this.prefix, { limit: pageLimit, revision: at });
    } catch (e) {
      // A compacted (or future) revision: load the current state instead.
      if (at === undefined) throw e;
      first = await this.inner.list(this.prefix, { limit: pageLimit });
    }
    const objects = new Map<string, KubeObject>();
    let page = first;
    for (;;) {
      for (const o of page.items) objects.set(this.keyOfObject(o), o);
      if (!page.nextKey) break;
      page = await this.inner.list(this.prefix, { limit: pageLimit, startKey: page.nextKey, revision: first.revision });
    }
    const listRev = Number(first.revision);
    this.objects = objects;
    this.rev = listRev;
    this.revFromEvent = false;
    this.ring = new EventRing(this.opts.ringSize, listRev);
    this.innerWatch = await this.inner.watch(this.prefix, String(listRev + 1), (ev) => this.onEvent(ev), (err) => this.onWatchError(err), (r) => this.onProgress(Number(r)));
    if (this.state === 'stopped') await this.innerWatch.stop().catch(() => undefined);
  }

  /** The storage key of a listed object: the prefix plus namespace/name. */
  private keyOfObject(o: KubeObject): string {
    const m = o.metadata ?? {};
    return m.namespace ? `${this.prefix}${m.namespace}/${m.name ?? ''}` : `${this.prefix}${m.name ?? ''}`;
  }

  /** Applies one change; a change already reflected (at or below a listed or progressed revision, or replayed on reconnect) is dropped. */
  private onEvent(ev: StorageEvent): void {
    if (this.state === 'stopped' || ev.rev < this.rev) return;
    if (ev.rev === this.rev && (!this.revFromEvent || this.keysAtRev.has(ev.key))) return;
    if (ev.rev > this.rev) this.keysAtRev.clear();
    this.keysAtRev.add(ev.key);
    this.revFromEvent = true;
    if (ev.type === 'put') this.objects.set(ev.key, ev.obj);
    else this.objects.delete(ev.key);
    this.ring.push(ev);
    this.rev = ev.rev;
    for (const w of this.watchers) {
      w.add(ev);
      w.flush();
    }
    this.wake();
  }

  private onProgress(rev: number): void {
    if (this.state === 'stopped' || rev <= this.rev) return;
    this.rev = rev;
    this.revFromEvent = false;
    this.wake();
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    const keep: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (this.rev >= w.rev) w.resolve(true);
      else keep.push(w);
    }
    this.waiters = keep;
  }

  /**
   * The inner watch ended (compaction, cancellation): terminate every
   * watcher (clients re-watch), drop the state, and load again after a
   * backoff.
   */
  private onWatchError(err: StorageError): void {
    if (this.state === 'stopped') return;
    this.opts.log?.warn('watch cache lost its storage watch; restarting', { prefix: this.prefix, err: err.message });
    this.innerWatch = undefined;
    this.state = 'idle';
    for (const w of [...this.watchers]) w.terminate(`watch cache for ${this.prefix} restarted: ${err.message}`);
    this.restartTimer = setTimeout(() => {
      this.ready().then(() => { this.restartDelay = this.opts.restartDelayMs; }, () => undefined);
    }, this.restartDelay);
    this.restartTimer.unref();
    this.restartDelay = Math.min(this.restartDelay * 2, 5000);
  }

  /**
   * Resolves true once the cache revision is at least `rev`, false after
   * `timeoutMs` (the cache did not catch up).
   */
  waitFor(rev: number, timeoutMs: number): Promise<boolean> {
    if (this.rev >= rev) return Promise.resolve(true);
    return new Promise((resolve) => {
      const entry = { rev, resolve: (ok: boolean) => { clearTimeout(timer); resolve(ok); } };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== entry);
        resolve(false);
      }, timeoutMs);
      this.waiters.push(entry);
    });
  }

  /** The cached objects under `keyPrefix`, sorted by key, and the revision they are current at. */
  snapshot(keyPrefix: string): { items: Array<{ key: string; obj: KubeObject }>; revision: number } {
    const items: Array<{ key: string; obj: KubeObject }> = [];
    for (const [key, obj] of this.objects) if (key.startsWith(keyPrefix)) items.push({ key, obj });
    items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { items, revision: this.rev };
  }

  /** Drops the ring's history up to `revision` (the storage was compacted there). */
  compacted(revision: number): void {
    this.ring.forget(revision);
  }

  /** One cached object, or undefined. */
  getObject(key: string): KubeObject | undefined {
    return this.objects.get(key);
  }

  /**
   * Registers a watcher of `keyPrefix` for changes after `after`, first
   * replaying the ring. Throws StorageError Compacted (message: the oldest
   * revision still servable) if `after` is older than the ring holds. The
   * cache must be ready. `initial` events, if given, are delivered first,
   * then `onInitialDone` is called.
   */
  watch(keyPrefix: string, after: number, onEvent: CacheEventHandler, onError: (err: StorageError) => void, initial: StorageEvent[] = [], onInitialDone?: () => void): CacheWatch {
    const replay = this.ring.since(after);
    if (!replay) throw new StorageError('Compacted', String(this.ring.completeAfter));
    const w = new CacheWatcher({
      keyPrefix, after, queueLimit: this.opts.watcherQueueLimit + initial.length, onEvent, onError,
      onStop: (x) => this.watchers.delete(x), onInitialDone,
    });
    this.watchers.add(w);
    for (const ev of initial) w.addInitial(ev);
    for (const ev of replay) w.add(ev);
    // Deliver from the next microtask, once this call has returned the handle.
    queueMicrotask(() => w.start());
    return {
      stop: async () => w.stop(),
      resume: () => w.resume(),
      revision: () => String(w.revision(this.rev)),
    };
  }

  /** Stops the inner watch and every watcher (no errors sent). */
  async stop(): Promise<void> {
    this.state = 'stopped';
    clearTimeout(this.restartTimer);
    for (const w of [...this.watchers]) w.stop();
    for (const w of this.waiters) w.resolve(false);
    this.waiters = [];
    await this.innerWatch?.stop().catch(() => undefined);
  }
}
