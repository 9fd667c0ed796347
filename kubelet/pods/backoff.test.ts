import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff } from './backoff.ts';

test('backoff doubles to the cap and resets after 2x max idle', () => {
  let now = 0;
  const b = new Backoff(10_000, 300_000, () => now);
  const delays: number[] = [];
  for (let i = 0; i < 8; i++) {
    delays.push(b.next('k'));
    now += 1000;
  }
  assert.deepEqual(delays, [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
  now += 600_001;
  assert.equal(b.next('k'), 10_000);
});

test('inBackoffSince / inBackoffSinceUpdate / retryAt', () => {
  let now = 1_000_000;
  const b = new Backoff(10_000, 300_000, () => now);
  assert.equal(b.inBackoffSince('k', now), false, 'no entry: restart at once');
  b.next('k'); // restarted at t0
  const t0 = now;
  now += 3000; // crashed 3 s later
  assert.equal(b.inBackoffSince('k', now), true);
  assert.equal(b.inBackoffSinceUpdate('k'), true);
  assert.equal(b.retryAt('k'), t0 + 10_000);
  now = t0 + 10_000;
  assert.equal(b.inBackoffSince('k', t0 + 3000), false, 'window over');
  assert.equal(b.inBackoffSinceUpdate('k'), false);
  b.next('k');
  now += 30_000; // ran longer than the 20 s delay
  assert.equal(b.inBackoffSince('k', now), false);
  b.resetPrefix('k');
  assert.equal(b.delay('k'), 0);
});
