/**
 * Pure restart decisions for supervised child processes. The supervisor feeds
 * every exit of a child through `decideOnExit` and acts on the answer; nothing
 * here touches processes or timers, so the rules are table-tested.
 *
 * The rule copies the kubelet's CrashLoopBackOff shape: the first restart waits
 * `initialDelayMs`, each further quick crash doubles the wait up to
 * `maxDelayMs`, and a child that stayed up at least `resetAfterMs` is treated
 * as healthy again, so its next crash starts from `initialDelayMs`.
 */

/** Backoff parameters, all in milliseconds. */
export interface RestartPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  /** A run at least this long resets the backoff. */
  resetAfterMs: number;
}

/** The policy `skiff server` uses: 1 s doubling to 30 s, reset after 60 s up. */
export const defaultRestartPolicy: RestartPolicy = {
  initialDelayMs: 1_000,
  maxDelayMs: 30_000,
  resetAfterMs: 60_000,
};

/** What the supervisor knows when a child exits. Times are epoch ms. */
export interface ExitFacts {
  /** True once the supervisor itself asked the child (or everything) to stop. */
  stopping: boolean;
  startedAtMs: number;
  exitedAtMs: number;
  /** The delay used before the run that just ended; 0 when it was the first run. */
  previousDelayMs: number;
}

/** The decision: leave the child stopped, or start it again after `delayMs`. */
export type ExitDecision =
  | { action: 'stay-stopped' }
  | { action: 'restart'; delayMs: number; backoffReset: boolean };

/**
 * Decides what to do after a child exited. Never throws. Any exit while not
 * stopping (crash, kill -9, or even exit code 0) is restarted: a component of
 * a running cluster is expected to run until told to stop.
 */
export function decideOnExit(facts: ExitFacts, policy: RestartPolicy = defaultRestartPolicy): ExitDecision {
  if (facts.stopping) return { action: 'stay-stopped' };
  const ranMs = Math.max(0, facts.exitedAtMs - facts.startedAtMs);
  if (ranMs >= policy.resetAfterMs || facts.previousDelayMs <= 0) {
    return { action: 'restart', delayMs: policy.initialDelayMs, backoffReset: ranMs >= policy.resetAfterMs };
  }
  const doubled = Math.min(facts.previousDelayMs * 2, policy.maxDelayMs);
  return { action: 'restart', delayMs: Math.max(doubled, policy.initialDelayMs), backoffReset: false };
}
