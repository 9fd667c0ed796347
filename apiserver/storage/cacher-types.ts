/**
 * The watch cache's own shapes beside the Storage interface (interface.ts):
 * a consumer's event handler that can push back, the handle of a cached
 * watch, and the error that closes a watch the cache dropped.
 */
import { StorageError, type StorageEvent, type StorageWatch } from './interface.ts';

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
