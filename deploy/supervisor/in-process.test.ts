import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InProcessSupervisor, type ModuleEvent } from './in-process.ts';
import { quietLogger } from '../../testutil/log.ts';
import { waitFor } from '../../testutil/wait.ts';

const fastPolicy = { initialDelayMs: 20, maxDelayMs: 80, resetAfterMs: 60_000 };

/** Resolves once `signal` aborts. */
const aborted = (signal: AbortSignal): Promise<void> => new Promise((resolve) => {
  if (signal.aborted) resolve();
  else signal.addEventListener('abort', () => resolve(), { once: true });
});

function setup(): { events: ModuleEvent[]; sup: InProcessSupervisor } {
  const events: ModuleEvent[] = [];
  const sup = new InProcessSupervisor({ log: quietLogger('test'), policy: fastPolicy, onEvent: (e) => events.push(e) });
  return { events, sup };
}

test('a failing component is restarted alone with growing backoff while the others keep their first run', async () => {
  const { events, sup } = setup();
  let steadyRuns = 0;
  let steadyStops = 0;
  sup.add({ name: 'steady', run: async (signal) => { steadyRuns++; await aborted(signal); steadyStops++; } });
  let crashes = 0;
  sup.add({ name: 'crasher', run: async () => { crashes++; await Promise.resolve(); throw new Error(`boom ${crashes}`); } });
  await waitFor(() => sup.restarts('crasher') >= 3, 10_000, 'three restarts of crasher', 5);
  await sup.stopAll();
  const delays = events.flatMap((e) => (e.type === 'restart-scheduled' && e.name === 'crasher' ? [e.delayMs] : []));
  assert.deepEqual(delays.slice(0, 3), [20, 40, 80]);
  assert.ok(events.some((e) => e.type === 'failed' && e.name === 'crasher' && e.error === 'boom 1'), 'the failure reason is reported');
  assert.equal(steadyRuns, 1, 'the healthy component was never restarted');
  assert.equal(steadyStops, 1, 'stopAll aborted its signal and it returned');
  assert.equal(sup.restarts('steady'), 0);
});

test('a run that throws synchronously or returns on its own counts as a failure and is restarted', async () => {
  const { events, sup } = setup();
  let syncRuns = 0;
  sup.add({ name: 'sync-throw', run: () => { syncRuns++; throw new Error('bad flags'); } });
  let returns = 0;
  sup.add({ name: 'returns', run: async () => { returns++; } });
  await waitFor(() => syncRuns >= 2 && returns >= 2, 10_000, 'both restarted', 5);
  await sup.stopAll();
  assert.ok(events.some((e) => e.type === 'failed' && e.name === 'sync-throw' && e.error === 'bad flags'));
  assert.ok(events.some((e) => e.type === 'failed' && e.name === 'returns' && /returned before it was stopped/.test(e.error)));
});

test('stopAll stops in reverse start order, cancels a pending restart, and gives up on a stuck run after its timeout', async () => {
  const { events, sup } = setup();
  const stopped: string[] = [];
  for (const name of ['a', 'b']) sup.add({ name, run: async (signal) => { await aborted(signal); stopped.push(name); } });
  sup.add({ name: 'stuck', stopTimeoutMs: 50, run: () => new Promise<void>(() => {}) });
  let flaky = 0;
  sup.add({ name: 'flaky', run: async () => { flaky++; throw new Error('x'); } });
  await waitFor(() => events.some((e) => e.type === 'restart-scheduled' && e.name === 'flaky'), 10_000, 'a scheduled restart', 5);
  const runsBefore = flaky;
  await sup.stopAll();
  assert.deepEqual(stopped, ['b', 'a']);
  assert.deepEqual(events.filter((e) => e.type === 'stopped').map((e) => e.type === 'stopped' && e.name), ['flaky', 'stuck', 'b', 'a']);
  assert.equal(sup.running('a'), false);
  assert.equal(sup.running('stuck'), true, 'the stuck run never settled; stopAll went on without it');
  assert.equal(flaky, runsBefore, 'the pending restart did not run during the stop');
});

test('add refuses a duplicate name', () => {
  const { sup } = setup();
  sup.add({ name: 'x', run: (signal) => aborted(signal) });
  assert.throws(() => sup.add({ name: 'x', run: (signal) => aborted(signal) }), /already supervised/);
  return sup.stopAll();
});
