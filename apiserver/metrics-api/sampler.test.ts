import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeletSample } from './kubelet-text.ts';
import { MetricsSampler } from './sampler.ts';

/** A sampler whose scrapes return a sample tagged with the scrape number, on a clock the test moves; sleep advances it. */
function rig(opts: { fail?: Set<string>; maxNodes?: number } = {}) {
  let clock = 10_000;
  const scrapes: string[] = [];
  const sleeps: number[] = [];
  let seq = 0;
  const sampler = new MetricsSampler({
    scrape: async (name) => {
      scrapes.push(name);
      if (opts.fail?.has(name)) throw new Error('unreachable');
      const s: KubeletSample = { node: { memoryBytes: ++seq }, containers: new Map() };
      return s;
    },
    now: () => clock,
    sleep: async (ms) => { sleeps.push(ms); clock += ms; },
    minWindowMs: 1000, maxAgeMs: 60_000, maxNodes: opts.maxNodes,
  });
  return { sampler, scrapes, sleeps, advance: (ms: number) => { clock += ms; } };
}

const ids = (p: { older: KubeletSample; newer: KubeletSample } | undefined): [number | undefined, number | undefined] | undefined =>
  p && [p.older.node.memoryBytes, p.newer.node.memoryBytes];

test('first request: two scrapes a window apart; a later one pairs with the last sample', async () => {
  const r = rig();
  assert.deepEqual(ids(await r.sampler.pair('n1')), [1, 2]);
  assert.deepEqual(r.sleeps, [1000]);
  r.advance(5000);
  assert.deepEqual(ids(await r.sampler.pair('n1')), [2, 3]);
  assert.deepEqual(r.sleeps, [1000], 'no wait: the previous sample is old enough');
});

test('within the window the last pair is reused without scraping', async () => {
  const r = rig();
  await r.sampler.pair('n1');
  r.advance(200);
  assert.deepEqual(ids(await r.sampler.pair('n1')), [1, 2]);
  assert.equal(r.scrapes.length, 2);
});

test('a sample older than maxAge is not paired: two fresh scrapes', async () => {
  const r = rig();
  await r.sampler.pair('n1');
  r.advance(120_000);
  assert.deepEqual(ids(await r.sampler.pair('n1')), [3, 4]);
});

test('concurrent requests for one node share the scrapes', async () => {
  const r = rig();
  const [a, b] = await Promise.all([r.sampler.pair('n1'), r.sampler.pair('n1')]);
  assert.deepEqual([ids(a), ids(b)], [[1, 2], [1, 2]]);
  assert.deepEqual(r.scrapes, ['n1', 'n1']);
});

test('a failing kubelet gives undefined and does not affect another node', async () => {
  const r = rig({ fail: new Set(['bad']) });
  const [bad, good] = await Promise.all([r.sampler.pair('bad'), r.sampler.pair('good')]);
  assert.equal(bad, undefined);
  assert.ok(good);
  assert.equal(r.sampler.size, 1);
});

test('the map is bounded and forgets nodes not retained', async () => {
  const r = rig({ maxNodes: 2 });
  for (const n of ['a', 'b', 'c']) await r.sampler.pair(n);
  assert.equal(r.sampler.size, 2);
  r.sampler.retain(new Set(['c']));
  assert.equal(r.sampler.size, 1);
});
