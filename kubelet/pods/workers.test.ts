import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../apiserver/client/workqueue.ts';
import { PodWorkers } from './workers.ts';
import { quietLogger } from '../../testutil/log.ts';

const quiet = quietLogger('test');
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('one serialized worker per uid; a kick during a sync runs exactly one more', async () => {
  const clock = new FakeClock();
  const log: string[] = [];
  let release: () => void = () => {};
  let concurrent = 0;
  const w = new PodWorkers(async (uid) => {
    concurrent++;
    assert.equal(concurrent, 1, 'never two syncs of one uid at once');
    log.push(uid);
    await new Promise<void>((r) => { release = r; });
    concurrent--;
  }, clock, quiet);
  w.kick('a');
  w.kick('a');
  w.kick('a');
  await tick();
  release();
  await tick();
  release();
  await w.idle();
  assert.deepEqual(log, ['a', 'a']);
});

test('a kick landing right as a sync finishes is not lost', async () => {
  const clock = new FakeClock();
  let runs = 0;
  const w = new PodWorkers(async () => { runs++; }, clock, quiet);
  for (let i = 0; i < 50; i++) {
    w.kick('u');
    // Kick again after a varying number of microtasks, racing the end of the sync.
    let p = Promise.resolve();
    for (let j = 0; j < i % 6; j++) p = p.then(() => undefined);
    const before = runs;
    await p.then(() => w.kick('u'));
    await w.idle();
    assert.ok(runs >= before + 1, `iteration ${i}: the second kick ran`);
  }
});

test('failures back off; non-forced kicks wait; requeueAfterMs is honoured', async () => {
  const clock = new FakeClock();
  let calls = 0;
  let fail = true;
  const w = new PodWorkers(async () => {
    calls++;
    if (fail) throw new Error('boom');
    return { requeueAfterMs: 5000 };
  }, clock, quiet);
  w.kick('x');
  await w.idle();
  assert.equal(calls, 1);
  w.kick('x');
  await w.idle();
  assert.equal(calls, 1, 'relist kick ignored during back-off');
  fail = false;
  clock.advance(500);
  await w.idle();
  assert.equal(calls, 2, 'retried after 0.5 s');
  clock.advance(4999);
  await w.idle();
  assert.equal(calls, 2);
  clock.advance(1);
  await w.idle();
  assert.equal(calls, 3, 'requeued after 5 s');
  w.kick('x', true);
  await w.idle();
  assert.equal(calls, 4);
  await w.stop();
});
