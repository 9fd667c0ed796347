/**
 * Polling helper for every test: retry a check until it yields a value or
 * the time runs out, then fail with what was last seen.
 */

/** A check polled by {@link waitFor}; `note` records what it saw, for the timeout message. */
export type Check<T> = (note: (seen: string) => void) => Promise<T | undefined | null | false> | T | undefined | null | false;

/** WaitTimeoutError is thrown by {@link waitFor}; `lastSeen` is the last note or error message. */
export class WaitTimeoutError extends Error {
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
    readonly lastSeen: string,
  ) {
    super(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}; last seen: ${lastSeen || '(nothing)'}`);
    this.name = 'WaitTimeoutError';
  }
}

/**
 * waitFor calls `check` every `intervalMs` (default 500 ms) until it returns a
 * value other than undefined/null/false, and resolves with that value. A
 * throwing check counts as "not yet" and its message becomes the last seen
 * state. Throws WaitTimeoutError after `timeoutMs` ms, naming `what`.
 */
export async function waitFor<T>(check: Check<T>, timeoutMs: number, what: string, intervalMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastSeen = '';
  const note = (seen: string): void => {
    lastSeen = seen;
  };
  for (;;) {
    try {
      const v = await check(note);
      if (v !== undefined && v !== null && v !== false) return v;
    } catch (e) {
      lastSeen = e instanceof Error ? e.message : String(e);
    }
    if (Date.now() >= deadline) throw new WaitTimeoutError(what, timeoutMs, lastSeen);
    await new Promise((r) => setTimeout(r, Math.min(intervalMs, Math.max(0, deadline - Date.now()))));
  }
}
