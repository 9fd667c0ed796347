/**
 * Per-key exponential back-off, shaped like client-go's flowcontrol.Backoff
 * that the kubelet uses for CrashLoopBackOff and ImagePullBackOff: each
 * `next` doubles the delay from `initialMs` up to `maxMs`; an entry idle for
 * more than 2 × maxMs starts over.
 */

/** One key's back-off state: the current delay and when it was last bumped (ms). */
interface Entry {
  delayMs: number;
  lastUpdate: number;
}

/** Back-off tracker; times are ms from the injected clock. Pure bookkeeping, no timers. */
export class Backoff {
  private readonly entries = new Map<string, Entry>();

  constructor(readonly initialMs: number, readonly maxMs: number, private readonly now: () => number = Date.now) {}

  /** Records a failure/restart of `key` at now; returns the new delay (ms). */
  next(key: string): number {
    const t = this.now();
    const e = this.entries.get(key);
    if (!e || t - e.lastUpdate > 2 * this.maxMs) {
      this.entries.set(key, { delayMs: this.initialMs, lastUpdate: t });
      return this.initialMs;
    }
    e.delayMs = Math.min(e.delayMs * 2, this.maxMs);
    e.lastUpdate = t;
    return e.delayMs;
  }

  /** Current delay for `key` (0 if none). */
  delay(key: string): number {
    return this.entries.get(key)?.delayMs ?? 0;
  }

  /** True while now is inside the window [lastUpdate, lastUpdate + delay). */
  inBackoffSinceUpdate(key: string): boolean {
    const e = this.entries.get(key);
    if (!e) return false;
    const t = this.now();
    if (t - e.lastUpdate > 2 * this.maxMs) return false;
    return t - e.lastUpdate < e.delayMs;
  }

  /**
   * kubelet's IsInBackOffSince: true when `eventTime` (e.g. the container's
   * finish time) fell within the delay after the last restart, so the restart
   * must wait until `retryAt(key)`.
   */
  inBackoffSince(key: string, eventTime: number): boolean {
    const e = this.entries.get(key);
    if (!e) return false;
    if (this.now() - e.lastUpdate > 2 * this.maxMs) return false;
    return eventTime - e.lastUpdate < e.delayMs && this.now() < e.lastUpdate + e.delayMs;
  }

  /** Time (ms) at which the current window of `key` ends; 0 if none. */
  retryAt(key: string): number {
    const e = this.entries.get(key);
    return e ? e.lastUpdate + e.delayMs : 0;
  }

  /** Forgets `key`. */
  reset(key: string): void {
    this.entries.delete(key);
  }

  /** Forgets every key starting with `prefix` (e.g. a pod uid + '/'). */
  resetPrefix(prefix: string): void {
    for (const k of this.entries.keys()) if (k.startsWith(prefix)) this.entries.delete(k);
  }
}
