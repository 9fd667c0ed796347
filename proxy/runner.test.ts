import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../apiserver/client/workqueue.ts';
import { BoundedFrequencyRunner, type RunReason } from './runner.ts';

interface Call { at: number; full: boolean; reason: RunReason }

function setup(failWhen: (n: number) => boolean = () => false, fullIntervalMs?: number) {
  const clock = new FakeClock(0);
  const calls: Call[] = [];
  const errors: number[] = [];
  const runner = new BoundedFrequencyRunner({
    clock, minIntervalMs: 1000, maxIntervalMs: 30_000, retryBaseMs: 2000, fullIntervalMs,
    fn: async (full, reason) => {
      calls.push({ at: clock.now(), full, reason });
      if (failWhen(calls.length)) throw new Error('apply failed');
    },
    onError: (_e, n) => errors.push(n),
  });
  const ac = new AbortController();
  /** Advances the fake clock and lets the async run settle. */
  const tick = async (ms: number): Promise<void> => {
    clock.advance(ms);
    await new Promise((r) => setImmediate(r));
    await runner.idle();
  };
  return { clock, calls, errors, runner, ac, tick };
}

test('first run is immediate and full; later requests are coalesced and rate limited', async () => {
  const { calls, runner, ac, tick } = setup();
  runner.start(ac.signal);
  await tick(0);
  assert.deepEqual(calls, [{ at: 0, full: true, reason: 'initial' }]);
  // A burst within the min interval → exactly one run, at 1000 ms.
  await tick(100);
  for (let i = 0; i < 50; i++) runner.request();
  await tick(500);
  assert.equal(calls.length, 1);
  await tick(400);
  assert.deepEqual(calls[1], { at: 1000, full: false, reason: 'request' });
  assert.equal(calls.length, 2);
  // A request long after the last run runs at once.
  await tick(5000);
  runner.request();
  await tick(0);
  assert.deepEqual(calls[2], { at: 6000, full: false, reason: 'request' });
  ac.abort();
});

test('runs a full resync every maxInterval without requests', async () => {
  const { calls, runner, ac, tick } = setup();
  runner.start(ac.signal);
  await tick(0);
  await tick(29_999);
  assert.equal(calls.length, 1);
  await tick(1);
  assert.deepEqual(calls[1], { at: 30_000, full: true, reason: 'periodic' });
  await tick(30_000);
  assert.equal(calls.length, 3);
  ac.abort();
  await tick(120_000);
  assert.equal(calls.length, 3, 'no runs after abort');
});

test('a failure forces a full retry with exponential backoff, also for requests in between', async () => {
  // Runs 2, 3 and 4 fail.
  const { calls, errors, runner, ac, tick } = setup((n) => n >= 2 && n <= 4);
  runner.start(ac.signal);
  await tick(0);
  await tick(5000);
  runner.request();
  await tick(0); // run 2 at 5000 fails
  assert.equal(calls[1]?.at, 5000);
  runner.request(); // must not bypass the 2000 ms backoff
  await tick(1500);
  assert.equal(calls.length, 2);
  await tick(500); // run 3 at 7000 (retry, full) fails → backoff 4000
  assert.deepEqual(calls[2], { at: 7000, full: true, reason: 'retry' });
  await tick(3999);
  assert.equal(calls.length, 3);
  await tick(1); // run 4 at 11000 fails → backoff 8000
  assert.equal(calls[3]?.at, 11_000);
  await tick(8000); // run 5 at 19000 succeeds
  assert.deepEqual(calls[4], { at: 19_000, full: true, reason: 'retry' });
  assert.deepEqual(errors, [1, 2, 3]);
  assert.equal(runner.consecutiveFailures(), 0);
  runner.request();
  await tick(1000);
  assert.deepEqual(calls[5], { at: 20_000, full: false, reason: 'request' }, 'back to partial syncs after a success');
  ac.abort();
});

test('requests before start() do not run (the caches may be partial); start runs once, full', async () => {
  const { calls, runner, ac, tick } = setup();
  for (let i = 0; i < 5; i++) runner.request();
  await tick(10_000);
  assert.deepEqual(calls, []);
  runner.start(ac.signal);
  await tick(0);
  assert.deepEqual(calls, [{ at: 10_000, full: true, reason: 'initial' }]);
  await tick(500);
  assert.equal(calls.length, 1);
  ac.abort();
});

test('with fullIntervalMs (kube-proxy: 1 h): periodic runs are partial, a full run comes once the hour has passed', async () => {
  const hour = 3_600_000;
  const { calls, runner, ac, tick } = setup(() => false, hour);
  runner.start(ac.signal);
  await tick(0);
  await tick(30_000);
  assert.deepEqual(calls[1], { at: 30_000, full: false, reason: 'periodic' });
  runner.request();
  await tick(1000);
  assert.deepEqual(calls[2], { at: 31_000, full: false, reason: 'request' });
  // Periodic runs every 30 s until the hour since the initial full run has passed.
  await tick(hour - 31_000 - 1000);
  assert.ok(calls.slice(1).every((c) => !c.full), 'no full run within the hour');
  const before = calls.length;
  await tick(30_000);
  const fullRun = calls.slice(before).find((c) => c.full);
  assert.ok(fullRun && fullRun.at >= hour && fullRun.at < hour + 30_000, `full run at ${fullRun?.at}`);
  ac.abort();
});

test('with fullIntervalMs: a failed partial run is retried full, then partial again', async () => {
  const { calls, runner, ac, tick } = setup((n) => n === 2, 3_600_000);
  runner.start(ac.signal);
  await tick(0);
  runner.request();
  await tick(1000); // run 2 fails
  assert.deepEqual(calls[1], { at: 1000, full: false, reason: 'request' });
  await tick(2000);
  assert.deepEqual(calls[2], { at: 3000, full: true, reason: 'retry' });
  runner.request();
  await tick(1000);
  assert.deepEqual(calls[3], { at: 4000, full: false, reason: 'request' });
  ac.abort();
});
