import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RestartTracker } from './restart-tracker.ts';
import { waitFor } from '../../testutil/wait.ts';

const policy = { initialDelayMs: 5, maxDelayMs: 20, resetAfterMs: 1_000 };

test('RestartTracker doubles the delay over quick runs, relaunches after it, and counts restarts', async () => {
  let now = 0;
  const t = new RestartTracker(policy, () => now);
  let relaunched = 0;
  const delays: number[] = [];
  for (let i = 0; i < 4; i++) {
    t.started();
    now += 1;
    const d = t.ended(() => { relaunched++; });
    assert.equal(d.action, 'restart');
    if (d.action === 'restart') delays.push(d.delayMs);
    await waitFor(() => relaunched === i + 1, 5_000, `relaunch ${i + 1}`, 2);
  }
  assert.deepEqual(delays, [5, 10, 20, 20]);
  assert.equal(t.restarts, 4);
  // A run longer than resetAfterMs starts the backoff over.
  t.started();
  now += 2_000;
  const d = t.ended(() => { relaunched++; });
  assert.deepEqual(d, { action: 'restart', delayMs: 5, backoffReset: true });
  t.stop();
});

test('RestartTracker: stop cancels a pending restart, and a run ending while stopping stays stopped', async () => {
  const t = new RestartTracker({ ...policy, initialDelayMs: 10_000 }, Date.now);
  let relaunched = 0;
  t.started();
  assert.equal(t.ended(() => { relaunched++; }).action, 'restart');
  t.stop();
  assert.equal(t.stopping, true);
  t.started();
  assert.deepEqual(t.ended(() => { relaunched++; }), { action: 'stay-stopped' });
  assert.equal(relaunched, 0);
  assert.equal(t.restarts, 0);
});
