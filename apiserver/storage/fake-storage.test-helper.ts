/**
 * Test helper: a small in-memory Storage with etcd's revision and watch
 * semantics (one global revision, prefix watches from a revision, history
 * that `compact` drops), for unit tests of the watch cache. Watches deliver
 * asynchronously (a microtask per change), as a network watch would.
 */
import type { KubeObject } from '../api/object.ts';
import { StorageError, type ListResult, type StorageEvent, type StorageWatch } from './interface.ts';
import type { ListOpts, Storage } from './interface.ts';

interface FakeWatch {
  prefix: string;
  onEvent: (ev: StorageEvent) => void;
  onError: (err: StorageError) => void;
  onProgress?: (revision: string) => void;
  stopped: boolean;
}

const withRv = (o: KubeObject, rev: number): KubeObject => ({ ...structuredClone(o), metadata: { ...(o.metadata ?? {}), resourceVersion: String(rev) } });

/** In-memory Storage for tests; `getCalls`, `listCalls` and `watchCalls` count inner reads. */
export class FakeStorage implements Storage {
  rev = 1;
  private readonly data = new Map<string, KubeObject>();
  private history: StorageEvent[] = [];
  private compactedAt = 0;
  private readonly watches = new Set<FakeWatch>();
  listCalls = 0;
  watchCalls = 0;
  getCalls = 0;

  /** Live inner watches (the cache should hold one per resource). */
  get liveWatches(): number {
    return [...this.watches].filter((w) => !w.stopped).length;
  }

  async get(key: string): Promise<KubeObject | undefined> {
    this.getCalls++;
    return this.data.get(key);
  }

  async list(prefix: string, opts: ListOpts = {}): Promise<ListResult> {
    this.listCalls++;
    const at = opts.revision ? Number(opts.revision) : this.rev;
    if (at < this.compactedAt) throw new StorageError('Compacted', 'mvcc: required revision has been compacted');
    if (at > this.rev) throw new Error('etcdserver: mvcc: required revision is a future revision');
    const state = new Map(this.data);
    for (const ev of [...this.history].reverse()) {
      if (ev.rev <= at) break;
      if (ev.prev) state.set(ev.key, ev.prev);
      else state.delete(ev.key);
    }
    const keys = [...state.keys()].filter((k) => k.startsWith(prefix) && (!opts.startKey || k >= opts.startKey)).sort();
    const limit = opts.limit ?? 0;
    const page = limit > 0 ? keys.slice(0, limit) : keys;
    const out: ListResult = { items: page.map((k) => state.get(k)!), revision: String(at) };
    if (limit > 0 && keys.length > limit) out.nextKey = page[page.length - 1] + '\u0000';
    return out;
  }

  private held: StorageEvent[] | undefined;

  /** Holds back watch delivery (a slow network) until `releaseWatches`. */
  holdWatches(): void {
    this.held ??= [];
  }

  /** Delivers the held changes and resumes normal delivery. */
  releaseWatches(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const ev of held) this.deliver(ev);
  }

  private emit(ev: StorageEvent): void {
    this.history.push(ev);
    if (this.held) this.held.push(ev);
    else this.deliver(ev);
  }

  private deliver(ev: StorageEvent): void {
    for (const w of this.watches) {
      if (!w.stopped && ev.key.startsWith(w.prefix)) queueMicrotask(() => { if (!w.stopped) w.onEvent(ev); });
    }
  }

  async create(key: string, obj: KubeObject): Promise<KubeObject> {
    if (this.data.has(key)) throw new StorageError('AlreadyExists', `${key} already exists`);
    const stored = withRv(obj, ++this.rev);
    this.data.set(key, stored);
    this.emit({ type: 'put', key, obj: stored, rev: this.rev });
    return stored;
  }

  async update(key: string, obj: KubeObject, expectedRev: string): Promise<KubeObject> {
    const cur = this.data.get(key);
    if (!cur) throw new StorageError('NotFound', `${key} not found`);
    if (cur.metadata?.resourceVersion !== expectedRev) throw new StorageError('Conflict', `${key} was modified`);
    const stored = withRv(obj, ++this.rev);
    this.data.set(key, stored);
    this.emit({ type: 'put', key, obj: stored, prev: cur, rev: this.rev });
    return stored;
  }

  async delete(key: string, expectedRev: string): Promise<string> {
    const cur = this.data.get(key);
    if (!cur) throw new StorageError('NotFound', `${key} not found`);
    if (cur.metadata?.resourceVersion !== expectedRev) throw new StorageError('Conflict', `${key} was modified`);
    this.data.delete(key);
    this.emit({ type: 'delete', key, obj: withRv(cur, ++this.rev), prev: cur, rev: this.rev });
    return String(this.rev);
  }

  async watch(prefix: string, startRevision: string, onEvent: (ev: StorageEvent) => void, onError: (err: StorageError) => void, onProgress?: (revision: string) => void): Promise<StorageWatch> {
    this.watchCalls++;
    const start = Number(startRevision);
    if (start < this.compactedAt) throw new StorageError('Compacted', 'mvcc: required revision has been compacted');
    const w: FakeWatch = { prefix, onEvent, onError, onProgress, stopped: false };
    for (const ev of this.history) if (ev.rev >= start && ev.key.startsWith(prefix)) queueMicrotask(() => { if (!w.stopped) onEvent(ev); });
    this.watches.add(w);
    return { stop: async () => { w.stopped = true; this.watches.delete(w); } };
  }

  /** Sends every live watch a progress notification at the current revision (as etcd does for idle watchers). */
  progress(): void {
    const rev = String(this.rev);
    for (const w of this.watches) queueMicrotask(() => { if (!w.stopped) w.onProgress?.(rev); });
  }

  /** Delivers the latest change once more (an at-least-once stream resuming after a reconnect). */
  redeliverLast(): void {
    const ev = this.history[this.history.length - 1];
    if (ev) this.deliver(ev);
  }

  /** Advances the revision without touching any watched key (a write elsewhere). */
  bump(): void {
    this.rev++;
  }

  /** Cancels every watch with a compaction error (as etcd does when a watch's revision is compacted). */
  cancelWatches(): void {
    for (const w of [...this.watches]) {
      w.stopped = true;
      this.watches.delete(w);
      w.onError(new StorageError('Compacted', 'etcdserver: mvcc: required revision has been compacted'));
    }
  }

  async currentRevision(): Promise<string> {
    return String(this.rev);
  }

  async reserve(key: string, value: string): Promise<boolean> {
    const k = `/registry/${key}`;
    if (this.data.has(k)) return false;
    this.data.set(k, { metadata: { name: value } });
    this.rev++;
    return true;
  }

  async release(key: string): Promise<void> {
    this.data.delete(`/registry/${key}`);
  }

  async reserved(prefix: string): Promise<string[]> {
    return [...this.data.keys()].filter((k) => k.startsWith(`/registry/${prefix}`)).map((k) => k.slice('/registry/'.length));
  }

  async compact(revision: string): Promise<void> {
    this.compactedAt = Number(revision);
    this.history = this.history.filter((e) => e.rev > this.compactedAt);
  }
}
