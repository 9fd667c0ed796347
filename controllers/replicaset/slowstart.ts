/**
 * Slow-start batching (kubernetes pkg/controller/replicaset slowStartBatch):
 * run `fn` `count` times in batches of 1, 2, 4, ... concurrently; stop after
 * the first batch in which any call failed, so a failing create (quota,
 * admission) costs one call rather than hundreds.
 */

/** Result of `slowStartBatch`: how many calls succeeded, and the first error if any. */
export interface BatchResult {
  successes: number;
  error?: unknown;
}

/**
 * Calls `fn(i)` for i in 0..count-1 in growing batches starting at
 * `initialBatch`. Never throws; returns the number of successful calls (calls
 * not attempted because an earlier batch failed are neither success nor error).
 */
export async function slowStartBatch(count: number, initialBatch: number, fn: (i: number) => Promise<void>): Promise<BatchResult> {
  let remaining = count;
  let successes = 0;
  let batch = Math.min(remaining, Math.max(1, initialBatch));
  let index = 0;
  while (batch > 0) {
    const start = index;
    const results = await Promise.allSettled(Array.from({ length: batch }, (_v, j) => fn(start + j)));
    index += batch;
    let error: unknown;
    let failed = false;
    for (const r of results) {
      if (r.status === 'fulfilled') successes += 1;
      else if (!failed) {
        failed = true;
        error = r.reason;
      }
    }
    if (failed) return { successes, error };
    remaining -= batch;
    batch = Math.min(2 * batch, remaining);
  }
  return { successes };
}
