/**
 * The Storage interface the registry is written against, with only the etcd
 * shapes the API server needs (as k3s-io/kine's "limited" server): create is
 * a txn on mod_revision == 0, update and delete compare-and-swap on the key's
 * mod_revision, a list is a prefix range at one revision, a watch starts from
 * a revision. One global revision counter orders every write;
 * resourceVersion is the object's mod_revision as a decimal string.
 *
 * Implementations: EtcdStorage (etcd.ts) and MemoryStorage (memory.ts); both
 * pass the same contract suite (contract.test-suite.ts). A watch cache decorates either.
 */
import type { Status } from 'kubernetes-types/meta/v1';
import type { KubeObject } from '../api/object.ts';
import { StatusError } from '../api/errors.ts';

/**
 * Why a storage operation failed. The registry maps the object-level kinds
 * (AlreadyExists, Conflict, NotFound) to Status errors naming the object; the
 * others carry their final Status already.
 */
export type StorageErrorKind =
  | 'AlreadyExists'
  | 'Conflict'
  | 'NotFound'
  /** The revision asked for was compacted (410 Expired). */
  | 'Compacted'
  /** The revision asked for is after the current one (504, as kube's TooLargeResourceVersion). */
  | 'FutureRevision'
  | 'BadContinue'
  /** A malformed argument, e.g. a revision that is not a decimal number (400). */
  | 'Invalid'
  /** The request is over the storage's request size limit (413 RequestEntityTooLarge). */
  | 'TooLarge'
  /** The call did not complete in time or lost its connection: for a write, the outcome is unknown (504 Timeout). */
  | 'Timeout'
  /** The storage could not be reached or refused the call for a reason of its own (503). */
  | 'Unavailable';

const httpOf: Record<StorageErrorKind, [number, string]> = {
  AlreadyExists: [409, 'AlreadyExists'],
  Conflict: [409, 'Conflict'],
  NotFound: [404, 'NotFound'],
  Compacted: [410, 'Expired'],
  FutureRevision: [504, 'Timeout'],
  BadContinue: [400, 'BadRequest'],
  Invalid: [400, 'BadRequest'],
  TooLarge: [413, 'RequestEntityTooLarge'],
  Timeout: [504, 'Timeout'],
  Unavailable: [503, 'ServiceUnavailable'],
};

/**
 * The Status a StorageError leaves the server as when nothing maps it to a
 * more specific one. Messages follow k8s.io/apimachinery/pkg/api/errors:
 * NewRequestEntityTooLargeError ("Request entity too large: …"),
 * NewTimeoutError ("Timeout: …", as the handler timeout's "request did not
 * complete within requested timeout - …"), NewTooLargeResourceVersionError.
 */
export function storageStatus(kind: StorageErrorKind, message: string): Status {
  const [code, reason] = httpOf[kind];
  let text = message;
  let details: Status['details'];
  if (kind === 'TooLarge') text = `Request entity too large: ${message}`;
  else if (kind === 'Timeout') text = `Timeout: request did not complete within requested timeout - ${message}`;
  else if (kind === 'FutureRevision') details = { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1 };
  else if (kind === 'Compacted') text = `too old resource version: ${message}`;
  const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: text, reason, code };
  if (details) status.details = details;
  return status;
}

/**
 * A storage failure with a machine-readable `kind`. It is a StatusError, so
 * one that escapes unmapped still answers with the right code (never a 500).
 */
export class StorageError extends StatusError {
  readonly kind: StorageErrorKind;
  constructor(kind: StorageErrorKind, message: string) {
    super(storageStatus(kind, message));
    // The raw cause; `status.message` holds the text the client sees.
    this.message = message;
    this.name = 'StorageError';
    this.kind = kind;
  }
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

/** Result of a range read as JSON text (see Storage.listText). */
export interface TextListResult {
  /** Each object's JSON text as UTF-8 bytes, resourceVersion stamped, in key order. */
  items: Buffer[];
  /** The revision the range was read at. */
  revision: string;
  /** The key to continue from when `limit` cut the range short. */
  nextKey?: string;
}

/** Options of a range read (see Storage.list). */
export interface ListOpts {
  /** At most this many keys; 0 or absent: all. */
  limit?: number;
  /** First key to read (inclusive); default the prefix itself. */
  startKey?: string;
  /** Read at this revision (decimal string); default the current one. */
  revision?: string;
}

/** A running storage watch. */
export interface StorageWatch {
  /** Stops delivery; idempotent. */
  stop(): Promise<void>;
}

/** Options of a write: `ttlSeconds` makes the key expire that many seconds after this write (Kubernetes' event TTL). */
export interface WriteOpts {
  ttlSeconds?: number;
}

/**
 * Object storage. Every method rejects with StorageError only (kinds as
 * documented per method, plus Timeout/Unavailable when the backend fails).
 * Reads may be retried by the implementation; writes never are.
 */
export interface Storage {
  /** Reads one object at the current revision (undefined if absent). */
  get(key: string): Promise<KubeObject | undefined>;
  /** Creates `key`; AlreadyExists if it exists, TooLarge if over the size limit. Resolves the stored object with its resourceVersion. */
  create(key: string, obj: KubeObject, opts?: WriteOpts): Promise<KubeObject>;
  /**
   * The TooLarge error a write of `obj` at `key` would fail with, computed
   * without writing (undefined when it fits), so that a write can be refused
   * before anything else (an allocation) is written for it.
   */
  sizeError?(key: string, obj: KubeObject): StorageError | undefined;
  /**
   * Optional: the JSON text of an object `create` resolved, made from the
   * text it stored (what JSON.stringify of the object gives, up to key
   * order), so that a response need not serialize it again; undefined for
   * any other object. Valid only while the object is unchanged: use it
   * right after the create.
   */
  createdText?(obj: KubeObject): string | undefined;
  /** Replaces `key` if its mod_revision equals `expectedRev`; NotFound if the key is gone, Conflict if it changed. */
  update(key: string, obj: KubeObject, expectedRev: string, opts?: WriteOpts): Promise<KubeObject>;
  /** Deletes `key` if its mod_revision equals `expectedRev`; resolves the delete revision. Errors as `update`. */
  delete(key: string, expectedRev: string): Promise<string>;
  /**
   * Reads the keys under `prefix` in key order from `startKey`, at `revision`
   * (Compacted if compacted, FutureRevision if after the current one), at
   * most `limit`. `nextKey` is set when keys remain after the limit.
   */
  list(prefix: string, opts?: ListOpts): Promise<ListResult>;
  /**
   * Optional: `list` with each object as its JSON text (what
   * JSON.stringify of `list`'s item would give, up to key order), for
   * answers that need no object (unfiltered lists); same errors as `list`.
   */
  listText?(prefix: string, opts?: ListOpts): Promise<TextListResult>;
  /** The current revision (that of the last write). */
  currentRevision(): Promise<string>;
  /**
   * Watches every key under `prefix` from `startRevision` (inclusive),
   * calling `onEvent` once per change in revision order, and `onError` once
   * if the watch ends (e.g. compaction). Rejects with Compacted if
   * `startRevision` is already compacted. `onProgress(revision)`, when the
   * implementation supports it, says every change under the prefix up to
   * `revision` has been delivered (etcd's progress notifications; the watch
   * cache turns them into advancing bookmarks).
   */
  watch(prefix: string, startRevision: string, onEvent: (ev: StorageEvent) => void, onError: (err: StorageError) => void, onProgress?: (revision: string) => void): Promise<StorageWatch>;
  /** Claims `/registry/<key>` atomically; false if already claimed. */
  reserve(key: string, value: string): Promise<boolean>;
  /** Releases a claim made by `reserve` (no error if absent). */
  release(key: string): Promise<void>;
  /** The claimed keys under `/registry/<prefix>`, without the '/registry/' part. */
  reserved(prefix: string): Promise<string[]>;
  /** Drops history up to `revision`; later reads and watches before it get Compacted. Compacted if already compacted past it. */
  compact(revision: string): Promise<void>;
}
