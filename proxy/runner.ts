/**
 * A bounded-frequency runner (kube-proxy's pkg/util/async BoundedFrequencyRunner):
 * runs `fn` when asked, never more often than every `minIntervalMs`, at
 * least every `maxIntervalMs`, coalescing bursts of requests into one run.
 */
import type { Clock } from '../apiserver/client/informer-types.ts';

/** Why a run happens: 'initial' and 'retry' are always full; 'periodic' and 'request' are full when fullIntervalMs says so. */
export type RunReason = 'initial' | 'request' | 'periodic' | 'retry';

/** Options of BoundedFrequencyRunner; all times in ms. */
export interface RunnerOptions {
  /** The work; throws on failure. `full` is true for the first run, periodic runs and retries after a failure. */
  fn: (full: boolean, reason: RunReason) => Promise<void>;
  /** Minimum time between run starts (kube-proxy: minSyncPeriod, here 1000). */
  minIntervalMs: number;
  /** Maximum time between runs (a 'periodic' run happens at least this often; kube-proxy's syncPeriod, 30000). */
  maxIntervalMs: number;
  /**
   * A run is full when at least this long has passed since the last full
   * run began (kube-proxy's FullSyncPeriod, 1 h). Unset: every periodic run
   * is full and requested runs are partial.
   */
  fullIntervalMs?: number;
  /** First retry delay after a failure; doubles per consecutive failure up to maxIntervalMs. */
  retryBaseMs: number;
  clock: Clock;
  /** Told about every failure (the runner itself never throws). */
  onError?: (err: unknown, consecutiveFailures: number) => void;
}

/**
 * Runs `fn` serially. `request()` asks for a run: it starts at once if the
 * last run began at least minIntervalMs ago, else when that interval ends;
 * any number of requests in between yield ONE run. A run also starts
 * maxIntervalMs after the previous one (full unless fullIntervalMs is set
 * and has not passed since the last full run). A failed run forces the next
 * one to be full and is retried after retryBaseMs * 2^(failures-1) (capped at
 * maxIntervalMs), never sooner than minIntervalMs.
 */
export class BoundedFrequencyRunner {
  private running = false;
  private pending = false;
  private pendingReason: RunReason = 'initial';
  private lastStart = Number.NEGATIVE_INFINITY;
  private lastFullStart = Number.NEGATIVE_INFINITY;
  private failures = 0;
  /** After a failure: no run before this time (clock ms), whatever is requested. */
  private notBefore = Number.NEGATIVE_INFINITY;
  private forceFull = true;
  private timer: { at: number; cancel(): void } | undefined;
  private stopped = false;
  private started = false;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly opts: RunnerOptions) {}

  /** Starts: runs at once (full), then keeps the periodic schedule until `signal` aborts. */
  start(signal: AbortSignal): void {
    const stop = (): void => {
      this.stopped = true;
      this.timer?.cancel();
      this.timer = undefined;
    };
    if (signal.aborted) { stop(); return; }
    signal.addEventListener('abort', stop, { once: true });
    this.started = true;
    this.pending = true;
    this.pendingReason = 'initial';
    this.schedule(0);
  }

  /** Asks for a run soon (coalesced, rate limited). Cheap; call on every change. Before start() it only marks a run pending. */
  request(): void {
    if (this.stopped || !this.started) return;
    if (!this.pending) this.pendingReason = 'request';
    this.pending = true;
    if (!this.running) this.schedule(this.earliestDelay());
  }

  private earliestDelay(): number {
    return Math.max(this.lastStart + this.opts.minIntervalMs, this.notBefore) - this.opts.clock.now();
  }

  /** Number of consecutive failed runs (0 after a success). */
  consecutiveFailures(): number {
    return this.failures;
  }

  /** Resolves once no run is in progress (for tests and shutdown). */
  idle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    const at = this.opts.clock.now() + Math.max(0, delayMs);
    if (this.timer && this.timer.at <= at) return;
    this.timer?.cancel();
    const handle = this.opts.clock.setTimeout(() => {
      this.timer = undefined;
      void this.runOnce();
    }, Math.max(0, delayMs));
    this.timer = { at, cancel: () => handle.cancel() };
  }

  private wantsFull(reason: RunReason): boolean {
    if (this.forceFull || reason === 'initial' || reason === 'retry') return true;
    const every = this.opts.fullIntervalMs;
    if (every === undefined) return reason === 'periodic';
    return this.opts.clock.now() - this.lastFullStart >= every;
  }

  private async runOnce(): Promise<void> {
    if (this.stopped || this.running) return;
    const reason: RunReason = this.pending ? this.pendingReason : 'periodic';
    const full = this.wantsFull(reason);
    this.pending = false;
    this.running = true;
    this.lastStart = this.opts.clock.now();
    if (full) this.lastFullStart = this.lastStart;
    let ok = true;
    try {
      await this.opts.fn(full, reason);
    } catch (err) {
      ok = false;
      this.failures++;
      this.opts.onError?.(err, this.failures);
    }
    this.running = false;
    for (const w of this.idleWaiters.splice(0)) w();
    if (ok) {
      this.failures = 0;
      this.forceFull = false;
      this.notBefore = Number.NEGATIVE_INFINITY;
      if (this.pending) this.schedule(this.earliestDelay());
      else this.schedule(this.opts.maxIntervalMs);
      return;
    }
    this.forceFull = true;
    this.pending = true;
    this.pendingReason = 'retry';
    const backoff = Math.max(this.opts.minIntervalMs, Math.min(this.opts.retryBaseMs * 2 ** (this.failures - 1), this.opts.maxIntervalMs));
    this.notBefore = this.lastStart + backoff;
    this.schedule(this.earliestDelay());
  }
}
