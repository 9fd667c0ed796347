/**
 * Storage on etcd (see interface.ts for the contract). Failures are
 * classified once (etcd-errors.ts): reads are retried a few times on
 * transient errors, writes never; a write whose request is over etcd's size
 * limit is refused before it is sent; lists are read in pages at one
 * revision so no response is large. Build the client with createEtcdClient
 * (etcd-client.ts) so that no failure trips a breaker for other requests.
 */
import { CompareResult, CompareTarget, type Etcd3, type IKeyValue, type IRequestOp, type ITxnResponse, type IWatchResponse, type Watcher } from 'etcd3';
import type { KubeObject } from '../api/object.ts';
import { decode, encode, stamped, stampedJson, stampedText } from './codec.ts';
import { ETCD_MAX_REQUEST_BYTES } from './etcd-client.ts';
import { classifyEtcdError, isTransientEtcdError } from './etcd-errors.ts';
import { keyAfter, prefixEnd } from './keys.ts';
import { StorageError, type ListOpts, type ListResult, type Storage, type TextListResult, type StorageEvent, type StorageWatch, type WriteOpts } from './interface.ts';

export { decode } from './codec.ts';
export { objectKey, prefixEnd, resourcePrefix } from './keys.ts';
export { StorageError } from './interface.ts';
export type { ListOpts, ListResult, Storage, StorageErrorKind, StorageEvent, StorageWatch, TextListResult, WriteOpts } from './interface.ts';

/** Options of EtcdStorage. */
export interface EtcdStorageOptions {
  /** Keys of a list's first range request, and the least of every later one (default 500, kube-apiserver's page size for large lists). */
  pageSize?: number;
  /**
   * Bytes a later range request aims at (default 2 MiB): a page holds as
   * many keys as fit at the average value size read so far, between
   * pageSize and 10 000 (kube's etcd3 maxLimit); 0 keeps every page at
   * pageSize.
   */
  pageBytes?: number;
  /** etcd's --max-request-bytes (default 1.5 MiB): larger writes fail with TooLarge without being sent. */
  maxRequestBytes?: number;
  /** Attempts of a read on transient errors (default 3). */
  readAttempts?: number;
}

/** Most keys of one range request (kube-apiserver's etcd3 store maxLimit). */
const MAX_PAGE_KEYS = 10000;

/** Bytes a put of `value` at `key` adds to a txn beyond the value itself (key twice, compare, framing). */
const TXN_OVERHEAD_BYTES = 256;

/**
 * Hands out etcd leases for TTL'd keys, reusing one lease for a short window
 * (min(60 s, 5 % of the TTL)) as Kubernetes' lease manager does, so that a
 * burst of events does not grant one lease each. A lease is granted for
 * TTL + window, so every key lives at least its TTL.
 */
class LeaseCache {
  private readonly client: Etcd3;
  private readonly current = new Map<number, { id: string; until: number }>();
  constructor(client: Etcd3) {
    this.client = client;
  }

  async leaseFor(ttlSeconds: number): Promise<string> {
    const now = Date.now();
    const window = Math.min(60, ttlSeconds * 0.05);
    const cur = this.current.get(ttlSeconds);
    if (cur && cur.until > now) return cur.id;
    const res = await this.client.leaseClient.leaseGrant({ TTL: Math.ceil(ttlSeconds + window), ID: 0 });
    this.current.set(ttlSeconds, { id: String(res.ID), until: now + window * 1000 });
    return String(res.ID);
  }
}

const isRevision = (s: string): boolean => /^\d+$/.test(s);

/** Stores Kubernetes objects as JSON values in etcd. Holds no state besides the client and a lease cache. */
export class EtcdStorage implements Storage {
  readonly client: Etcd3;
  private readonly leases: LeaseCache;
  private readonly pageSize: number;
  private readonly pageBytes: number;
  private readonly maxRequestBytes: number;
  private readonly readAttempts: number;
  /** The stored text (encode's) and revision of each object `create` resolved, for createdText; held weakly. */
  private readonly created = new WeakMap<KubeObject, { text: string; rev: string }>();

  constructor(client: Etcd3, opts: EtcdStorageOptions = {}) {
    this.client = client;
    this.leases = new LeaseCache(client);
    this.pageSize = Math.max(1, opts.pageSize ?? 500);
    this.pageBytes = Math.max(0, opts.pageBytes ?? 2 * 1024 * 1024);
    this.maxRequestBytes = opts.maxRequestBytes ?? ETCD_MAX_REQUEST_BYTES;
    this.readAttempts = Math.max(1, opts.readAttempts ?? 3);
  }

  /** Runs an idempotent read, retrying transient failures (backoff 50 ms doubling); rejects with a classified StorageError. */
  private async read<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (attempt >= this.readAttempts || !isTransientEtcdError(e)) throw classifyEtcdError(e, 'read');
        await new Promise((r) => setTimeout(r, 50 * 2 ** (attempt - 1)));
      }
    }
  }

  /** Runs a write once; rejects with a classified StorageError (Timeout when the outcome is unknown). */
  private async write<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw classifyEtcdError(e, 'write');
    }
  }

  /** See Storage.sizeError: the TooLarge error etcd's request limit would give `obj` at `key`, or undefined. */
  sizeError(key: string, obj: KubeObject): StorageError | undefined {
    try {
      this.checkSize(key, Buffer.from(encode(obj)));
      return undefined;
    } catch (e) {
      if (e instanceof StorageError) return e;
      throw e;
    }
  }

  /** Refuses a write etcd would refuse for its size, without sending it (a too-large message also resets the client's connections). */
  private checkSize(key: string, value: Buffer): void {
    const bytes = value.length + 2 * Buffer.byteLength(key) + TXN_OVERHEAD_BYTES;
    if (bytes > this.maxRequestBytes) throw new StorageError('TooLarge', 'etcdserver: request is too large');
  }

  /** The lease for a write's TTL, or undefined. (Builders are thenables: never await one before commit.) */
  private async leaseOf(opts: WriteOpts): Promise<string | undefined> {
    return opts.ttlSeconds && opts.ttlSeconds > 0 ? this.leases.leaseFor(opts.ttlSeconds) : undefined;
  }

  /**
   * One txn: if `key`'s mod_revision == `modRevision` (0: the key is absent),
   * put `value` (UTF-8 bytes; on `lease`, if given), else run `failure`. Sent with the KV
   * client itself rather than its comparator builder (which wraps every
   * clause in a promise and converts each key again): the same request, the
   * client's call options (deadline) and error mapping. Rejects as the
   * client does.
   */
  private casPut(key: string, value: Buffer, modRevision: string | number, lease: string | undefined, failure: IRequestOp[]): Promise<ITxnResponse> {
    const k = Buffer.from(key);
    return this.client.kv.txn({
      compare: [{ key: k, result: CompareResult.Equal, target: CompareTarget.Mod, mod_revision: modRevision }],
      success: [{ request_put: lease ? { key: k, value, lease } : { key: k, value } }],
      failure,
    });
  }

  /** Reads one object (undefined if absent). */
  async get(key: string): Promise<KubeObject | undefined> {
    const res = await this.read(() => this.client.kv.range({ key: Buffer.from(key) }));
    const kv = res.kvs[0];
    return kv ? decode(kv.value, kv.mod_revision) : undefined;
  }

  /**
   * Creates `key` (with a TTL if `opts.ttlSeconds`); AlreadyExists if it
   * exists, TooLarge over etcd's limit. Resolves the stored object with its
   * resourceVersion, built from `obj` without re-parsing what was just
   * encoded (codec.ts stamped: nested values are shared with `obj`, which
   * the caller hands over).
   */
  async create(key: string, obj: KubeObject, opts: WriteOpts = {}): Promise<KubeObject> {
    // Encoded once: the size check and the txn share the bytes, createdText the text.
    const text = encode(obj);
    const value = Buffer.from(text);
    this.checkSize(key, value);
    const res = await this.write(async () => {
      const lease = await this.leaseOf(opts);
      return this.casPut(key, value, 0, lease, []);
    });
    if (!res.succeeded) throw new StorageError('AlreadyExists', `${key} already exists`);
    const out = stamped(obj, res.header.revision);
    this.created.set(out, { text, rev: res.header.revision });
    return out;
  }

  /** See Storage.createdText: the stored text with resourceVersion spliced in (codec.ts stampedJson), for an object `create` resolved. */
  createdText(obj: KubeObject): string | undefined {
    const c = this.created.get(obj);
    return c ? stampedJson(c.text, c.rev) : undefined;
  }

  /**
   * Replaces `key` if its mod_revision still equals `expectedRev` (a TTL, if
   * given, restarts). Throws StorageError NotFound if the key is gone,
   * Conflict if it changed, TooLarge over etcd's limit. Resolves as
   * `create` does (`obj` stamped, not re-parsed).
   */
  async update(key: string, obj: KubeObject, expectedRev: string, opts: WriteOpts = {}): Promise<KubeObject> {
    if (!isRevision(expectedRev)) throw new StorageError('Invalid', `invalid resource version ${JSON.stringify(expectedRev)}`);
    const value = Buffer.from(encode(obj));
    this.checkSize(key, value);
    const res = await this.write(async () => {
      const lease = await this.leaseOf(opts);
      return this.casPut(key, value, expectedRev, lease, [{ request_range: { key: Buffer.from(key), limit: 1 } }]);
    });
    if (!res.succeeded) throw casFailure(key, res.responses);
    return stamped(obj, res.header.revision);
  }

  /** Deletes `key` if its mod_revision equals `expectedRev`; resolves the delete revision. Errors as `update`. */
  async delete(key: string, expectedRev: string): Promise<string> {
    if (!isRevision(expectedRev)) throw new StorageError('Invalid', `invalid resource version ${JSON.stringify(expectedRev)}`);
    const res = await this.write(() => this.client.if(key, 'Mod', '==', expectedRev).then(this.client.delete().key(key)).else(this.client.get(key)).commit());
    if (!res.succeeded) throw casFailure(key, res.responses);
    return res.header.revision;
  }

  /**
   * Reads the keys under `prefix` from `startKey` (inclusive, default the
   * prefix itself), at `revision` (default: now), at most `limit` (0 = all),
   * in range requests of `pageSize` keys pinned to the first one's revision.
   * Throws StorageError Compacted / FutureRevision for such a revision,
   * Invalid for a malformed one.
   */
  async list(prefix: string, opts: ListOpts = {}): Promise<ListResult> {
    return this.range(prefix, opts, (kv) => decode(kv.value, kv.mod_revision));
  }

  /** `list` with each value as its JSON text, resourceVersion stamped (codec.ts stampedText): no parse for values as encode wrote them. */
  async listText(prefix: string, opts: ListOpts = {}): Promise<TextListResult> {
    return this.range(prefix, opts, (kv) => stampedText(kv.value, kv.mod_revision));
  }

  /** The paged range read of `list`, converting each key-value with `item`. */
  private async range<T>(prefix: string, opts: ListOpts, item: (kv: IKeyValue) => T): Promise<{ items: T[]; revision: string; nextKey?: string }> {
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    if (opts.revision !== undefined && !isRevision(opts.revision)) throw new StorageError('Invalid', `invalid resource version ${JSON.stringify(opts.revision)}`);
    const end = prefixEnd(prefix);
    let start = opts.startKey ?? prefix;
    let revision = opts.revision;
    const items: T[] = [];
    let page = this.pageSize;
    let bytes = 0;
    for (;;) {
      const want = limit > 0 ? Math.min(page, limit - items.length) : page;
      const res = await this.read(() => this.client.kv.range({ key: Buffer.from(start), range_end: end, revision: revision ?? 0, limit: want }));
      revision ??= res.header.revision;
      for (const kv of res.kvs) {
        bytes += kv.value.length;
        items.push(item(kv));
      }
      page = nextPageKeys(this.pageSize, this.pageBytes, items.length, bytes);
      const last = res.kvs[res.kvs.length - 1];
      if (!res.more || !last) return { items, revision };
      start = keyAfter(last.key.toString());
      if (limit > 0 && items.length >= limit) return { items, revision, nextKey: start };
    }
  }

  /** The current etcd revision. */
  async currentRevision(): Promise<string> {
    const res = await this.read(() => this.client.kv.range({ key: Buffer.from('/registry/'), range_end: prefixEnd('/registry/'), count_only: true }));
    return res.header.revision;
  }

  /**
   * Watches every key under `prefix` from `startRevision` (inclusive), calling
   * `onEvent` for each change in revision order and `onError` once if etcd
   * cancels the watch (e.g. compaction). Rejects with StorageError Compacted
   * if `startRevision` is already compacted. `onProgress(revision)`, if
   * given, receives etcd's progress notifications (every change up to
   * `revision` has been delivered; see etcd's
   * --experimental-watch-progress-notify-interval).
   */
  async watch(prefix: string, startRevision: string, onEvent: (ev: StorageEvent) => void, onError: (err: StorageError) => void, onProgress?: (revision: string) => void): Promise<StorageWatch> {
    if (!isRevision(startRevision)) throw new StorageError('Invalid', `invalid resource version ${JSON.stringify(startRevision)}`);
    await this.checkNotCompacted(prefix, startRevision);
    const watcher: Watcher = await this.read(() => this.client.watch().prefix(prefix).startRevision(startRevision).withPreviousKV().create());
    watcher.on('data', (res: IWatchResponse) => {
      if (res.events.length === 0) onProgress?.(res.header.revision);
      for (const ev of res.events) {
        const key = ev.kv.key.toString();
        const rev = Number(ev.kv.mod_revision);
        const prev = ev.prev_kv ? decode(ev.prev_kv.value, ev.prev_kv.mod_revision) : undefined;
        if (ev.type === 'Put') {
          onEvent({ type: 'put', key, obj: decode(ev.kv.value, ev.kv.mod_revision), prev, rev });
        } else if (ev.prev_kv) {
          onEvent({ type: 'delete', key, obj: decode(ev.prev_kv.value, ev.kv.mod_revision), prev, rev });
        }
      }
    });
    watcher.on('error', (err: Error) => {
      onError(new StorageError('Compacted', err.message));
    });
    return { stop: () => watcher.cancel() };
  }

  private async checkNotCompacted(prefix: string, startRevision: string): Promise<void> {
    const current = Number(await this.currentRevision());
    const rev = Number(startRevision);
    if (rev > current) return;
    await this.read(() => this.client.kv.range({ key: Buffer.from(prefix), range_end: prefixEnd(prefix), revision: rev, count_only: true }));
  }

  /** Claims `/registry/<key>` atomically; false if already claimed. */
  async reserve(key: string, value: string): Promise<boolean> {
    const k = `/registry/${key}`;
    const res = await this.write(() => this.client.if(k, 'Mod', '==', 0).then(this.client.put(k).value(value)).commit());
    return res.succeeded;
  }

  /** Releases a claim made by `reserve` (no error if absent). */
  async release(key: string): Promise<void> {
    await this.write(() => this.client.delete().key(`/registry/${key}`).exec());
  }

  /** The claimed keys under `/registry/<prefix>`, without the '/registry/' part. */
  async reserved(prefix: string): Promise<string[]> {
    const keys = await this.read(() => this.client.getAll().prefix(`/registry/${prefix}`).keys());
    return keys.map((k) => k.slice('/registry/'.length));
  }

  /** Compacts etcd history up to `revision` (tests, maintenance). */
  async compact(revision: string): Promise<void> {
    if (!isRevision(revision)) throw new StorageError('Invalid', `invalid revision ${JSON.stringify(revision)}`);
    await this.write(() => this.client.kv.compact({ revision, physical: true }));
  }
}

/**
 * Keys of the next range request of a list: as many as fit in `pageBytes` at
 * the average value size of the `keys` values (`bytes` in all) read so far,
 * between `pageSize` and MAX_PAGE_KEYS; `pageSize` when `pageBytes` is 0.
 * Pure.
 */
export function nextPageKeys(pageSize: number, pageBytes: number, keys: number, bytes: number): number {
  if (pageBytes <= 0 || keys === 0) return pageSize;
  const fit = bytes > 0 ? Math.floor((pageBytes * keys) / bytes) : MAX_PAGE_KEYS;
  return Math.max(pageSize, Math.min(MAX_PAGE_KEYS, fit));
}

/** The error of a failed CAS txn: NotFound if the else-branch read found no key, else Conflict. */
function casFailure(key: string, responses: Array<{ response_range?: { kvs: IKeyValue[] } | null }>): StorageError {
  const kvs = responses[0]?.response_range?.kvs ?? [];
  if (kvs.length === 0) return new StorageError('NotFound', `${key} not found`);
  return new StorageError('Conflict', `${key} was modified`);
}
