import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWorkQueue, FakeClock } from './workqueue.ts';

/** Takes every key that is ready right now (without waiting). */
async function drainReady(q: ReturnType<typeof createWorkQueue<string>>): Promise<string[]> {
  const out: string[] = [];
  while (q.len() > 0) out.push((await q.get()) as string);
  return out;
}

test('add dedupes queued keys and keeps FIFO order', async () => {
  const q = createWorkQueue<string>();
  q.add('a');
  q.add('b');
  q.add('a');
  assert.equal(q.len(), 2);
  assert.deepEqual(await drainReady(q), ['a', 'b']);
});

test('a key being processed is not handed out again until done, then re-queued once', async () => {
  const q = createWorkQueue<string>();
  q.add('a');
  const k = await q.get();
  assert.equal(k, 'a');
  q.add('a');
  q.add('a');
  assert.equal(q.len(), 0, 'must not be queued while processing');
  let second: string | undefined;
  const p = q.get().then((x) => { second = x; });
  await new Promise((r) => setImmediate(r));
  assert.equal(second, undefined, 'a second worker must not get the key yet');
  q.done('a');
  await p;
  assert.equal(second, 'a');
  q.done('a');
  assert.equal(q.len(), 0);
});

test('done without re-add does not re-queue', async () => {
  const q = createWorkQueue<string>();
  q.add('x');
  q.done((await q.get()) as string);
  assert.equal(q.len(), 0);
});

test('addAfter waits for the clock and keeps the earliest deadline', async () => {
  const clock = new FakeClock();
  const q = createWorkQueue<string>({ clock });
  q.addAfter('a', 100);
  q.addAfter('a', 500);
  q.addAfter('b', 50);
  q.addAfter('c', 0);
  assert.deepEqual(await drainReady(q), ['c']);
  clock.advance(60);
  assert.deepEqual(await drainReady(q), ['b']);
  clock.advance(40);
  assert.deepEqual(await drainReady(q), ['a']);
  clock.advance(1000);
  assert.equal(q.len(), 0, 'the later duplicate deadline must not add again');
});

test('addRateLimited backs off exponentially per key until forget', async (t) => {
  const cases: { failures: number; expectDelay: number }[] = [
    { failures: 0, expectDelay: 10 },
    { failures: 1, expectDelay: 20 },
    { failures: 3, expectDelay: 80 },
    { failures: 10, expectDelay: 1000 }, // capped by maxDelayMs
  ];
  for (const c of cases) {
    await t.test(`after ${c.failures} earlier failures the next retry waits ${c.expectDelay} ms`, async () => {
      const clock = new FakeClock();
      const q = createWorkQueue<string>({ clock, baseDelayMs: 10, maxDelayMs: 1000 });
      for (let i = 0; i < c.failures; i++) {
        q.addRateLimited('k');
        clock.advance(10_000);
        q.done((await q.get()) as string);
      }
      assert.equal(q.numRequeues('k'), c.failures);
      q.addRateLimited('k');
      clock.advance(c.expectDelay - 1);
      assert.equal(q.len(), 0, 'not yet');
      clock.advance(1);
      assert.equal(q.len(), 1, 'now');
    });
  }
  await t.test('forget resets the backoff', async () => {
    const clock = new FakeClock();
    const q = createWorkQueue<string>({ clock, baseDelayMs: 10, maxDelayMs: 1000 });
    q.addRateLimited('k');
    q.addRateLimited('k');
    q.forget('k');
    assert.equal(q.numRequeues('k'), 0);
  });
});

test('shutDown wakes waiting getters with undefined and ignores later adds', async () => {
  const clock = new FakeClock();
  const q = createWorkQueue<string>({ clock });
  const waiting = q.get();
  q.addAfter('late', 100);
  q.shutDown();
  assert.equal(await waiting, undefined);
  q.add('x');
  assert.equal(await q.get(), undefined);
  assert.equal(clock.pending(), 0, 'delayed adds are cancelled');
});
