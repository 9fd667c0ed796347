/**
 * Object storage on etcd, with only the shapes the API server needs (as
 * k3s-io/kine's "limited" server): create = txn on mod_revision == 0,
 * update/delete = compare-and-swap on mod_revision, list = prefix range at one
 * revision, watch = prefix watch from a revision. resourceVersion is the
 * object's etcd mod_revision, a decimal string.
 */
import type { Etcd3, IKeyValue, IWatchResponse, Watcher } from 'etcd3';
import type { KubeObject } from '../api/object.ts';

/** Why a storage operation failed; the registry maps these to Status errors. */
export type StorageErrorKind = 'AlreadyExists' | 'Conflict' | 'NotFound' | 'Compacted' | 'BadContinue';

/** A storage failure with a machine-readable `kind`. */
export class StorageError extends Error {
  readonly kind: StorageErrorKind;
  constructor(kind: StorageErrorKind, message: string) {
    super(message);
    this.name = 'StorageError';
    this.kind = kind;
  }
}

/** `/registry/<resource>/<namespace>/<name>`, or `/registry/<resource>/<name>` when `namespace` is undefined. */
export function objectKey(resource: string, namespace: string | undefined, name: string): string {
  return namespace === undefined ? `/registry/${resource}/${name}` : `/registry/${resource}/${namespace}/${name}`;
}

/** The key prefix of a resource, or of one namespace of it; always ends in '/'. */
export function resourcePrefix(resource: string, namespace?: string): string {
  return namespace === undefined ? `/registry/${resource}/` : `/registry/${resource}/${namespace}/`;
}

/** The first key after every key starting with `prefix` (etcd's range_end for a prefix). */
export function prefixEnd(prefix: string): Buffer {
  const b = Buffer.from(prefix);
  for (let i = b.length - 1; i >= 0; i--) {
    if (b[i] < 0xff) {
      const out = Buffer.from(b.subarray(0, i + 1));
      out[i] += 1;
      return out;
    }
  }
  return Buffer.from([0]);
}

/** Decodes a stored value and stamps resourceVersion = `rev`. */
export function decode(value: Buffer | string, rev: string): KubeObject {
  const obj = JSON.parse(value.toString()) as KubeObject;
  obj.metadata = { ...(obj.metadata ?? {}), resourceVersion: rev };
  return obj;
}

function encode(obj: KubeObject): string {
  const meta = { ...(obj.metadata ?? {}) };
  delete meta.resourceVersion;
  return JSON.stringify({ ...obj, metadata: meta });
}

/** One change seen by a watch. `obj` carries its new resourceVersion (for deletes, the delete revision). */
export interface StorageEvent {
  type: 'put' | 'delete';
  key: string;
  /** For put: the new object. For delete: the last stored object. */
  obj: KubeObject;
  /** The object before this change, if it existed (undefined for a create). */
  prev?: KubeObject;
  /** The revision of this change. */
  rev: number;
}

/** Result of a range read. */
export interface ListResult {
  items: KubeObject[];
  /** The revision the range was read at. */
  revision: string;
  /** The key to continue from when `limit` cut the range short. */
  nextKey?: string;
}

/** A running storage watch. */
export interface StorageWatch {
  stop(): Promise<void>;
}

const isCompactedError = (e: unknown): boolean => e instanceof Error && /compacted/.test(e.message);

/** Options of a write: `ttlSeconds` attaches an etcd lease, so the key expires (Kubernetes' event TTL). */
export interface WriteOpts {
  ttlSeconds?: number;
}

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

/** Stores Kubernetes objects as JSON values in etcd. Holds no state besides the client and a lease cache. */
export class EtcdStorage {
  readonly client: Etcd3;
  private readonly leases: LeaseCache;
  constructor(client: Etcd3) {
    this.client = client;
    this.leases = new LeaseCache(client);
  }

  /** The lease for a write's TTL, or undefined. (Builders are thenables: never await one before commit.) */
  private async leaseOf(opts: WriteOpts): Promise<string | undefined> {
    return opts.ttlSeconds && opts.ttlSeconds > 0 ? this.leases.leaseFor(opts.ttlSeconds) : undefined;
  }

  private putOp(key: string, value: string, lease: string | undefined): ReturnType<Etcd3['put']> {
    const put = this.client.put(key).value(value);
    return lease ? put.lease(lease) : put;
  }

  /** Reads one object (undefined if absent). */
  async get(key: string): Promise<KubeObject | undefined> {
    const res = await this.client.kv.range({ key: Buffer.from(key) });
    const kv = res.kvs[0];
    return kv ? decode(kv.value, kv.mod_revision) : undefined;
  }

  /** Creates `key` (with a TTL if `opts.ttlSeconds`); throws StorageError AlreadyExists if it exists. Resolves the stored object with its resourceVersion. */
  async create(key: string, obj: KubeObject, opts: WriteOpts = {}): Promise<KubeObject> {
    const value = encode(obj);
    const lease = await this.leaseOf(opts);
    const res = await this.client.if(key, 'Mod', '==', 0).then(this.putOp(key, value, lease)).commit();
    if (!res.succeeded) throw new StorageError('AlreadyExists', `${key} already exists`);
    return decode(value, res.header.revision);
  }

  /**
   * Replaces `key` if its mod_revision still equals `expectedRev` (a TTL, if
   * given, restarts). Throws
   * StorageError NotFound if the key is gone, Conflict if it changed.
   */
  async update(key: string, obj: KubeObject, expectedRev: string, opts: WriteOpts = {}): Promise<KubeObject> {
    const value = encode(obj);
    const lease = await this.leaseOf(opts);
    const res = await this.client.if(key, 'Mod', '==', expectedRev).then(this.putOp(key, value, lease)).else(this.client.get(key)).commit();
    if (!res.succeeded) throw await this.casFailure(key, res.responses);
    return decode(value, res.header.revision);
  }

  /** Deletes `key` if its mod_revision equals `expectedRev`; resolves the delete revision. Errors as `update`. */
  async delete(key: string, expectedRev: string): Promise<string> {
    const res = await this.client.if(key, 'Mod', '==', expectedRev).then(this.client.delete().key(key)).else(this.client.get(key)).commit();
    if (!res.succeeded) throw await this.casFailure(key, res.responses);
    return res.header.revision;
  }

  private async casFailure(key: string, responses: Array<{ response_range?: { kvs: IKeyValue[] } | null }>): Promise<StorageError> {
    const kvs = responses[0]?.response_range?.kvs ?? [];
    if (kvs.length === 0) return new StorageError('NotFound', `${key} not found`);
    return new StorageError('Conflict', `${key} was modified`);
  }

  /**
   * Reads the keys under `prefix` from `startKey` (inclusive, default the
   * prefix itself), at `revision` (default: now), at most `limit` (0 = all).
   * Throws StorageError Compacted if `revision` was compacted.
   */
  async list(prefix: string, opts: { limit?: number; startKey?: string; revision?: string } = {}): Promise<ListResult> {
    const limit = opts.limit ?? 0;
    try {
      const res = await this.client.kv.range({
        key: Buffer.from(opts.startKey ?? prefix),
        range_end: prefixEnd(prefix),
        revision: opts.revision ?? 0,
        limit: limit > 0 ? limit : 0,
      });
      const items = res.kvs.map((kv) => decode(kv.value, kv.mod_revision));
      const last = res.kvs[res.kvs.length - 1];
      const out: ListResult = { items, revision: opts.revision ?? res.header.revision };
      if (res.more && last) out.nextKey = last.key.toString() + '\u0000';
      return out;
    } catch (e) {
      if (isCompactedError(e)) throw new StorageError('Compacted', (e as Error).message);
      throw e;
    }
  }

  /** The current etcd revision. */
  async currentRevision(): Promise<string> {
    const res = await this.client.kv.range({ key: Buffer.from('/registry/'), range_end: prefixEnd('/registry/'), count_only: true });
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
    await this.checkNotCompacted(prefix, startRevision);
    const watcher: Watcher = await this.client.watch().prefix(prefix).startRevision(startRevision).withPreviousKV().create();
    watcher.on('data', (res: IWatchResponse) => {
      if (res.events.length === 0) onProgress?.(res.header.revision);
      for (const ev of res.events) {
        const key = ev.kv.key.toString();
        const rev = Number(ev.kv.mod_revision);
        const prev = ev.prev_kv ? decode(ev.prev_kv.value, ev.prev_kv.mod_revision) : undefined;
        if (ev.type === 'Put') {
          onEvent({ type: 'put', key, obj: decode(ev.kv.value, ev.kv.mod_revision), prev, rev });
        } else if (prev) {
          onEvent({ type: 'delete', key, obj: decode(ev.prev_kv!.value, ev.kv.mod_revision), prev, rev });
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
    try {
      await this.client.kv.range({ key: Buffer.from(prefix), range_end: prefixEnd(prefix), revision: rev, count_only: true });
    } catch (e) {
      if (isCompactedError(e)) throw new StorageError('Compacted', (e as Error).message);
      throw e;
    }
  }

  /** Claims `/registry/<key>` atomically; false if already claimed. */
  async reserve(key: string, value: string): Promise<boolean> {
    const k = `/registry/${key}`;
    const res = await this.client.if(k, 'Mod', '==', 0).then(this.client.put(k).value(value)).commit();
    return res.succeeded;
  }

  /** Releases a claim made by `reserve` (no error if absent). */
  async release(key: string): Promise<void> {
    await this.client.delete().key(`/registry/${key}`);
  }

  /** The claimed keys under `/registry/<prefix>`, without the '/registry/' part. */
  async reserved(prefix: string): Promise<string[]> {
    const keys = await this.client.getAll().prefix(`/registry/${prefix}`).keys();
    return keys.map((k) => k.slice('/registry/'.length));
  }

  /** Compacts etcd history up to `revision` (tests, maintenance). */
  async compact(revision: string): Promise<void> {
    await this.client.kv.compact({ revision, physical: true });
  }
}
