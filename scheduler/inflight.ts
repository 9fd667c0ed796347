/**
 * A bound on concurrent asynchronous work (the scheduler's binding cycles):
 * `run` starts a task at once and tracks it; `slot` resolves when fewer than
 * `max` tasks are running, so the scheduling loop pauses instead of piling
 * up bindings; `idle` resolves when every task started so far has finished.
 * A task's rejection is the task's own business: run() never rethrows it.
 */

/** Tracks up to `max` running tasks (see file doc). */
export class InFlight {
  private readonly running = new Set<Promise<void>>();
  private waiters: (() => void)[] = [];

  /** `max` ≥ 1 tasks may run at once. */
  constructor(private readonly max: number) {
    if (!(max >= 1)) throw new Error(`InFlight: max must be at least 1, got ${max}`);
  }

  /** Number of running tasks. */
  get size(): number {
    return this.running.size;
  }

  /** Resolves once a task may start without exceeding `max` (at once if there is room). */
  slot(): Promise<void> {
    if (this.running.size < this.max) return Promise.resolve();
    return new Promise((resolve) => { this.waiters.push(resolve); });
  }

  /** Starts `task` now (callers wait for `slot` first to respect `max`); its errors are swallowed. */
  run(task: () => Promise<void>): void {
    const p: Promise<void> = task().catch(() => undefined).finally(() => {
      this.running.delete(p);
      const w = this.waiters.shift();
      w?.();
    });
    this.running.add(p);
  }

  /** Resolves when every task started so far (and any they start) has finished. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  /** Wakes every waiting `slot` (shutdown: the loop then sees its abort signal). */
  release(): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }
}
