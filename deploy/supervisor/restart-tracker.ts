/**
 * The restart bookkeeping both supervisors share (supervisor.ts for child
 * processes, in-process.ts for in-process components): per unit, when its
 * current run started, the backoff used before it, how many restarts so
 * far, whether it is being stopped, and the pending restart timer. What a
 * run is, and how it is started or stopped, stays with each supervisor.
 */
import { decideOnExit, type ExitDecision, type RestartPolicy } from './decide.ts';

/** One supervised unit's restart state; see the file comment. */
export class RestartTracker {
  private startedAtMs = 0;
  private previousDelayMs = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Restarts after the first start. */
  restarts = 0;
  /** True once the supervisor asked this unit (or everything) to stop: no more restarts. */
  stopping = false;

  constructor(private readonly policy: RestartPolicy, private readonly now: () => number) {}

  /** Records that a run starts now (epoch ms from the clock). */
  started(): void {
    this.startedAtMs = this.now();
  }

  /**
   * Decides, after a run ended, whether to run again (decideOnExit) and, if
   * so, calls `relaunch` after the delay unless stopping began meanwhile.
   * Returns the decision, for the caller's log and events.
   */
  ended(relaunch: () => void): ExitDecision {
    const decision = decideOnExit({ stopping: this.stopping, startedAtMs: this.startedAtMs, exitedAtMs: this.now(), previousDelayMs: this.previousDelayMs }, this.policy);
    if (decision.action === 'stay-stopped') return decision;
    this.previousDelayMs = decision.delayMs;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.stopping) return;
      this.restarts++;
      relaunch();
    }, decision.delayMs);
    return decision;
  }

  /** Marks the unit stopping and cancels a pending restart. Idempotent. */
  stop(): void {
    this.stopping = true;
    if (this.timer) { clearTimeout(this.timer); this.timer = undefined; }
  }
}
