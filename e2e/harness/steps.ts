/**
 * Ordered e2e steps over one shared cluster: each step is a node:test `it`
 * that skips when the suite is skipped, fails once (with the start error)
 * when the cluster did not start, and skips after an earlier step failed
 * (unless E2E_CONTINUE=1), logging STEP/ok lines with durations.
 */
import { it } from 'node:test';

/** What the steps read from the suite, at run time. */
export interface StepSuite<C> {
  cluster(): C | undefined;
  skipReason(): string | undefined;
  startError(): unknown;
}

/** Registers ordered steps; `failedAt()` names the first failure (for the suite's after hook). */
export class OrderedSteps<C> {
  private failed: string | undefined;

  constructor(private readonly suite: StepSuite<C>, private readonly log: (line: string) => void, private readonly continueAfterFailure = process.env.E2E_CONTINUE === '1') {}

  /** The first failed step's title ('cluster start' if the cluster never started), or undefined. */
  failedAt(): string | undefined {
    return this.failed;
  }

  /** One step; `skip()` (checked first after the suite's skip) may skip it with a reason. */
  step(title: string, timeoutMs: number, body: (c: C) => Promise<void>, skip?: () => string | undefined): void {
    it(title, { timeout: timeoutMs }, async (t) => {
      const why = this.suite.skipReason();
      if (why) return t.skip(why);
      const own = skip?.();
      if (own) return t.skip(own);
      const cluster = this.suite.cluster();
      if (!cluster) {
        if (this.failed) return t.skip('the cluster did not start (see the first step)');
        this.failed = 'cluster start';
        const e = this.suite.startError();
        throw new Error(`the cluster did not start: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (this.failed && !this.continueAfterFailure) return t.skip(`an earlier step failed: ${this.failed}`);
      this.log(`STEP ${title}`);
      const started = Date.now();
      try {
        await body(cluster);
      } catch (e) {
        this.failed ??= title;
        throw e;
      }
      this.log(`ok   ${title} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    });
  }
}
