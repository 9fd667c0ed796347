/**
 * The watch cache's ring buffer of recent changes, as kube-apiserver's
 * watchCache cyclic buffer (k8s.io/apiserver/pkg/storage/cacher/watch_cache.go):
 * a fixed number of the latest events, and the revision after which the
 * history it holds is complete.
 */
import type { StorageEvent } from './interface.ts';

/** A fixed-capacity, revision-ordered buffer of storage events. */
export class EventRing {
  private readonly buf: Array<StorageEvent | undefined>;
  private start = 0;
  private size = 0;
  private complete: number;

  /** `capacity` events (≥ 1); `completeAfter`: the revision the history starts after (the initial list's revision). */
  constructor(capacity: number, completeAfter: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity must be a positive integer, got ${capacity}`);
    this.buf = new Array<StorageEvent | undefined>(capacity);
    this.complete = completeAfter;
  }

  /** Every change with a revision above this is in the buffer (or not yet happened). Rises as old events are evicted. */
  get completeAfter(): number {
    return this.complete;
  }

  /** Number of events held. */
  get length(): number {
    return this.size;
  }

  /** Forgets history up to `revision` (a compaction): watches from before it are then too old. */
  forget(revision: number): void {
    this.complete = Math.max(this.complete, revision);
  }

  /** Appends an event (revisions must not decrease); evicts the oldest when full. */
  push(ev: StorageEvent): void {
    const cap = this.buf.length;
    if (this.size === cap) {
      const evicted = this.buf[this.start]!;
      this.complete = Math.max(this.complete, evicted.rev);
      this.buf[this.start] = ev;
      this.start = (this.start + 1) % cap;
      return;
    }
    this.buf[(this.start + this.size) % cap] = ev;
    this.size++;
  }

  /**
   * The held events with a revision above `after`, oldest first; undefined
   * when `after` is below `completeAfter` (some of those changes were evicted:
   * the caller answers 410 "too old resource version").
   */
  since(after: number): StorageEvent[] | undefined {
    if (after < this.complete) return undefined;
    const cap = this.buf.length;
    const at = (i: number): StorageEvent => this.buf[(this.start + i) % cap]!;
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (at(mid).rev <= after) lo = mid + 1;
      else hi = mid;
    }
    const out: StorageEvent[] = [];
    for (let i = lo; i < this.size; i++) out.push(at(i));
    return out;
  }
}
