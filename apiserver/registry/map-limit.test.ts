import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapLimit } from './map-limit.ts';

test('mapLimit keeps input order and never exceeds the limit', async () => {
  for (const [n, limit] of [[0, 4], [1, 4], [10, 1], [10, 3], [3, 10]] as const) {
    let inFlight = 0;
    let most = 0;
    const got = await mapLimit(Array.from({ length: n }, (_, i) => i), limit, async (i) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await Promise.resolve();
      await Promise.resolve();
      inFlight--;
      return i * 2;
    });
    assert.deepEqual(got, Array.from({ length: n }, (_, i) => i * 2), `${n}/${limit}`);
    assert.ok(most <= limit, `${n}/${limit}: ${most} in flight`);
  }
});

test('mapLimit rejects with the first failure and starts nothing after it', async () => {
  const started: number[] = [];
  await assert.rejects(mapLimit([1, 2, 3, 4, 5, 6], 2, async (i) => {
    started.push(i);
    if (i === 2) throw new Error('two');
    await Promise.resolve();
    return i;
  }), /two/);
  assert.ok(started.includes(2) && !started.some((i) => i >= 4), started.join());
});
