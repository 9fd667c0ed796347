import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1';
import type { OwnerReference } from 'kubernetes-types/meta/v1';
import { Deployments, Pods, ReplicaSets } from '../../apiserver/client/resources.ts';
import { fakeApiError } from '../../apiserver/testing/fake-client.ts';
import { startGarbageCollector } from './controller.ts';
import { harness, waitFor } from '../testing/harness.ts';

const owner = (kind: string, name: string, uid: string, block = true): OwnerReference =>
  ({ apiVersion: 'apps/v1', kind, name, uid, controller: true, blockOwnerDeletion: block });
const pod = (name: string, refs: OwnerReference[]): Pod =>
  ({ metadata: { name, namespace: 'default', ownerReferences: refs.length ? refs : undefined }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
/** A valid pod template matching the `a=b` selectors below. */
const template = { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
const rsObj = (name: string, refs: OwnerReference[] = [], finalizers?: string[]): ReplicaSet =>
  ({ metadata: { name, namespace: 'default', ownerReferences: refs.length ? refs : undefined, finalizers }, spec: { selector: { matchLabels: { a: 'b' } }, template } });

test('GC deletes dependents of vanished owners and drops dangling refs when another owner survives', async () => {
  const h = harness();
  const ac = new AbortController();
  try {
    const web = await h.client.create(ReplicaSets, rsObj('web'));
    const webRef = owner('ReplicaSet', 'web', web.metadata?.uid ?? '');
    const ghostRef = owner('ReplicaSet', 'ghost', 'uid-of-a-deleted-rs', false);
    // An owner that exists by name but is a different instance (recreated) also dangles.
    await h.client.create(ReplicaSets, rsObj('again'));
    await h.client.create(Pods, pod('owned-1', [webRef]));
    await h.client.create(Pods, pod('owned-2', [webRef]));
    await h.client.create(Pods, pod('orphaned', [ghostRef]));
    await h.client.create(Pods, pod('stale-uid', [owner('ReplicaSet', 'again', 'old-uid-of-again')]));
    // At most one reference may be the controller (ValidateOwnerReferences), so the ghost is a plain owner here.
    await h.client.create(Pods, pod('two-owners', [webRef, { ...ghostRef, controller: false }]));
    await h.client.create(Pods, pod('free', []));
    await h.client.create(Pods, { ...pod('unknown-kind', [{ apiVersion: 'example.com/v1', kind: 'Widget', name: 'w', uid: 'w1' }]) });
    startGarbageCollector(h.deps, ac.signal);
    await h.start();

    const names = async (): Promise<string[]> => (await h.client.list<Pod>(Pods, { namespace: 'default' })).items.map((p) => p.metadata?.name ?? '').sort();
    await waitFor('orphans collected', async () => !(await names()).includes('orphaned') && !(await names()).includes('stale-uid'));
    await waitFor('dangling ref removed', async () => (await h.client.get<Pod>(Pods, 'two-owners', 'default')).metadata?.ownerReferences?.length === 1);
    assert.deepEqual(await names(), ['free', 'owned-1', 'owned-2', 'two-owners', 'unknown-kind']);
    assert.equal((await h.client.get<Pod>(Pods, 'two-owners', 'default')).metadata?.ownerReferences?.[0]?.uid, web.metadata?.uid);
    const del = h.client.actions.find((a) => a.verb === 'delete' && a.name === 'orphaned');
    assert.deepEqual((del?.body as { propagationPolicy?: string }).propagationPolicy, 'Background');

    // Owner deleted (background): its dependents follow.
    await h.client.delete(ReplicaSets, 'web', 'default', { propagationPolicy: 'Background' });
    await waitFor('dependents of web collected', async () => JSON.stringify(await names()) === JSON.stringify(['free', 'unknown-kind']));
  } finally {
    ac.abort();
    h.stop();
  }
});

test('GC foreground deletion: dependents (and theirs) go first, then the owner loses its finalizer', async () => {
  const h = harness();
  const ac = new AbortController();
  try {
    const d = await h.client.create<Deployment>(Deployments, {
      metadata: { name: 'web', namespace: 'default', finalizers: ['foregroundDeletion'] },
      spec: { selector: { matchLabels: { a: 'b' } }, template },
    });
    const rs = await h.client.create(ReplicaSets, rsObj('web-1', [owner('Deployment', 'web', d.metadata?.uid ?? '')]));
    await h.client.create(Pods, pod('web-1-a', [owner('ReplicaSet', 'web-1', rs.metadata?.uid ?? '')]));
    startGarbageCollector(h.deps, ac.signal, { waitRequeueMs: 20 });
    await h.start();
    await h.client.delete(Deployments, 'web', 'default', { propagationPolicy: 'Foreground' });
    await waitFor('deployment gone', async () => (await h.client.tryGet(Deployments, 'web', 'default')) === undefined);
    assert.equal(await h.client.tryGet(ReplicaSets, 'web-1', 'default'), undefined);
    // The fake API deletes the RS at once (it ignores propagationPolicy), so its pod goes just after.
    await waitFor('pod gone', async () => (await h.client.tryGet(Pods, 'web-1-a', 'default')) === undefined);
    const rsDelete = h.client.actions.find((a) => a.verb === 'delete' && a.resource === 'replicasets');
    assert.equal((rsDelete?.body as { propagationPolicy?: string }).propagationPolicy, 'Foreground', 'an RS with pods is deleted in the foreground too');
  } finally {
    ac.abort();
    h.stop();
  }
});

test('GC orphan deletion: dependents lose the reference and stay', async () => {
  const h = harness();
  const ac = new AbortController();
  try {
    const rs = await h.client.create(ReplicaSets, rsObj('web', [], ['orphan']));
    await h.client.create(Pods, pod('p1', [owner('ReplicaSet', 'web', rs.metadata?.uid ?? '')]));
    startGarbageCollector(h.deps, ac.signal);
    await h.start();
    await h.client.delete(ReplicaSets, 'web', 'default', { propagationPolicy: 'Orphan' });
    await waitFor('rs gone', async () => (await h.client.tryGet(ReplicaSets, 'web', 'default')) === undefined);
    const p1 = await h.client.get<Pod>(Pods, 'p1', 'default');
    assert.equal(p1.metadata?.ownerReferences, undefined);
    assert.equal(h.client.actions.some((a) => a.verb === 'delete' && a.resource === 'pods'), false, 'no pod deleted');
  } finally {
    ac.abort();
    h.stop();
  }
});

test('GC keeps a dependent whose owner kind is not served (path-level 404), deletes on an object 404', async () => {
  const h = harness();
  const ac = new AbortController();
  try {
    h.client.failOn('get', 'leases', fakeApiError(404, 'NotFound', 'the server could not find the requested resource'), { times: 100 });
    await h.client.create(Pods, pod('lease-owned', [{ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', name: 'l', uid: 'l1' }]));
    await h.client.create(Pods, pod('node-owned', [{ apiVersion: 'v1', kind: 'Node', name: 'gone-node', uid: 'n1' }]));
    startGarbageCollector(h.deps, ac.signal);
    await h.start();
    await waitFor('node-owned collected', async () => (await h.client.tryGet(Pods, 'node-owned', 'default')) === undefined);
    await waitFor('lease owner looked up', async () => h.client.actions.some((a) => a.verb === 'get' && a.resource === 'leases'));
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(await h.client.tryGet(Pods, 'lease-owned', 'default'), 'kept');
  } finally {
    ac.abort();
    h.stop();
  }
});
