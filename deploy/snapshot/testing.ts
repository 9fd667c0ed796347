/**
 * Test helper: a ScheduleClock that only moves when the schedule waits. Each
 * waitUntil jumps the clock to the asked time and resolves; after `fires`
 * waits it aborts `controller` instead, so runSchedule returns.
 */
import type { ScheduleClock } from './schedule.ts';

/** A manual clock and the times it was asked to wait for. */
export interface SteppingClock extends ScheduleClock {
  /** Every `at` passed to waitUntil, in order. */
  waits: Date[];
}

/** A clock starting at `start` that lets `fires` waits pass, then aborts `controller`. */
export function steppingClock(start: Date, fires: number, controller: AbortController): SteppingClock {
  let now = start;
  const waits: Date[] = [];
  return {
    waits,
    now: () => now,
    waitUntil: async (at) => {
      waits.push(at);
      if (waits.length > fires) { controller.abort(); return; }
      now = at;
    },
  };
}
