import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventRecorderExt } from '../apiserver/client/events.ts';
import { quietLogger } from '../testutil/log.ts';
import { boundedRecorder } from './events.ts';
import { makePod } from './testing.ts';

/** An inner recorder whose writes finish only when the test says so. */
function gatedInner() {
  const written: string[] = [];
  let inflight = 0;
  let maxInflight = 0;
  let release: (() => void)[] = [];
  const pending = new Set<Promise<void>>();
  const inner: EventRecorderExt = {
    event(obj, _type, reason) {
      inflight++;
      maxInflight = Math.max(maxInflight, inflight);
      const p = new Promise<void>((r) => release.push(r)).then(() => { inflight--; written.push(`${obj.metadata?.name} ${reason}`); });
      pending.add(p);
      void p.finally(() => pending.delete(p));
    },
    async flush() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
  const releaseAll = async (): Promise<void> => {
    while (release.length > 0 || pending.size > 0) {
      const r = release;
      release = [];
      for (const f of r) f();
      await new Promise((res) => setImmediate(res));
    }
  };
  return { inner, written, releaseAll, maxInflight: () => maxInflight };
}

test('events are written one at a time, in order, and flush waits for all of them', async () => {
  const g = gatedInner();
  const rec = boundedRecorder(g.inner, { log: quietLogger('t') });
  for (const n of ['a', 'b', 'c']) rec.event(makePod(n), 'Normal', 'Scheduled', 'm');
  const flushed = rec.flush();
  await g.releaseAll();
  await flushed;
  assert.deepEqual(g.written, ['a Scheduled', 'b Scheduled', 'c Scheduled']);
  assert.equal(g.maxInflight(), 1);
  assert.equal(rec.dropped(), 0);
});

test('a full queue drops newer events and counts them', async () => {
  const g = gatedInner();
  const rec = boundedRecorder(g.inner, { log: quietLogger('t'), maxQueued: 2 });
  // 'a' is taken by the writer at once; 'b' and 'c' fill the queue; 'd' and 'e' are dropped.
  for (const n of ['a', 'b', 'c', 'd', 'e']) rec.event(makePod(n), 'Normal', 'Scheduled', 'm');
  const flushed = rec.flush();
  await g.releaseAll();
  await flushed;
  assert.deepEqual(g.written, ['a Scheduled', 'b Scheduled', 'c Scheduled']);
  assert.equal(rec.dropped(), 2);
});
