/**
 * One client of the watch cache, as kube-apiserver's cacheWatcher
 * (k8s.io/apiserver/pkg/storage/cacher/cache_watcher.go): its key prefix,
 * a bounded queue of changes not yet delivered, and termination when the
 * consumer falls too far behind so that it never slows the others.
 */
import type { StorageEvent } from './interface.ts';
import { WatchTerminated, type CacheEventHandler } from './cacher-types.ts';
import type { StorageError } from './interface.ts';

/** What a CacheWatcher needs. */
export interface CacheWatcherOptions {
  /** Only keys starting with this are delivered. */
  keyPrefix: string;
  /** Deliver changes with a revision above this. */
  after: number;
  /** Most undelivered events held before the watcher is terminated. */
  queueLimit: number;
  onEvent: CacheEventHandler;
  onError: (err: StorageError) => void;
  /** Called once when the watcher stops for any reason (the cache unregisters it). */
  onStop: (w: CacheWatcher) => void;
  /** Called once, right after the last initial event was delivered (at start if there are none). */
  onInitialDone?: () => void;
}

/** A cache watcher: `add` enqueues (in revision order), `flush` delivers until the consumer pushes back. */
export class CacheWatcher {
  private readonly opts: CacheWatcherOptions;
  private queue: StorageEvent[] = [];
  private head = 0;
  private blocked = false;
  private started = false;
  private stopped = false;
  private delivering = false;
  private initialLeft = 0;
  /** Highest revision handed to the consumer (or skipped as outside the prefix). */
  private delivered: number;

  constructor(opts: CacheWatcherOptions) {
    this.opts = opts;
    this.delivered = opts.after;
  }

  /** Events queued and not yet delivered. */
  get pending(): number {
    return this.queue.length - this.head;
  }

  /** True once stopped or terminated. */
  get isStopped(): boolean {
    return this.stopped;
  }

  /**
   * Enqueues one change (ignored if outside the prefix or not after the
   * start); terminates the watcher with WatchTerminated if its queue exceeds
   * the limit.
   */
  add(ev: StorageEvent): void {
    if (this.stopped || ev.rev <= this.opts.after || !ev.key.startsWith(this.opts.keyPrefix)) return;
    this.queue.push(ev);
    if (this.pending > this.opts.queueLimit) {
      this.terminate(`watcher fell too far behind: more than ${this.opts.queueLimit} undelivered events`);
    }
  }

  /** Enqueues an initial-state event (ADDED for rv=0 watches), ahead of every change. */
  addInitial(ev: StorageEvent): void {
    if (this.stopped) return;
    this.queue.push(ev);
    this.initialLeft++;
  }

  /** Allows delivery (called once the caller holds the watch handle) and flushes. */
  start(): void {
    this.started = true;
    if (this.initialLeft === 0) this.opts.onInitialDone?.();
    this.flush();
  }

  /** Delivers queued events in order until the queue is empty or the consumer returns false. */
  flush(): void {
    if (!this.started || this.stopped || this.blocked || this.delivering) return;
    this.delivering = true;
    try {
      while (this.head < this.queue.length && !this.blocked && !this.stopped) {
        const ev = this.queue[this.head++];
        if (ev.rev > this.delivered) this.delivered = ev.rev;
        if (this.opts.onEvent(ev) === false) this.blocked = true;
        if (this.initialLeft > 0 && --this.initialLeft === 0) this.opts.onInitialDone?.();
      }
    } finally {
      this.delivering = false;
    }
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  /** Clears back-pressure and delivers what is queued. */
  resume(): void {
    this.blocked = false;
    this.flush();
  }

  /**
   * The revision this watcher is known to be complete up to: with nothing
   * pending, the cache's revision `cacheRevision` (progress included), else
   * the last delivered event's.
   */
  revision(cacheRevision: number): number {
    if (this.pending === 0 && !this.blocked) this.delivered = Math.max(this.delivered, cacheRevision);
    return this.delivered;
  }

  /** Stops without an error (the client went away). Idempotent. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.queue = [];
    this.head = 0;
    this.opts.onStop(this);
  }

  /** Stops and tells the consumer why (WatchTerminated). Idempotent. */
  terminate(message: string): void {
    if (this.stopped) return;
    this.stop();
    this.opts.onError(new WatchTerminated(message));
  }
}
