/**
 * Pod workers (kubelet pod_workers.go): one serialized worker per pod uid.
 * `kick(uid)` asks for a sync; if one is running, exactly one more runs after
 * it (only the latest state matters, because each sync re-reads the pod and
 * the runtime). A sync may ask to run again after a delay; a throwing sync is
 * retried with per-uid exponential back-off (0.5 s doubling to 10 s).
 */
import type { Clock } from '../../apiserver/client/informer-types.ts';
import type { Logger } from '../../apiserver/api/log.ts';

/** A sync of one uid; returns when to sync again (ms), if ever. */
export type SyncFn = (uid: string) => Promise<{ requeueAfterMs?: number } | void>;

/** See file comment. */
export class PodWorkers {
  private readonly running = new Map<string, Promise<void>>();
  private readonly dirty = new Set<string>();
  private readonly timers = new Map<string, { at: number; cancel(): void }>();
  private readonly failures = new Map<string, number>();
  private readonly retryAt = new Map<string, number>();
  private stopped = false;

  constructor(private readonly sync: SyncFn, private readonly clock: Clock, private readonly log: Logger) {}

  /**
   * Requests a sync of `uid` now. Unless `force`, a uid whose last sync failed
   * waits for its retry time (so relist noise does not defeat the back-off);
   * API changes to the pod pass `force`.
   */
  kick(uid: string, force = false): void {
    if (this.stopped) return;
    if (!force && (this.retryAt.get(uid) ?? 0) > this.clock.now()) return;
    if (this.running.has(uid)) {
      this.dirty.add(uid);
      return;
    }
    this.running.set(uid, this.loop(uid));
  }

  /** Requests a sync of `uid` after `ms` (an earlier pending request wins). */
  kickAfter(uid: string, ms: number): void {
    if (this.stopped) return;
    const at = this.clock.now() + ms;
    const t = this.timers.get(uid);
    if (t && t.at <= at) return;
    t?.cancel();
    const handle = this.clock.setTimeout(() => {
      this.timers.delete(uid);
      this.kick(uid, true);
    }, Math.max(0, ms));
    this.timers.set(uid, { at, cancel: () => handle.cancel() });
  }

  /** Uids with a sync in progress. */
  busy(): string[] {
    return [...this.running.keys()];
  }

  /** Resolves when no sync is running (for tests). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()]);
  }

  /** Cancels timers and waits for running syncs. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
    await this.idle();
  }

  private async loop(uid: string): Promise<void> {
    for (;;) {
      this.dirty.delete(uid);
      try {
        const r = await this.sync(uid);
        this.failures.delete(uid);
        this.retryAt.delete(uid);
        if (r && r.requeueAfterMs !== undefined) this.kickAfter(uid, r.requeueAfterMs);
      } catch (e) {
        const n = (this.failures.get(uid) ?? 0) + 1;
        this.failures.set(uid, n);
        const delay = Math.min(500 * 2 ** (n - 1), 10_000);
        this.log.warn('pod sync failed', { uid, attempt: n, retryInMs: delay, error: e });
        this.retryAt.set(uid, this.clock.now() + delay);
        this.kickAfter(uid, delay);
      }
      // Checked and cleared in one synchronous step, so a kick can never slip in between and be lost.
      if (!this.dirty.has(uid) || this.stopped) {
        this.running.delete(uid);
        return;
      }
    }
  }
}
