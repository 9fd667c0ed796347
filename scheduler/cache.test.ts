import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1';
import { FakeClock } from '../apiserver/client/workqueue.ts';
import { SchedulerCache } from './cache.ts';
import { assumedOn } from './scheduler.ts';
import { interleaveByZone, Snapshot } from './snapshot.ts';
import { makeNode, makePod } from './testing.ts';

const bound = (name: string, node: string, cpu = '1'): Pod => makePod(name, { cpu, nodeName: node });
const cpuOf = (c: SchedulerCache, node: string): number | undefined => c.nodeInfo(node)?.requested.milliCpu;

function setup(ttlMs = 30_000) {
  const clock = new FakeClock();
  const cache = new SchedulerCache({ clock, assumedPodTtlMs: ttlMs });
  for (const n of ['a', 'b', 'c']) cache.addNode(makeNode(n));
  return { clock, cache };
}

test('assume counts the pod at once; forget releases it; both refuse the wrong state', () => {
  const { cache } = setup();
  const pod = makePod('p', { cpu: '1500m' });
  assert.equal(cache.assumePod(assumedOn(pod, 'a')), undefined);
  assert.equal(cpuOf(cache, 'a'), 1500);
  assert.equal(cache.isAssumed('default/p'), true);
  assert.match(cache.assumePod(assumedOn(pod, 'b')) ?? '', /is in the cache/);
  assert.equal(cache.forgetPod('default/p'), undefined);
  assert.equal(cpuOf(cache, 'a'), 0);
  assert.match(cache.forgetPod('default/p') ?? '', /wasn't assumed/);
});

test('the informer confirms an assumed pod, moving it if it landed elsewhere', () => {
  const { cache } = setup();
  cache.assumePod(assumedOn(makePod('p', { cpu: '1' }), 'a'));
  cache.addPod(bound('p', 'b'));
  assert.deepEqual([cpuOf(cache, 'a'), cpuOf(cache, 'b')], [0, 1000]);
  assert.equal(cache.isAssumed('default/p'), false);
  assert.match(cache.forgetPod('default/p') ?? '', /wasn't assumed/, 'a confirmed pod cannot be forgotten');
  cache.removePod('default/p');
  assert.equal(cpuOf(cache, 'b'), 0);
});

test('an assumed pod expires ttl after its binding finished unless the informer confirms it', () => {
  const { cache, clock } = setup(30_000);
  cache.assumePod(assumedOn(makePod('never', { cpu: '1' }), 'a'));
  cache.assumePod(assumedOn(makePod('seen', { cpu: '1' }), 'a'));
  cache.assumePod(assumedOn(makePod('binding', { cpu: '1' }), 'a'));
  cache.finishBinding('default/never');
  cache.finishBinding('default/seen');
  cache.addPod(bound('seen', 'a'));
  clock.advance(29_999);
  assert.deepEqual(cache.cleanupAssumedPods(), []);
  clock.advance(1);
  assert.deepEqual(cache.cleanupAssumedPods(), ['default/never'], 'a binding still in flight never expires');
  assert.equal(cpuOf(cache, 'a'), 2000);
  assert.deepEqual(cache.stats(), { nodes: 3, pods: 2, assumed: 1 });
});

test('pods may name a node before (or after) its Node object exists', () => {
  const { cache } = setup();
  cache.addPod(bound('early', 'late-node', '2'));
  const snap = new Snapshot();
  cache.updateSnapshot(snap);
  assert.deepEqual(snap.list.map((ni) => ni.node.metadata?.name).sort(), ['a', 'b', 'c'], 'no Node object, not in the snapshot');
  cache.addNode(makeNode('late-node'));
  cache.updateSnapshot(snap);
  assert.equal(snap.get('late-node')?.requested.milliCpu, 2000, 'its pods already count');
  cache.removeNode('late-node');
  cache.updateSnapshot(snap);
  assert.equal(snap.get('late-node'), undefined);
  assert.equal(cpuOf(cache, 'late-node'), 2000, 'kept while pods remain');
  cache.removePod('default/early');
  assert.equal(cache.nodeInfo('late-node'), undefined, 'dropped with its last pod');
});

test('updateSnapshot copies only the NodeInfos changed since the last one, in place', () => {
  const { cache } = setup();
  const snap = new Snapshot();
  cache.updateSnapshot(snap);
  const list = snap.list;
  const [a, b] = [snap.get('a'), snap.get('b')];
  const bGeneration = b?.generation;
  cache.addPod(bound('x', 'a'));
  cache.updateSnapshot(snap);
  assert.equal(snap.list, list, 'no node added or removed: the same list');
  assert.equal(snap.get('a'), a, 'changed entries are updated in place');
  assert.equal(a?.requested.milliCpu, 1000);
  assert.equal(snap.get('b')?.generation, bGeneration, 'unchanged entries are not copied');
  assert.equal(snap.generation, a?.generation);
  // The snapshot is a copy: the cache changing after it does not show until the next update.
  cache.addPod(bound('y', 'a'));
  assert.equal(a?.requested.milliCpu, 1000);
  cache.addNode(makeNode('d'));
  cache.updateSnapshot(snap);
  assert.notEqual(snap.list, list, 'a new node rebuilds the list');
  assert.deepEqual([snap.size, snap.get('a')?.requested.milliCpu], [4, 2000]);
});

test('the snapshot tracks nodes with pod affinity pods', () => {
  const { cache } = setup();
  const snap = new Snapshot();
  const withAffinity = bound('aff', 'b');
  withAffinity.spec!.affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname' }] } };
  cache.addPod(withAffinity);
  cache.updateSnapshot(snap);
  assert.deepEqual(snap.havePodsWithAffinity.map((ni) => ni.node.metadata?.name), ['b']);
  assert.equal(snap.get('b')?.podsWithRequiredAntiAffinity.size, 1);
  cache.removePod('default/aff');
  cache.updateSnapshot(snap);
  assert.deepEqual(snap.havePodsWithAffinity, []);
});

test('interleaveByZone takes one node per zone in turn', () => {
  const cases: { name: string; nodes: [string, string][]; want: string[] }[] = [
    { name: 'one zone keeps the order', nodes: [['a', ''], ['b', ''], ['c', '']], want: ['a', 'b', 'c'] },
    { name: 'two zones alternate', nodes: [['a1', 'a'], ['a2', 'a'], ['b1', 'b'], ['a3', 'a'], ['b2', 'b']], want: ['a1', 'b1', 'a2', 'b2', 'a3'] },
    { name: 'empty', nodes: [], want: [] },
  ];
  for (const c of cases) assert.deepEqual(interleaveByZone(c.nodes, ([, z]) => z).map(([n]) => n), c.want, c.name);
});
