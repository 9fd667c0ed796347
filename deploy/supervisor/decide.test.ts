import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideOnExit, defaultRestartPolicy, type ExitDecision, type ExitFacts } from './decide.ts';

const t0 = 1_700_000_000_000;

const cases: Array<{ name: string; facts: ExitFacts; want: ExitDecision }> = [
  {
    name: 'stopping: never restart',
    facts: { stopping: true, startedAtMs: t0, exitedAtMs: t0 + 5, previousDelayMs: 0 },
    want: { action: 'stay-stopped' },
  },
  {
    name: 'first crash waits 1 s',
    facts: { stopping: false, startedAtMs: t0, exitedAtMs: t0 + 200, previousDelayMs: 0 },
    want: { action: 'restart', delayMs: 1_000, backoffReset: false },
  },
  {
    name: 'second quick crash doubles to 2 s',
    facts: { stopping: false, startedAtMs: t0, exitedAtMs: t0 + 200, previousDelayMs: 1_000 },
    want: { action: 'restart', delayMs: 2_000, backoffReset: false },
  },
  {
    name: 'doubling is capped at 30 s',
    facts: { stopping: false, startedAtMs: t0, exitedAtMs: t0 + 200, previousDelayMs: 16_000 },
    want: { action: 'restart', delayMs: 30_000, backoffReset: false },
  },
  {
    name: 'stays at the cap',
    facts: { stopping: false, startedAtMs: t0, exitedAtMs: t0 + 59_999, previousDelayMs: 30_000 },
    want: { action: 'restart', delayMs: 30_000, backoffReset: false },
  },
  {
    name: 'a run of 60 s resets the backoff',
    facts: { stopping: false, startedAtMs: t0, exitedAtMs: t0 + 60_000, previousDelayMs: 30_000 },
    want: { action: 'restart', delayMs: 1_000, backoffReset: true },
  },
  {
    name: 'clean exit 0 while running is still restarted',
    facts: { stopping: false, startedAtMs: t0, exitedAtMs: t0 + 10, previousDelayMs: 4_000 },
    want: { action: 'restart', delayMs: 8_000, backoffReset: false },
  },
  {
    name: 'clock going backwards counts as a quick crash',
    facts: { stopping: false, startedAtMs: t0, exitedAtMs: t0 - 1_000, previousDelayMs: 2_000 },
    want: { action: 'restart', delayMs: 4_000, backoffReset: false },
  },
];

for (const c of cases) {
  test(`decideOnExit: ${c.name}`, () => {
    assert.deepEqual(decideOnExit(c.facts, defaultRestartPolicy), c.want);
  });
}

test('decideOnExit: custom policy never goes below its initial delay', () => {
  const policy = { initialDelayMs: 50, maxDelayMs: 400, resetAfterMs: 1_000 };
  const delays: number[] = [];
  let prev = 0;
  for (let i = 0; i < 6; i++) {
    const d = decideOnExit({ stopping: false, startedAtMs: 0, exitedAtMs: 10, previousDelayMs: prev }, policy);
    assert.equal(d.action, 'restart');
    if (d.action === 'restart') { delays.push(d.delayMs); prev = d.delayMs; }
  }
  assert.deepEqual(delays, [50, 100, 200, 400, 400, 400]);
});
