import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event, Pod } from 'kubernetes-types/core/v1';
import type { ReplicaSet } from 'kubernetes-types/apps/v1';
import { Pods, ReplicaSets, Events } from '../../apiserver/client/resources.ts';
import { createReplicaSetController } from './controller.ts';
import { harness, waitFor } from '../testing/harness.ts';
import { fakeApiError } from '../../apiserver/testing/fake-client.ts';

const rsObj = (replicas: number): ReplicaSet => ({
  apiVersion: 'apps/v1', kind: 'ReplicaSet',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
  },
});

async function pods(h: ReturnType<typeof harness>): Promise<Pod[]> {
  return (await h.client.list<Pod>(Pods, { namespace: 'default' })).items;
}

test('RS controller creates exactly N pods, never duplicates on a stale cache, scales down', async () => {
  const h = harness();
  try {
    const rs = await h.client.create(ReplicaSets, rsObj(3));
    const c = createReplicaSetController(h.deps);
    await h.start();
    // A stale cache: the informer will not see the pods we create until the watch reconnects.
    h.client.pauseWatches();
    await c.reconcile('default/web');
    await c.reconcile('default/web');
    await c.reconcile('default/web');
    let all = await pods(h);
    assert.equal(all.length, 3);
    for (const p of all) {
      assert.match(p.metadata?.name ?? '', /^web-[a-z0-9]+$/);
      assert.deepEqual(p.metadata?.labels, { app: 'web' });
      assert.deepEqual(p.metadata?.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata?.uid, controller: true, blockOwnerDeletion: true }]);
    }
    assert.deepEqual(c.expectations.pending('default/web'), { adds: 3, deletes: 0 });
    h.client.closeWatches();
    await waitFor('expectations met', () => c.expectations.satisfied('default/web'));
    await c.reconcile('default/web');
    all = await pods(h);
    assert.equal(all.length, 3, 'no duplicates once the cache caught up');
    let stored = await h.client.get<ReplicaSet>(ReplicaSets, 'web', 'default');
    assert.equal(stored.status?.replicas, 3);
    assert.equal(stored.status?.readyReplicas, 0);
    assert.equal(stored.status?.observedGeneration, 1);

    // Mark one pod ready → readyReplicas/availableReplicas follow.
    const first = all[0];
    await h.client.patch(Pods, first.metadata?.name ?? '', 'merge', { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date().toISOString() }] } }, 'default', 'status');
    await waitFor('pod ready seen', () => c.queue.len() > 0);
    await c.reconcile('default/web');
    stored = await h.client.get<ReplicaSet>(ReplicaSets, 'web', 'default');
    assert.equal(stored.status?.readyReplicas, 1);
    assert.equal(stored.status?.availableReplicas, 1);

    // Scale down to 1: the ready pod survives.
    await h.client.patch(ReplicaSets, 'web', 'merge', { spec: { replicas: 1 } }, 'default');
    await waitFor('rs update seen', async () => c.queue.len() > 0);
    await waitFor('cache sees replicas 1', async () => {
      await c.reconcile('default/web');
      return (await pods(h)).length === 1;
    });
    all = await pods(h);
    assert.equal(all[0].metadata?.name, first.metadata?.name);
    await h.recorder.flush();
    const events = (await h.client.list<Event>(Events, { namespace: 'default' })).items;
    assert.ok(events.some((e) => e.reason === 'SuccessfulCreate' && /^Created pod: web-/.test(e.message ?? '')));
    assert.ok(events.every((e) => e.involvedObject.kind === 'ReplicaSet' && e.involvedObject.apiVersion === 'apps/v1' && e.involvedObject.uid === rs.metadata?.uid));
    assert.ok(events.some((e) => e.reason === 'SuccessfulDelete' && /^Deleted pod: web-/.test(e.message ?? '')));
  } finally {
    h.stop();
  }
});

test('RS controller adopts matching orphans and releases pods that stop matching', async () => {
  const h = harness();
  try {
    const rs = await h.client.create(ReplicaSets, rsObj(2));
    const orphan = await h.client.create<Pod>(Pods, { metadata: { name: 'orphan', namespace: 'default', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    await h.client.create<Pod>(Pods, { metadata: { name: 'other', namespace: 'default', labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    const c = createReplicaSetController(h.deps);
    await h.start();
    await c.reconcile('default/web');
    const adopted = await h.client.get<Pod>(Pods, 'orphan', 'default');
    assert.equal(adopted.metadata?.ownerReferences?.[0]?.uid, rs.metadata?.uid);
    assert.equal(adopted.metadata?.uid, orphan.metadata?.uid);
    let all = await pods(h);
    assert.equal(all.filter((p) => p.metadata?.ownerReferences?.[0]?.uid === rs.metadata?.uid).length, 2, 'one adopted + one created');
    assert.equal((await h.client.get<Pod>(Pods, 'other', 'default')).metadata?.ownerReferences, undefined);

    // Relabel the adopted pod: it is released and replaced.
    await waitFor('expectations met', () => c.expectations.satisfied('default/web'));
    await h.client.patch(Pods, 'orphan', 'merge', { metadata: { labels: { app: 'moved' } } }, 'default');
    await waitFor('relabel seen', async () => {
      await c.reconcile('default/web');
      return (await h.client.get<Pod>(Pods, 'orphan', 'default')).metadata?.ownerReferences === undefined;
    });
    await waitFor('replacement created', async () => {
      await c.reconcile('default/web');
      all = await pods(h);
      return all.filter((p) => p.metadata?.ownerReferences?.[0]?.uid === rs.metadata?.uid).length === 2;
    });
  } finally {
    h.stop();
  }
});

test('RS controller: failed creates lower expectations and are retried', async () => {
  const h = harness();
  try {
    await h.client.create(ReplicaSets, rsObj(4));
    const c = createReplicaSetController(h.deps);
    await h.start();
    h.client.failOn('create', 'pods', new Error('boom'), { times: 1 });
    await assert.rejects(c.reconcile('default/web'), /boom/);
    assert.equal(c.expectations.satisfied('default/web'), true, 'no expectation left for a failed first batch');
    assert.equal((await pods(h)).length, 0);
    const failed = (await h.client.get<ReplicaSet>(ReplicaSets, 'web', 'default')).status?.conditions?.find((x) => x.type === 'ReplicaFailure');
    assert.deepEqual([failed?.status, failed?.reason, failed?.message], ['True', 'FailedCreate', 'boom']);
    await waitFor('4 pods and the failure cleared', async () => {
      await c.reconcile('default/web');
      const st = (await h.client.get<ReplicaSet>(ReplicaSets, 'web', 'default')).status;
      return (await pods(h)).length === 4 && !st?.conditions?.some((x) => x.type === 'ReplicaFailure');
    });
  } finally {
    h.stop();
  }
});

test('RS controller: burst cap of 500 creates per sync, slow-start batches', async () => {
  const h = harness();
  try {
    await h.client.create(ReplicaSets, rsObj(600));
    const c = createReplicaSetController(h.deps);
    await h.start();
    h.client.pauseWatches();
    await c.reconcile('default/web');
    assert.equal((await pods(h)).length, 500);
    h.client.closeWatches();
    await waitFor('expectations met', () => c.expectations.satisfied('default/web'));
    await c.reconcile('default/web');
    assert.equal((await pods(h)).length, 600);
  } finally {
    h.stop();
  }
});

test('RS controller: a conflict while adopting an orphan fails the sync and creates nothing (retried, then adopted)', async () => {
  const h = harness();
  try {
    const rs = await h.client.create(ReplicaSets, rsObj(1));
    const orphan = await h.client.create<Pod>(Pods, { metadata: { name: 'stray', namespace: 'default', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    const c = createReplicaSetController(h.deps);
    await h.start();
    // The cached pod is stale: the adoption patch answers 409 once.
    h.client.failOn('patch', 'pods', fakeApiError(409, 'Conflict', 'Operation cannot be fulfilled on pods "stray": the object has been modified'), { times: 1 });
    await assert.rejects(c.reconcile('default/web'), (e: Error) => /modified/.test(e.message));
    assert.equal((await pods(h)).length, 1, 'no replacement pod while the orphan is live but unclaimed');
    await c.reconcile('default/web');
    const all = await pods(h);
    assert.deepEqual(all.map((p) => p.metadata?.uid), [orphan.metadata?.uid], 'the orphan is adopted and no pod is created');
    assert.equal(all[0].metadata?.ownerReferences?.[0]?.uid, rs.metadata?.uid);
  } finally {
    h.stop();
  }
});
