/**
 * Startup progress lines of `skiff server`: `✓ etcd ready (0.8s)`,
 * `✗ kubelet not ready after 120s (still trying)`. Plain lines, so they read
 * the same in a terminal, a log file and the journal.
 */

/** Formats a duration in ms as seconds with one decimal, e.g. 812 → "0.8s". Pure. */
export function formatSeconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)}s`;
}

/** Writes progress lines to `out`. */
export class Progress {
  constructor(private readonly out: NodeJS.WritableStream, private readonly now: () => number = Date.now) {}

  /** Marks the start of a step; returns the function that reports it done or failed. */
  step(what: string): { ok(): void; fail(detail: string): void } {
    const t0 = this.now();
    return {
      ok: () => this.line(`✓ ${what} ready (${formatSeconds(this.now() - t0)})`),
      fail: (detail) => this.line(`✗ ${what} ${detail} (${formatSeconds(this.now() - t0)})`),
    };
  }

  /** Writes one line as is. */
  line(text: string): void {
    this.out.write(text + '\n');
  }
}
