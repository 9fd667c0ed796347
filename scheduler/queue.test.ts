import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../apiserver/client/workqueue.ts';
import { SchedulingQueue } from './queue.ts';
import { makePod } from './testing.ts';

function setup() {
  const clock = new FakeClock();
  const q = new SchedulingQueue({ clock });
  const ac = new AbortController();
  q.run(ac.signal);
  return { clock, q, ac };
}

test('backoff grows 1 s, 2 s, 4 s ... capped at 10 s', () => {
  const q = new SchedulingQueue();
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => q.backoffDuration(n)), [1000, 2000, 4000, 8000, 10000, 10000]);
});

test('pop orders by priority, then arrival; a waiting pop is woken by add', async () => {
  const { q, clock, ac } = setup();
  const low = makePod('low');
  const high = makePod('high');
  high.spec!.priority = 100;
  q.add(low);
  clock.advance(1);
  q.add(high);
  assert.equal((await q.pop())?.info.key, 'default/high');
  assert.equal((await q.pop())?.info.key, 'default/low');
  const waiting = q.pop();
  q.add(makePod('late'));
  assert.equal((await waiting)?.info.key, 'default/late');
  ac.abort();
  assert.equal(await q.pop(), undefined, 'closed');
});

test('an unschedulable pod waits for a cluster change, then for its backoff', async () => {
  const { q, clock, ac } = setup();
  q.add(makePod('p'));
  const a = await q.pop();
  q.addUnschedulable(a!.info, a!.cycle);
  assert.deepEqual(q.snapshot().unschedulable, ['default/p']);
  clock.advance(5000);
  assert.deepEqual(q.snapshot().unschedulable, ['default/p'], 'no change, no retry yet');
  q.moveAllToActiveOrBackoff();
  assert.deepEqual(q.snapshot().active, ['default/p'], 'backoff (1 s) already over');
  const b = await q.pop();
  assert.equal(b?.info.attempts, 2);
  q.addUnschedulable(b!.info, b!.cycle);
  q.moveAllToActiveOrBackoff();
  assert.deepEqual(q.snapshot().backoff, ['default/p'], 'second backoff is 2 s');
  clock.advance(1000);
  assert.deepEqual(q.snapshot().backoff, ['default/p']);
  clock.advance(1000);
  assert.deepEqual(q.snapshot().active, ['default/p']);
  ac.abort();
});

test('the unschedulable pool is flushed after 60 s even without events', async () => {
  const { q, clock, ac } = setup();
  q.add(makePod('p'));
  const a = await q.pop();
  q.addUnschedulable(a!.info, a!.cycle);
  clock.advance(59_000);
  assert.deepEqual(q.snapshot().unschedulable, ['default/p']);
  clock.advance(1000);
  assert.deepEqual(q.snapshot().active, ['default/p']);
  ac.abort();
});

test('a cluster change during the attempt sends the pod to backoff, not the pool', async () => {
  const { q, ac } = setup();
  q.add(makePod('p'));
  const a = await q.pop();
  q.moveAllToActiveOrBackoff(); // e.g. a node was added while we were deciding
  q.addUnschedulable(a!.info, a!.cycle);
  assert.deepEqual(q.snapshot().backoff, ['default/p']);
  ac.abort();
});

test('status-only updates do not wake a pool pod; spec updates do; deletes drop it', async () => {
  const { q, clock, ac } = setup();
  const p = makePod('p');
  q.add(p);
  const a = await q.pop();
  q.addUnschedulable(a!.info, a!.cycle);
  clock.advance(2000);
  q.update(p, { ...p, status: { conditions: [{ type: 'PodScheduled', status: 'False' }] } });
  assert.deepEqual(q.snapshot().unschedulable, ['default/p']);
  q.update(p, { ...p, spec: { ...p.spec!, nodeSelector: { a: 'b' } } });
  assert.deepEqual(q.snapshot().active, ['default/p']);
  q.delete('default/p');
  assert.deepEqual(q.snapshot(), { active: [], backoff: [], unschedulable: [], inFlight: [] });
  ac.abort();
});

test('a pod deleted while in flight is not re-queued', async () => {
  const { q, ac } = setup();
  q.add(makePod('p'));
  const a = await q.pop();
  q.delete('default/p');
  q.addUnschedulable(a!.info, a!.cycle);
  assert.deepEqual(q.snapshot(), { active: [], backoff: [], unschedulable: [], inFlight: [] });
  ac.abort();
});

test('the active heap keeps priority-then-arrival order over many pods and priority updates', async () => {
  const { q, clock, ac } = setup();
  const pods = Array.from({ length: 50 }, (_, i) => {
    const p = makePod(`p${i}`);
    p.spec!.priority = i % 5;
    return p;
  });
  for (const p of pods) {
    q.add(p);
    clock.advance(1);
  }
  const raised = { ...pods[49], spec: { ...pods[49].spec!, priority: 100 } };
  q.update(pods[49], raised);
  const order: string[] = [];
  for (let i = 0; i < 50; i++) order.push((await q.pop())!.info.key);
  assert.equal(order[0], 'default/p49', 'raised priority first');
  const rest = order.slice(1).map((k) => Number(k.slice('default/p'.length)));
  const want = pods.slice(0, 49).map((_, i) => i).sort((a, b) => (b % 5) - (a % 5) || a - b);
  assert.deepEqual(rest, want);
  ac.abort();
});

test('backoffs end on one timer, earliest first, without waiting for the periodic flush', async () => {
  const clock = new FakeClock();
  const q = new SchedulingQueue({ clock, flushIntervalMs: 60_000 });
  const ac = new AbortController();
  q.run(ac.signal);
  for (const n of ['a', 'b']) q.add(makePod(n));
  const a = await q.pop();
  clock.advance(500);
  const b = await q.pop();
  q.addBackoff(b!.info); // until +1500
  q.addBackoff(a!.info); // until +1000
  clock.advance(500);
  assert.deepEqual(q.snapshot().active, ['default/a']);
  assert.deepEqual(q.snapshot().backoff, ['default/b']);
  clock.advance(500);
  assert.deepEqual(q.snapshot().active, ['default/a', 'default/b']);
  ac.abort();
});
