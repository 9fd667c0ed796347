/**
 * The work queue every control loop uses, with client-go workqueue semantics:
 * a dirty set (a key is queued at most once), a processing set (a key is never
 * handed to two workers at once; a re-add while processing is queued again on
 * `done`), delayed adds on an injected clock, and per-key exponential backoff.
 */
import type { Clock, WorkQueue } from './informer-types.ts';

/** The wall clock (Date.now and timers). */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(t) };
  },
};

/**
 * A manual clock for tests: time moves only through `advance(ms)`, which runs
 * due timers in time order (including timers scheduled while advancing).
 */
export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: { at: number; seq: number; fn: () => void }[] = [];

  constructor(startMs = 1_000_000) {
    this.t = startMs;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): { cancel(): void } {
    const timer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return { cancel: () => { this.timers = this.timers.filter((x) => x !== timer); } };
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = Math.max(this.t, due.at);
      due.fn();
    }
    this.t = end;
  }

  /** Number of timers not yet fired. */
  pending(): number {
    return this.timers.length;
  }
}

/**
 * Where a queue reports its metrics (client-go util/workqueue/metrics.go's
 * queueMetrics: depth gauge and adds counter); workqueue-metrics.ts backs it
 * with Prometheus. Calls are synchronous and must not throw.
 */
export interface WorkQueueMetricsSink {
  /** A key was added to the queue (not counted when it was already dirty or the queue is shut down). */
  add(): void;
  /** The number of keys waiting to be handed to a worker is now `depth`. */
  depth(depth: number): void;
}

/** Options of createWorkQueue; delays in ms. */
export interface WorkQueueOptions {
  clock?: Clock;
  /** Receives adds and depth changes (default: none). */
  metrics?: WorkQueueMetricsSink;
  /** First backoff of addRateLimited (default 5 ms), doubled per failure. */
  baseDelayMs?: number;
  /** Backoff cap (default 60 000 ms). */
  maxDelayMs?: number;
}

/** A WorkQueue plus introspection used by tests and metrics. */
export interface WorkQueueExt<K> extends WorkQueue<K> {
  /** How many times addRateLimited was called for `key` since the last forget. */
  numRequeues(key: K): number;
  /** True once shutDown was called. */
  shuttingDown(): boolean;
}

/** Creates a work queue (see file doc). `get()` resolves undefined right after shutDown. */
export function createWorkQueue<K = string>(opts: WorkQueueOptions = {}): WorkQueueExt<K> {
  const clock = opts.clock ?? realClock;
  const baseDelayMs = opts.baseDelayMs ?? 5;
  const maxDelayMs = opts.maxDelayMs ?? 60_000;
  const queue: K[] = [];
  const dirty = new Set<K>();
  const processing = new Set<K>();
  const waiting = new Map<K, { at: number; cancel(): void }>();
  const failures = new Map<K, number>();
  const getters: ((k: K | undefined) => void)[] = [];
  let down = false;
  const metrics = opts.metrics;
  const reportDepth = (): void => metrics?.depth(queue.length);

  const deliver = (): void => {
    while (getters.length > 0 && queue.length > 0) {
      const k = queue.shift() as K;
      dirty.delete(k);
      processing.add(k);
      (getters.shift() as (k: K | undefined) => void)(k);
    }
    reportDepth();
  };

  const add = (key: K): void => {
    if (down || dirty.has(key)) return;
    dirty.add(key);
    metrics?.add();
    if (processing.has(key)) return;
    queue.push(key);
    deliver();
  };

  const addAfter = (key: K, delayMs: number): void => {
    if (down) return;
    if (delayMs <= 0) {
      add(key);
      return;
    }
    const at = clock.now() + delayMs;
    const prev = waiting.get(key);
    if (prev && prev.at <= at) return;
    prev?.cancel();
    const t = clock.setTimeout(() => {
      waiting.delete(key);
      add(key);
    }, delayMs);
    waiting.set(key, { at, cancel: () => t.cancel() });
  };

  return {
    add,
    addAfter,
    addRateLimited(key) {
      const n = failures.get(key) ?? 0;
      failures.set(key, n + 1);
      addAfter(key, Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(n, 40)));
    },
    forget(key) {
      failures.delete(key);
    },
    get() {
      if (queue.length > 0) {
        const k = queue.shift() as K;
        dirty.delete(k);
        processing.add(k);
        reportDepth();
        return Promise.resolve(k);
      }
      if (down) return Promise.resolve(undefined);
      return new Promise((resolve) => getters.push(resolve));
    },
    done(key) {
      processing.delete(key);
      if (dirty.has(key) && !down) {
        queue.push(key);
        deliver();
      }
    },
    len: () => queue.length,
    shutDown() {
      down = true;
      for (const w of waiting.values()) w.cancel();
      waiting.clear();
      queue.length = 0;
      reportDepth();
      dirty.clear();
      for (const g of getters.splice(0)) g(undefined);
    },
    numRequeues: (key) => failures.get(key) ?? 0,
    shuttingDown: () => down,
  };
}
