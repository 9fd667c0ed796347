import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1';
import type { Pod } from 'kubernetes-types/core/v1';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1';
import { Deployments, PodDisruptionBudgets, Pods, ReplicaSets } from '../../apiserver/client/resources.ts';
import { rfc3339 } from '../../apiserver/api/time.ts';
import { harness, waitFor } from '../testing/harness.ts';
import { createDisruptionController } from './controller.ts';
import { DELETION_TIMEOUT_MS, STALE_POD_DISRUPTION_TIMEOUT_MS } from './decide.ts';

const NOW = Date.parse('2026-03-01T00:00:00Z');
const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };

test('the controller sizes a maxUnavailable budget by the Deployment, follows pod readiness, and rechecks pending evictions', async () => {
  const h = harness({ now: () => NOW });
  const c = h.client;
  const ctl = createDisruptionController(h.deps, () => NOW);
  await h.start();
  try {
    const d = await c.create<Deployment>(Deployments, { metadata: { name: 'web', namespace: 'ns' }, spec: { replicas: 4, selector: { matchLabels: { app: 'web' } }, template } }, 'ns');
    const rs = await c.create<ReplicaSet>(ReplicaSets, {
      metadata: { name: 'web-1', namespace: 'ns', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: d.metadata!.uid!, controller: true }] },
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template },
    }, 'ns');
    for (const name of ['a', 'b', 'c']) {
      const p = await c.create<Pod>(Pods, {
        metadata: { name, namespace: 'ns', labels: { app: 'web' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: rs.metadata!.uid!, controller: true }] },
        spec: { containers: [{ name: 'c', image: 'nginx' }] },
      }, 'ns');
      await c.updateStatus<Pod>(Pods, { ...p, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }, 'ns');
    }
    await c.create<PodDisruptionBudget>(PodDisruptionBudgets, { metadata: { name: 'b', namespace: 'ns' }, spec: { maxUnavailable: '25%', selector: { matchLabels: { app: 'web' } } } }, 'ns');
    await waitFor('the budget is queued', () => ctl.queue.len() > 0);
    const status = async (): Promise<PodDisruptionBudget['status']> => (await c.get<PodDisruptionBudget>(PodDisruptionBudgets, 'b', 'ns')).status;
    await waitFor('caches hold 3 Ready pods', async () => {
      await ctl.reconcile('ns/b');
      return (await status())?.currentHealthy === 3;
    });
    // 25% of the Deployment's 4 replicas rounds up to 1: desired 3 of expected 4; 3 healthy → no disruption.
    assert.deepEqual(await status(), {
      currentHealthy: 3, desiredHealthy: 3, expectedPods: 4, disruptionsAllowed: 0, observedGeneration: 1,
      conditions: [{ type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', message: '', observedGeneration: 1, lastTransitionTime: rfc3339(NOW) }],
    });

    await c.update<Deployment>(Deployments, { ...(await c.get<Deployment>(Deployments, 'web', 'ns')), spec: { ...d.spec!, replicas: 3 } }, 'ns');
    await waitFor('scaled to 3: one disruption', async () => {
      await ctl.reconcile('ns/b');
      return (await status())?.disruptionsAllowed === 1;
    });
    assert.equal((await status())?.conditions?.[0]?.reason, 'SufficientPods');

    // An eviction the apiserver recorded a moment ago: not healthy, and the budget is rechecked when it would time out.
    const cur = await c.get<PodDisruptionBudget>(PodDisruptionBudgets, 'b', 'ns');
    const evictedAt = NOW - 1000;
    await c.updateStatus<PodDisruptionBudget>(PodDisruptionBudgets, { ...cur, status: { ...cur.status!, disruptionsAllowed: 0, disruptedPods: { a: rfc3339(evictedAt) } } }, 'ns');
    let result: Awaited<ReturnType<typeof ctl.reconcile>>;
    await waitFor('the pending eviction is seen', async () => {
      result = await ctl.reconcile('ns/b');
      return (await status())?.currentHealthy === 2;
    });
    assert.deepEqual(result!, { requeueAfterMs: evictedAt + DELETION_TIMEOUT_MS - NOW });
    assert.deepEqual((await status())?.disruptedPods, { a: rfc3339(evictedAt) });

    // Pod b stops being Ready: its update queues the budget.
    while (ctl.queue.len() > 0) {
      const k = await ctl.queue.get();
      if (k) ctl.queue.done(k);
    }
    const b = await c.get<Pod>(Pods, 'b', 'ns');
    await c.updateStatus<Pod>(Pods, { ...b, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] } }, 'ns');
    await waitFor('the pod update queues the budget', () => ctl.queue.len() === 1);
    assert.equal(await ctl.queue.get(), 'ns/b');
  } finally {
    h.stop();
  }
});

test('a managed pod whose ReplicaSet is missing makes the budget fail safe', async () => {
  const h = harness({ now: () => NOW });
  const c = h.client;
  const ctl = createDisruptionController(h.deps, () => NOW);
  await h.start();
  try {
    await c.create<Pod>(Pods, { metadata: { name: 'orphan', namespace: 'ns', labels: { app: 'web' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'gone', uid: 'u-gone', controller: true }] }, spec: { containers: [{ name: 'c', image: 'nginx' }] } }, 'ns');
    await c.create<PodDisruptionBudget>(PodDisruptionBudgets, { metadata: { name: 'b', namespace: 'ns' }, spec: { minAvailable: '50%', selector: { matchLabels: { app: 'web' } } } }, 'ns');
    await waitFor('SyncFailed', async () => {
      await ctl.reconcile('ns/b');
      const cond = (await c.get<PodDisruptionBudget>(PodDisruptionBudgets, 'b', 'ns')).status?.conditions?.[0];
      return cond?.reason === 'SyncFailed';
    });
    const st = (await c.get<PodDisruptionBudget>(PodDisruptionBudgets, 'b', 'ns')).status;
    assert.equal(st?.disruptionsAllowed, 0);
    assert.equal(st?.conditions?.[0]?.message, 'found no controllers for pod "orphan"');
    assert.equal(await ctl.reconcile('ns/missing'), undefined, 'a deleted budget is nothing to do');
  } finally {
    h.stop();
  }
});

test('a DisruptionTarget condition that no deletion followed is reset to False after 2 minutes', async () => {
  let now = NOW;
  const h = harness({ now: () => now });
  const c = h.client;
  const ctl = createDisruptionController(h.deps, () => now);
  await h.start();
  try {
    const p = await c.create<Pod>(Pods, { metadata: { name: 'p', namespace: 'ns' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } }, 'ns');
    await c.updateStatus<Pod>(Pods, { ...p, status: { phase: 'Running', conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting', lastTransitionTime: rfc3339(NOW) }] } }, 'ns');
    await waitFor('the pod update is cached', async () => {
      const r = await ctl.stale.reconcile('ns/p');
      return r !== undefined && 'requeueAfterMs' in r;
    });
    assert.deepEqual(await ctl.stale.reconcile('ns/p'), { requeueAfterMs: STALE_POD_DISRUPTION_TIMEOUT_MS }, 'not stale yet: checked again when it would be');
    now = NOW + STALE_POD_DISRUPTION_TIMEOUT_MS;
    await ctl.stale.reconcile('ns/p');
    const cond = (await c.get<Pod>(Pods, 'p', 'ns')).status?.conditions?.find((x) => x.type === 'DisruptionTarget');
    assert.deepEqual(cond, { type: 'DisruptionTarget', status: 'False', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting', lastTransitionTime: rfc3339(now) });
  } finally {
    h.stop();
  }
});
