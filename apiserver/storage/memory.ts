/**
 * Storage in memory with etcd's revision and watch semantics (see
 * interface.ts and the shared contract in contract.test-suite.ts): one global revision
 * counter starting at 1, a mod_revision per key, CAS on it, prefix ranges in
 * key order at any revision still in history, watches from a revision that
 * deliver every change once in order with the previous object, compaction
 * (Compacted for older revisions), and TTLs. Values are kept as JSON, so
 * callers never alias stored objects. For unit tests and the FakeClient.
 */
import type { KubeObject } from '../api/object.ts';
import { decode, encode } from './codec.ts';
import { keyAfter } from './keys.ts';
import { StorageError, type ListOpts, type ListResult, type Storage, type StorageEvent, type StorageWatch, type WriteOpts } from './interface.ts';

/** One version of a key; `value` undefined marks a delete (a tombstone). */
interface Version {
  rev: number;
  value?: string;
}

interface Change {
  rev: number;
  key: string;
  value?: string;
  prev?: Version;
}

interface Subscriber {
  prefix: string;
  /** The next revision this subscriber may be sent. */
  next: number;
  onEvent: (ev: StorageEvent) => void;
  stopped: boolean;
}

/** Options of MemoryStorage. */
export interface MemoryStorageOptions {
  /** Writes larger than this many bytes fail with TooLarge (default 1.5 MiB, etcd's limit). */
  maxRequestBytes?: number;
}

const isRevision = (s: string): boolean => /^\d+$/.test(s);

/** In-memory Storage (see file doc). Timers for TTLs are unref'd; `close()` clears them and ends watches. */
export class MemoryStorage implements Storage {
  private rev = 1;
  private compactedRev = 0;
  /** Every key ever written (until compaction drops it), sorted. */
  private keys: string[] = [];
  private readonly versions = new Map<string, Version[]>();
  private changes: Change[] = [];
  private readonly subscribers = new Set<Subscriber>();
  private readonly pending: Change[] = [];
  private delivering = false;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly maxRequestBytes: number;

  constructor(opts: MemoryStorageOptions = {}) {
    this.maxRequestBytes = opts.maxRequestBytes ?? 1.5 * 1024 * 1024;
  }
  /** See Storage.sizeError: TooLarge when `obj` at `key` is over the size limit (the same rule as a write), else undefined. */
  sizeError(key: string, obj: KubeObject): StorageError | undefined {
    return Buffer.byteLength(encode(obj)) + Buffer.byteLength(key) > this.maxRequestBytes ? new StorageError('TooLarge', 'etcdserver: request is too large') : undefined;
  }


  /** Ends every watch and cancels pending TTL expiries. */
  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.subscribers) s.stopped = true;
    this.subscribers.clear();
  }

  async get(key: string): Promise<KubeObject | undefined> {
    const v = this.latest(key);
    return v?.value !== undefined ? decode(v.value, String(v.rev)) : undefined;
  }

  async create(key: string, obj: KubeObject, opts: WriteOpts = {}): Promise<KubeObject> {
    const value = this.encodeChecked(key, obj);
    if (this.latest(key)?.value !== undefined) throw new StorageError('AlreadyExists', `${key} already exists`);
    const rev = this.commit(key, value, opts);
    return decode(value, String(rev));
  }

  async update(key: string, obj: KubeObject, expectedRev: string, opts: WriteOpts = {}): Promise<KubeObject> {
    if (!isRevision(expectedRev)) throw new StorageError('Invalid', `invalid resource version ${JSON.stringify(expectedRev)}`);
    const value = this.encodeChecked(key, obj);
    this.checkCas(key, expectedRev);
    const rev = this.commit(key, value, opts);
    return decode(value, String(rev));
  }

  async delete(key: string, expectedRev: string): Promise<string> {
    if (!isRevision(expectedRev)) throw new StorageError('Invalid', `invalid resource version ${JSON.stringify(expectedRev)}`);
    this.checkCas(key, expectedRev);
    return String(this.commit(key, undefined, {}));
  }

  async list(prefix: string, opts: ListOpts = {}): Promise<ListResult> {
    if (opts.revision !== undefined && !isRevision(opts.revision)) throw new StorageError('Invalid', `invalid resource version ${JSON.stringify(opts.revision)}`);
    const at = opts.revision === undefined || opts.revision === '0' ? this.rev : Number(opts.revision);
    this.checkReadable(at);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const items: KubeObject[] = [];
    const start = opts.startKey ?? prefix;
    let lastKey = '';
    for (let i = lowerBound(this.keys, start); i < this.keys.length; i++) {
      const key = this.keys[i];
      if (!key.startsWith(prefix)) break;
      const v = versionAt(this.versions.get(key) ?? [], at);
      if (v?.value === undefined) continue;
      if (limit > 0 && items.length >= limit) return { items, revision: String(at), nextKey: keyAfter(lastKey) };
      items.push(decode(v.value, String(v.rev)));
      lastKey = key;
    }
    return { items, revision: String(at) };
  }

  async currentRevision(): Promise<string> {
    return String(this.rev);
  }

  /** The current revision, synchronously (tests). */
  revisionNow(): string {
    return String(this.rev);
  }

  async watch(prefix: string, startRevision: string, onEvent: (ev: StorageEvent) => void, _onError: (err: StorageError) => void): Promise<StorageWatch> {
    if (!isRevision(startRevision)) throw new StorageError('Invalid', `invalid resource version ${JSON.stringify(startRevision)}`);
    const from = Number(startRevision);
    if (from > 0 && from < this.compactedRev) throw new StorageError('Compacted', 'mvcc: required revision has been compacted');
    const sub: Subscriber = { prefix, next: from === 0 ? this.rev + 1 : from, onEvent, stopped: false };
    // Replay history first, then join live delivery; `next` drops anything seen twice.
    for (const c of this.changes) if (c.rev >= sub.next) this.send(sub, c);
    this.subscribers.add(sub);
    return {
      stop: async () => {
        sub.stopped = true;
        this.subscribers.delete(sub);
      },
    };
  }

  async reserve(key: string, value: string): Promise<boolean> {
    const k = `/registry/${key}`;
    if (this.latest(k)?.value !== undefined) return false;
    this.commit(k, value, {});
    return true;
  }

  async release(key: string): Promise<void> {
    const k = `/registry/${key}`;
    if (this.latest(k)?.value !== undefined) this.commit(k, undefined, {});
  }

  async reserved(prefix: string): Promise<string[]> {
    const p = `/registry/${prefix}`;
    const out: string[] = [];
    for (let i = lowerBound(this.keys, p); i < this.keys.length && this.keys[i].startsWith(p); i++) {
      if (this.latest(this.keys[i])?.value !== undefined) out.push(this.keys[i].slice('/registry/'.length));
    }
    return out;
  }

  async compact(revision: string): Promise<void> {
    if (!isRevision(revision)) throw new StorageError('Invalid', `invalid revision ${JSON.stringify(revision)}`);
    const at = Number(revision);
    if (at > this.rev) throw new StorageError('FutureRevision', 'mvcc: required revision is a future revision');
    if (at <= this.compactedRev) throw new StorageError('Compacted', 'mvcc: required revision has been compacted');
    this.compactedRev = at;
    this.changes = this.changes.filter((c) => c.rev >= at);
    const kept: string[] = [];
    for (const key of this.keys) {
      const vs = this.versions.get(key) ?? [];
      // Keep the version visible at `at` (unless it is a tombstone) and everything after it, as etcd does.
      let i = vs.length - 1;
      while (i >= 0 && vs[i].rev > at) i--;
      const rest = i < 0 ? vs : vs.slice(vs[i].value === undefined ? i + 1 : i);
      if (rest.length === 0) {
        this.versions.delete(key);
      } else {
        this.versions.set(key, rest);
        kept.push(key);
      }
    }
    this.keys = kept;
  }

  // ---------- internals ----------

  private encodeChecked(key: string, obj: KubeObject): string {
    const value = encode(obj);
    if (Buffer.byteLength(value) + Buffer.byteLength(key) > this.maxRequestBytes) throw new StorageError('TooLarge', 'etcdserver: request is too large');
    return value;
  }

  private latest(key: string): Version | undefined {
    const vs = this.versions.get(key);
    return vs?.[vs.length - 1];
  }

  private checkCas(key: string, expectedRev: string): void {
    const v = this.latest(key);
    if (v?.value === undefined) throw new StorageError('NotFound', `${key} not found`);
    if (String(v.rev) !== expectedRev) throw new StorageError('Conflict', `${key} was modified`);
  }

  private checkReadable(at: number): void {
    if (at < this.compactedRev) throw new StorageError('Compacted', 'mvcc: required revision has been compacted');
    if (at > this.rev) throw new StorageError('FutureRevision', 'mvcc: required revision is a future revision');
  }

  /** Applies one write at the next revision (value undefined: delete), schedules its TTL, and queues its event. */
  private commit(key: string, value: string | undefined, opts: WriteOpts): number {
    const rev = ++this.rev;
    const prev = this.latest(key);
    let vs = this.versions.get(key);
    if (!vs) {
      vs = [];
      this.versions.set(key, vs);
      this.keys.splice(lowerBound(this.keys, key), 0, key);
    }
    vs.push({ rev, value });
    if (value !== undefined && opts.ttlSeconds && opts.ttlSeconds > 0) this.expireLater(key, rev, opts.ttlSeconds);
    const change: Change = { rev, key, value, prev: prev?.value !== undefined ? prev : undefined };
    this.changes.push(change);
    this.pending.push(change);
    this.drain();
    return rev;
  }

  /** Deletes `key` after `ttlSeconds` unless it was written again since revision `rev` (etcd's lease expiry). */
  private expireLater(key: string, rev: number, ttlSeconds: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (this.latest(key)?.rev === rev) this.commit(key, undefined, {});
    }, ttlSeconds * 1000);
    t.unref();
    this.timers.add(t);
  }

  /** Delivers queued changes in revision order; re-entrant writes from a callback wait their turn. */
  private drain(): void {
    if (this.delivering) return;
    this.delivering = true;
    try {
      for (let c = this.pending.shift(); c; c = this.pending.shift()) {
        for (const s of [...this.subscribers]) this.send(s, c);
      }
    } finally {
      this.delivering = false;
    }
  }

  private send(s: Subscriber, c: Change): void {
    if (s.stopped || c.rev < s.next || !c.key.startsWith(s.prefix)) return;
    s.next = c.rev + 1;
    const prev = c.prev?.value !== undefined ? decode(c.prev.value, String(c.prev.rev)) : undefined;
    if (c.value !== undefined) {
      s.onEvent({ type: 'put', key: c.key, obj: decode(c.value, String(c.rev)), prev, rev: c.rev });
    } else if (c.prev?.value !== undefined) {
      s.onEvent({ type: 'delete', key: c.key, obj: decode(c.prev.value, String(c.rev)), prev, rev: c.rev });
    }
  }
}

/** The index of the first element >= `key` in sorted `arr` (byte order of UTF-16 code units, as etcd's for ASCII keys). */
function lowerBound(arr: string[], key: string): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The version of a key visible at revision `at`. */
function versionAt(vs: Version[], at: number): Version | undefined {
  for (let i = vs.length - 1; i >= 0; i--) if (vs[i].rev <= at) return vs[i];
  return undefined;
}

