/**
 * The shapes the watch cache (cacher.ts) is written against: the Storage
 * methods of EtcdStorage, declared structurally so the cacher decorates any
 * implementation (etcd, in-memory, a test fake). When storage/interface.ts
 * lands, `Storage` here is that interface plus the optional `onProgress`
 * argument of `watch`.
 */
import type { KubeObject } from '../api/object.ts';
import { StorageError, type ListResult, type StorageEvent, type StorageWatch, type WriteOpts } from './etcd.ts';

/** Options of a range read: `limit` (0 = all), `startKey` (inclusive), `revision` (default: now). */
export interface ListOpts {
  limit?: number;
  startKey?: string;
  revision?: string;
}

/**
 * Object storage at a revision, as EtcdStorage: see etcd.ts for each
 * method's contract. `watch` may call `onProgress(revision)` to say that
 * every change under the prefix up to `revision` has been delivered (etcd's
 * progress notifications); implementations without it never call it.
 */
export interface Storage {
  get(key: string): Promise<KubeObject | undefined>;
  list(prefix: string, opts?: ListOpts): Promise<ListResult>;
  create(key: string, obj: KubeObject, opts?: WriteOpts): Promise<KubeObject>;
  update(key: string, obj: KubeObject, expectedRev: string, opts?: WriteOpts): Promise<KubeObject>;
  delete(key: string, expectedRev: string): Promise<string>;
  watch(prefix: string, startRevision: string, onEvent: (ev: StorageEvent) => void, onError: (err: StorageError) => void, onProgress?: (revision: string) => void): Promise<StorageWatch>;
  currentRevision(): Promise<string>;
  reserve(key: string, value: string): Promise<boolean>;
  release(key: string): Promise<void>;
  reserved(prefix: string): Promise<string[]>;
  compact(revision: string): Promise<void>;
}

/**
 * Receives one change of a cache watch. Returning `false` says the consumer
 * is congested: the cache keeps further events in the watcher's bounded
 * queue until `CacheWatch.resume()`.
 */
export type CacheEventHandler = (ev: StorageEvent) => boolean | void;

/** A running watch served by the cache. */
export interface CacheWatch extends StorageWatch {
  /** The revision this watcher has been brought up to: every change at or below it was delivered (for bookmarks). */
  revision(): string;
  /** Restarts delivery after the handler returned false (idempotent). */
  resume(): void;
}

/**
 * The watcher was closed by the cache (it fell too far behind, or the cache
 * restarted); the client should re-watch from the last revision it saw, as
 * client-go does when kube-apiserver's cacher closes a watch. Kind
 * 'Compacted' so a caller that does not know this class answers 410.
 */
export class WatchTerminated extends StorageError {
  constructor(message: string) {
    super('Compacted', message);
    this.name = 'WatchTerminated';
  }
}
