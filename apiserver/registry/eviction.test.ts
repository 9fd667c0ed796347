import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1';
import { StatusError } from '../api/errors.ts';
import { FakeClient } from '../testing/fake-client.ts';
import { PodDisruptionBudgets, Pods } from '../client/resources.ts';
import { evictPod, type EvictionStores } from './eviction.ts';

const NOW = Date.parse('2026-01-01T00:00:00Z');

async function setup(opts: { grace?: number; ready?: boolean; allowed?: number } = {}): Promise<{ c: FakeClient; stores: EvictionStores }> {
  const c = new FakeClient({ namespaces: ['ns'], now: () => NOW });
  const p = await c.create<Pod>(Pods, { metadata: { name: 'p', namespace: 'ns', labels: { app: 'web' } }, spec: { nodeName: 'n1', terminationGracePeriodSeconds: opts.grace ?? 0, containers: [{ name: 'c', image: 'nginx' }] } }, 'ns');
  await c.updateStatus<Pod>(Pods, { ...p, status: { phase: 'Running', conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] } }, 'ns');
  const b = await c.create<PodDisruptionBudget>(PodDisruptionBudgets, { metadata: { name: 'b', namespace: 'ns' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } }, 'ns');
  await c.updateStatus<PodDisruptionBudget>(PodDisruptionBudgets, { ...b, status: { currentHealthy: 2, desiredHealthy: 1, expectedPods: 2, disruptionsAllowed: opts.allowed ?? 1, observedGeneration: 1 } }, 'ns');
  const reg = c.registry;
  return { c, stores: { pods: reg.find('', 'v1', 'pods')!, pdbs: reg.find('policy', 'v1', 'poddisruptionbudgets')! } };
}

const pdbOf = (c: FakeClient): Promise<PodDisruptionBudget> => c.get<PodDisruptionBudget>(PodDisruptionBudgets, 'b', 'ns');
const statusCode = (code: number) => (e: unknown): boolean => e instanceof StatusError && e.code === code;

test('an allowed eviction takes the disruption (recording the pod) and deletes the pod', async () => {
  const { c, stores } = await setup();
  await evictPod(stores, 'ns', 'p', {}, {}, () => NOW);
  assert.equal(await c.tryGet(Pods, 'p', 'ns'), undefined);
  const st = (await pdbOf(c)).status;
  assert.equal(st?.disruptionsAllowed, 0);
  assert.deepEqual(Object.keys(st?.disruptedPods ?? {}), ['p']);
});

test('dryRun computes the eviction and writes nothing', async () => {
  const { c, stores } = await setup();
  const before = await pdbOf(c);
  await evictPod(stores, 'ns', 'p', {}, { dryRun: true }, () => NOW);
  assert.ok(await c.tryGet(Pods, 'p', 'ns'));
  assert.equal((await pdbOf(c)).metadata?.resourceVersion, before.metadata?.resourceVersion);
});

test('deleteOptions are honoured: a grace period leaves the pod terminating with DisruptionTarget; a current resourceVersion precondition passes, a stale one is 409', async () => {
  const graceful = await setup({ grace: 30 });
  await evictPod(graceful.stores, 'ns', 'p', { gracePeriodSeconds: 10 }, {}, () => NOW);
  const pod = await graceful.c.get<Pod>(Pods, 'p', 'ns');
  assert.equal(pod.metadata?.deletionGracePeriodSeconds, 10);
  const target = pod.status?.conditions?.find((x) => x.type === 'DisruptionTarget');
  assert.deepEqual(target, { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting', lastTransitionTime: '2026-01-01T00:00:00Z' });
  const fresh = await setup();
  const rv = (await fresh.c.get<Pod>(Pods, 'p', 'ns')).metadata?.resourceVersion ?? '';
  await evictPod(fresh.stores, 'ns', 'p', { preconditions: { resourceVersion: rv } }, {}, () => NOW);
  assert.equal(await fresh.c.tryGet(Pods, 'p', 'ns'), undefined, 'a current resourceVersion precondition survives the condition write');
  const stale = await setup();
  await assert.rejects(evictPod(stale.stores, 'ns', 'p', { preconditions: { resourceVersion: '1' } }, {}, () => NOW), statusCode(409));
});

test('a budget with no disruption left is 429 and nothing changes; an unready pod of a healthy budget is deleted without taking one', async () => {
  const { c, stores } = await setup({ allowed: 0 });
  await assert.rejects(evictPod(stores, 'ns', 'p', {}, {}, () => NOW), statusCode(429));
  assert.ok(await c.tryGet(Pods, 'p', 'ns'));
  const unready = await setup({ allowed: 0, ready: false });
  await evictPod(unready.stores, 'ns', 'p', {}, {}, () => NOW);
  assert.equal(await unready.c.tryGet(Pods, 'p', 'ns'), undefined);
  assert.equal((await pdbOf(unready.c)).status?.disruptedPods, undefined, 'no disruption was taken');
});

test('without a budget store every eviction is a delete; a missing pod is 404', async () => {
  const { c, stores } = await setup({ allowed: 0 });
  await evictPod({ pods: stores.pods }, 'ns', 'p', {}, {}, () => NOW);
  assert.equal(await c.tryGet(Pods, 'p', 'ns'), undefined);
  await assert.rejects(evictPod(stores, 'ns', 'p', {}, {}, () => NOW), statusCode(404));
});

test('two evictions racing for the last disruption: exactly one wins, the other is 429', async () => {
  const { c, stores } = await setup({ allowed: 1 });
  const q = await c.create<Pod>(Pods, { metadata: { name: 'q', namespace: 'ns', labels: { app: 'web' } }, spec: { nodeName: 'n1', terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'nginx' }] } }, 'ns');
  await c.updateStatus<Pod>(Pods, { ...q, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }, 'ns');
  const results = await Promise.allSettled(['p', 'q'].map((n) => evictPod(stores, 'ns', n, {}, {}, () => NOW)));
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
  assert.ok(statusCode(429)(lost.reason), String(lost.reason));
  const left = (await c.list<Pod>(Pods, { namespace: 'ns' })).items.map((p) => p.metadata?.name);
  assert.equal(left.length, 1);
  assert.equal((await pdbOf(c)).status?.disruptionsAllowed, 0);
});
