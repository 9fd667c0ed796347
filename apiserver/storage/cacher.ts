/**
 * The watch cache: a Storage decorator, as kube-apiserver's Cacher
 * (k8s.io/apiserver/pkg/storage/cacher/cacher.go). Per resource prefix
 * (`/registry/<resource>/`) it keeps one watch on the inner storage, the
 * current objects and a ring of recent changes (cacher-resource.ts), and
 * serves every watch from that ring plus live fan-out, so N clients cost one
 * storage watch. Writes and reads that need etcd are passed through.
 */
import type { KubeObject } from '../api/object.ts';
import type { Logger } from '../api/log.ts';
import { StorageError, type ListResult, type StorageEvent, type TextListResult, type WriteOpts } from './interface.ts';
import { ResourceCache } from './cacher-resource.ts';
import type { CacheEventHandler, CacheWatch } from './cacher-types.ts';
import type { ListOpts, Storage } from './interface.ts';

/** Options of the Cacher. */
export interface CacherOptions {
  /** Changes kept per resource for watches that start in the past (default 2000). */
  ringSize?: number;
  /** Undelivered events a watcher may hold before it is terminated (default 1000, plus its initial events). */
  watcherQueueLimit?: number;
  /** Longest wait for the cache to reach a requested revision, ms (default 3000, as kube's blockTimeout); then 504. */
  freshnessTimeoutMs?: number;
  /**
   * Longest wait for a consistent initial snapshot (watch without
   * resourceVersion), ms (default 250); then watchCached throws 504 and the
   * caller reads the initial state from the storage instead.
   */
  consistentWaitMs?: number;
  /** Page size of a cache's initial list (default 1000). */
  listPageSize?: number;
  /** First restart delay after the inner watch failed, ms (default 100). */
  restartDelayMs?: number;
  log?: Logger;
}

/** The start of a watch served from the cache. */
export interface CachedWatchStart {
  /** 'initial': deliver the current objects as puts first (rv=0/unset); else changes after `after`. */
  mode: 'initial' | 'after';
  /** With mode 'after': the revision to start after (the client's resourceVersion). */
  after?: number;
  /** With mode 'initial': first wait (bounded) until the cache has caught up with the storage's current revision. */
  consistent?: boolean;
  /** With mode 'initial': called with the snapshot revision right after the last initial event was delivered. */
  onInitialDone?: (revision: string) => void;
}

/** A cached watch: the handle and the revision its initial state was taken at. */
export interface CachedWatchResult extends CacheWatch {
  /** The revision the stream starts after (the snapshot's revision in 'initial' mode). */
  startRevision: string;
  /** How many initial events (puts of the current objects) come first; 0 in 'after' mode. */
  initialCount: number;
}

/**
 * 504 Timeout `Timeout: Too large resource version: <min>, current: <cur>`
 * (cause ResourceVersionTooLarge, retry after 1 s): the cache did not reach
 * the asked revision in time (kube's storage.NewTooLargeResourceVersionError).
 */
function tooLargeResourceVersion(minimum: number, current: number): StorageError {
  return new StorageError('FutureRevision', `Timeout: Too large resource version: ${minimum}, current: ${current}`);
}

/** The resource prefix `/registry/<resource>/` of a key or prefix, or undefined if it has none. */
export function resourcePrefixOf(keyOrPrefix: string): string | undefined {
  const m = /^\/registry\/([^/]+)\//.exec(keyOrPrefix);
  return m ? `/registry/${m[1]}/` : undefined;
}

/**
 * A Storage that serves watches (and rv=0 / NotOlderThan lists) from
 * memory. Objects it hands out are shared between callers: read-only.
 */
export class Cacher implements Storage {
  readonly inner: Storage;
  private readonly caches = new Map<string, ResourceCache>();
  /** Per resource prefix, the revision of the latest write made through this Cacher (read-your-writes for getCached). */
  private readonly written = new Map<string, number>();
  private readonly opts: Required<Omit<CacherOptions, 'log'>> & { log?: Logger };
  private stopped = false;
  /**
   * The JSON text (UTF-8 bytes) of cached objects, made at their first
   * listCachedText. Cached objects are never changed in place (an event
   * replaces the object), so a text stays that of its object.
   */
  private readonly texts = new WeakMap<KubeObject, Buffer>();
  /** The inner storage's listText (range read as JSON text), when it has one. */
  readonly listText?: (prefix: string, opts?: ListOpts) => Promise<TextListResult>;

  constructor(inner: Storage, opts: CacherOptions = {}) {
    this.inner = inner;
    const listText = inner.listText?.bind(inner);
    if (listText) this.listText = listText;
    this.opts = {
      ringSize: opts.ringSize ?? 2000,
      watcherQueueLimit: opts.watcherQueueLimit ?? 1000,
      freshnessTimeoutMs: opts.freshnessTimeoutMs ?? 3000,
      consistentWaitMs: opts.consistentWaitMs ?? 250,
      listPageSize: opts.listPageSize ?? 1000,
      restartDelayMs: opts.restartDelayMs ?? 100,
      log: opts.log,
    };
  }
  /** See Storage.createdText (the inner storage's, for the objects its create resolved). */
  createdText(obj: KubeObject): string | undefined {
    return this.inner.createdText?.(obj);
  }

  /** See Storage.sizeError (the inner storage's limit). */
  sizeError(key: string, obj: KubeObject): StorageError | undefined {
    return this.inner.sizeError?.(key, obj);
  }


  private cacheFor(resourcePrefix: string): ResourceCache {
    let c = this.caches.get(resourcePrefix);
    if (!c) {
      if (this.stopped) throw new Error('watch cache stopped');
      c = new ResourceCache(resourcePrefix, this.inner, {
        ringSize: this.opts.ringSize, watcherQueueLimit: this.opts.watcherQueueLimit,
        listPageSize: this.opts.listPageSize, restartDelayMs: this.opts.restartDelayMs, log: this.opts.log,
      });
      this.caches.set(resourcePrefix, c);
    }
    return c;
  }

  /** The cache of a resource, if it was started (tests, metrics). */
  cacheOf(keyOrPrefix: string): ResourceCache | undefined {
    const rp = resourcePrefixOf(keyOrPrefix);
    return rp ? this.caches.get(rp) : undefined;
  }

  /** Starts the caches of these resource prefixes now rather than at first use; resolves when all are ready. */
  async warm(prefixes: string[]): Promise<void> {
    await Promise.all(prefixes.map((p) => {
      const rp = resourcePrefixOf(p);
      return rp ? this.cacheFor(rp).ready() : undefined;
    }));
  }

  /** Reads one object from the inner storage (a quorum read; see getCached for the cached one). */
  get(key: string): Promise<KubeObject | undefined> {
    return this.inner.get(key);
  }

  /**
   * The cached object at `key` if its resource's cache is ready and has seen
   * every write made through this Cacher to that resource (so a caller reads
   * its own writes; writes by other servers may still be in flight), else
   * `found: false`; starts the cache in the background. Callers that need
   * certainty fall back to `get`.
   */
  getCached(key: string): { found: boolean; obj?: KubeObject } {
    const rp = resourcePrefixOf(key);
    if (!rp || this.stopped) return { found: false };
    const c = this.cacheFor(rp);
    if (!c.isReady) {
      c.ready().catch(() => undefined);
      return { found: false };
    }
    if (c.revision < (this.written.get(rp) ?? 0)) return { found: false };
    const obj = c.getObject(key);
    return obj ? { found: true, obj } : { found: false };
  }

  /** Range read on the inner storage (exact revisions, pages); see listCached for rv=0 / NotOlderThan. */
  list(prefix: string, opts?: ListOpts): Promise<ListResult> {
    return this.inner.list(prefix, opts);
  }

  /**
   * Lists `prefix` from memory once the cache has reached `minRevision`
   * (0: whatever it holds, as resourceVersion=0). Waits at most
   * freshnessTimeoutMs, then throws 504 Timeout "Too large resource version"
   * (kube's storage.NewTooLargeResourceVersionError). Items are sorted by key;
   * the result's revision is the cache's.
   */
  async listCached(prefix: string, minRevision: number): Promise<ListResult> {
    const rp = resourcePrefixOf(prefix);
    if (!rp) return this.inner.list(prefix);
    const c = this.cacheFor(rp);
    await c.ready();
    if (!(await c.waitFor(minRevision, this.opts.freshnessTimeoutMs))) {
      throw tooLargeResourceVersion(minRevision, c.revision);
    }
    const snap = c.snapshot(prefix);
    return { items: snap.items.map((i) => i.obj), revision: String(snap.revision) };
  }

  /** listCached with each object as its JSON text (UTF-8 bytes), each object serialized once while it is cached. Errors as listCached. */
  async listCachedText(prefix: string, minRevision: number): Promise<TextListResult> {
    const r = await this.listCached(prefix, minRevision);
    const items = r.items.map((o) => {
      let t = this.texts.get(o);
      if (!t) {
        t = Buffer.from(JSON.stringify(o));
        this.texts.set(o, t);
      }
      return t;
    });
    return { items, revision: r.revision };
  }

  private noteWrite(key: string, rev: string | undefined): void {
    const rp = resourcePrefixOf(key);
    const n = Number(rev);
    if (rp && Number.isFinite(n) && n > (this.written.get(rp) ?? 0)) this.written.set(rp, n);
  }

  /** Creates on the inner storage (errors as EtcdStorage.create) and notes the write's revision. */
  async create(key: string, obj: KubeObject, opts?: WriteOpts): Promise<KubeObject> {
    const out = await this.inner.create(key, obj, opts);
    this.noteWrite(key, out.metadata?.resourceVersion);
    return out;
  }

  /** Compare-and-swap update on the inner storage (errors as EtcdStorage.update); notes the revision. */
  async update(key: string, obj: KubeObject, expectedRev: string, opts?: WriteOpts): Promise<KubeObject> {
    const out = await this.inner.update(key, obj, expectedRev, opts);
    this.noteWrite(key, out.metadata?.resourceVersion);
    return out;
  }

  /** Compare-and-swap delete on the inner storage (errors as EtcdStorage.delete); notes the revision. */
  async delete(key: string, expectedRev: string): Promise<string> {
    const rev = await this.inner.delete(key, expectedRev);
    this.noteWrite(key, rev);
    return rev;
  }

  /**
   * Storage.watch served from the cache: every change under `prefix` from
   * `startRevision` (inclusive), in order, once. Rejects with StorageError
   * Compacted when `startRevision` is older than the ring holds (the caller
   * answers 410). A watcher that falls too far behind gets WatchTerminated
   * via `onError`. Keys outside `/registry/<resource>/` go to the inner storage.
   */
  async watch(prefix: string, startRevision: string, onEvent: CacheEventHandler, onError: (err: StorageError) => void): Promise<CacheWatch> {
    const rp = resourcePrefixOf(prefix);
    if (!rp) {
      const w = await this.inner.watch(prefix, startRevision, (ev) => void onEvent(ev), onError);
      return { stop: () => w.stop(), resume: () => undefined, revision: () => startRevision };
    }
    return this.watchCached(prefix, { mode: 'after', after: Number(startRevision) - 1 }, onEvent, onError);
  }

  /**
   * A watch served from the cache, either after a revision or starting with
   * the current objects (as puts without `prev`, i.e. ADDED). Throws as
   * `watch`; with `consistent`, 504 if the cache has not caught up with the
   * storage's current revision within consistentWaitMs (an idle resource
   * whose last progress notification is older than the latest write
   * elsewhere).
   */
  async watchCached(prefix: string, start: CachedWatchStart, onEvent: CacheEventHandler, onError: (err: StorageError) => void): Promise<CachedWatchResult> {
    const rp = resourcePrefixOf(prefix);
    if (!rp) throw new Error(`not a resource prefix: ${prefix}`);
    const c = this.cacheFor(rp);
    if (start.mode === 'after') {
      const after = start.after ?? 0;
      await c.ready(after);
      const w = c.watch(prefix, after, onEvent, onError);
      return { ...w, startRevision: String(after), initialCount: 0 };
    }
    await c.ready();
    if (start.consistent) {
      const current = Number(await this.inner.currentRevision());
      if (!(await c.waitFor(current, this.opts.consistentWaitMs))) {
        throw tooLargeResourceVersion(current, c.revision);
      }
    }
    const snap = c.snapshot(prefix);
    const initial: StorageEvent[] = snap.items.map(({ key, obj }) => ({ type: 'put', key, obj, rev: Number(obj.metadata?.resourceVersion ?? 0) }));
    const done = start.onInitialDone;
    const w = c.watch(prefix, snap.revision, onEvent, onError, initial, done && (() => done(String(snap.revision))));
    return { ...w, startRevision: String(snap.revision), initialCount: initial.length };
  }

  /** The inner storage's current revision. */
  currentRevision(): Promise<string> {
    return this.inner.currentRevision();
  }

  /** Claims a key on the inner storage (false if taken). */
  reserve(key: string, value: string): Promise<boolean> {
    return this.inner.reserve(key, value);
  }

  /** Releases a claim on the inner storage. */
  release(key: string): Promise<void> {
    return this.inner.release(key);
  }

  /** The claimed keys under a prefix, from the inner storage. */
  reserved(prefix: string): Promise<string[]> {
    return this.inner.reserved(prefix);
  }

  /**
   * Compacts the inner storage's history and forgets the rings' history up
   * to the same revision, so a watch from before it is Compacted here too (as
   * the Storage contract says; kube's cacher, which does not compact, only
   * drops history as its buffer fills).
   */
  async compact(revision: string): Promise<void> {
    await this.inner.compact(revision);
    for (const c of this.caches.values()) c.compacted(Number(revision));
  }

  /** Stops every cache and its storage watch (server shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.caches.values()].map((c) => c.stop()));
  }
}

/** True if `s` is a Cacher (the registry then serves rv=0 lists and watches from memory). */
export function isCacher(s: unknown): s is Cacher {
  return s instanceof Cacher;
}

