import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1';
import type { Deployment } from 'kubernetes-types/apps/v1';
import { FakeClient } from './fake-client.ts';
import { Deployments, Nodes, Pods } from '../client/resources.ts';
import { ApiError, isAlreadyExists, isConflict, isNotFound, type WatchEvent } from '../client/types.ts';

const pod = (name: string, labels: Record<string, string> = {}, nodeName?: string): Pod => ({
  metadata: { name, namespace: 'ns', labels },
  spec: { containers: [{ name: 'c', image: 'busybox' }], nodeName },
});

test('create sets server fields, bumps resourceVersion, and rejects duplicates', async () => {
  const c = new FakeClient({ now: () => Date.UTC(2026, 0, 2, 3, 4, 5, 678), namespaces: ['ns'] });
  await c.whenReady();
  const start = Number(c.currentResourceVersion());
  const a = await c.create(Pods, pod('a'));
  assert.equal(a.metadata?.resourceVersion, String(start + 1), 'the next global revision');
  assert.equal(a.metadata?.creationTimestamp, '2026-01-02T03:04:05Z');
  assert.match(a.metadata?.uid ?? '', /^[0-9a-f-]{36}$/);
  assert.equal(a.kind, 'Pod');
  const b = await c.create(Pods, { metadata: { generateName: 'web-' }, spec: pod('x').spec } as Pod, 'ns');
  assert.match(b.metadata?.name ?? '', /^web-[a-z0-9]{5}$/);
  assert.equal(b.metadata?.resourceVersion, String(start + 2));
  await assert.rejects(c.create(Pods, { metadata: { name: 'bad' }, spec: { containers: [] } } as Pod, 'ns'), (e: unknown) => e instanceof ApiError && e.code === 422, 'the server\'s validation applies');
  await assert.rejects(c.create(Pods, { ...pod('z'), metadata: { name: 'z' } }, 'missing'), isNotFound, 'the namespace must exist');
  await assert.rejects(c.create(Pods, pod('a')), isAlreadyExists);
});

test('update is compare-and-swap on resourceVersion; get/delete 404 on missing', async () => {
  const c = new FakeClient({ namespaces: ['ns', 'other'] });
  const d = await c.create<Deployment>(Deployments, {
    metadata: { name: 'd', namespace: 'ns' },
    spec: { replicas: 1, selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  });
  const d2 = await c.update<Deployment>(Deployments, { ...d, spec: { ...d.spec!, replicas: 3 } });
  assert.equal(d2.metadata?.generation, 2, 'spec change bumps generation');
  await assert.rejects(c.update(Deployments, d), isConflict, 'stale resourceVersion');
  await assert.rejects(c.get(Pods, 'nope', 'ns'), isNotFound);
  await assert.rejects(c.delete(Pods, 'nope', 'ns'), isNotFound);
  assert.equal(await c.tryGet(Pods, 'nope', 'ns'), undefined);
});

test('status subresource: main update keeps status, updateStatus keeps spec', async () => {
  const c = new FakeClient({ namespaces: ['ns', 'other'] });
  const p = await c.create(Pods, pod('a'));
  assert.equal(p.status?.phase, 'Pending', 'create resets status, as the server does');
  await c.update(Pods, { ...p, status: { phase: 'Running' } });
  assert.deepEqual((await c.get<Pod>(Pods, 'a', 'ns')).status, p.status);
  const cur = await c.get<Pod>(Pods, 'a', 'ns');
  await c.updateStatus(Pods, { ...cur, spec: { containers: [] }, status: { phase: 'Running' } });
  const after = await c.get<Pod>(Pods, 'a', 'ns');
  assert.equal(after.status?.phase, 'Running');
  assert.equal(after.spec?.containers.length, 1);
  await c.patch(Pods, 'a', 'merge', { status: { phase: 'Succeeded' } }, 'ns', 'status');
  assert.equal((await c.get<Pod>(Pods, 'a', 'ns')).status?.phase, 'Succeeded');
});

test('patch types: merge deletes with null, strategic merges lists by key, json patch ops', async () => {
  const c = new FakeClient({ namespaces: ['ns', 'other'] });
  await c.create<Node>(Nodes, { metadata: { name: 'n', labels: { a: '1', b: '2' } }, status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'DiskPressure', status: 'False' }] } });
  const m = await c.patch<Node>(Nodes, 'n', 'merge', { metadata: { labels: { a: null, c: '3' } } });
  assert.deepEqual(m.metadata?.labels, { b: '2', c: '3' });
  const s = await c.patch<Node>(Nodes, 'n', 'strategic', { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, undefined, 'status');
  assert.deepEqual(s.status?.conditions?.map((x) => `${x.type}=${x.status}`), ['Ready=True', 'DiskPressure=False']);
  const j = await c.patch<Node>(Nodes, 'n', 'json', [{ op: 'add', path: '/spec', value: { unschedulable: true } }]);
  assert.equal(j.spec?.unschedulable, true);
});

test('list filters by namespace, labels and fields', async () => {
  const c = new FakeClient({ namespaces: ['ns', 'other'] });
  await c.create(Pods, pod('a', { app: 'web' }, 'n1'));
  await c.create(Pods, pod('b', { app: 'db' }, 'n2'));
  await c.create(Pods, { ...pod('c', { app: 'web' }), metadata: { name: 'c', namespace: 'other', labels: { app: 'web' } } });
  const names = async (o: Parameters<FakeClient['list']>[1]) => (await c.list(Pods, o)).items.map((p) => p.metadata?.name);
  assert.deepEqual(await names({ namespace: 'ns' }), ['a', 'b']);
  assert.deepEqual(await names({ labelSelector: 'app=web' }), ['a', 'c']);
  assert.deepEqual(await names({ labelSelector: 'app in (db,cache)' }), ['b']);
  assert.deepEqual(await names({ fieldSelector: 'spec.nodeName=n1' }), ['a']);
  assert.deepEqual(await names({ fieldSelector: 'spec.nodeName!=n1,metadata.namespace=ns' }), ['b']);
  assert.deepEqual(await names({ fieldSelector: 'spec.nodeName=' }), ['c']);
  const page = await c.list(Pods, { limit: 2 });
  assert.equal(page.items.length, 2);
  const rest = await c.list(Pods, { limit: 2, continue: page.metadata.continue });
  assert.deepEqual(rest.items.map((p) => p.metadata?.name), ['c'], 'second page, in key order');
  assert.equal(rest.metadata.continue, undefined);
});

test('binding sets nodeName and PodScheduled, and conflicts when already bound', async () => {
  const c = new FakeClient({ namespaces: ['ns', 'other'] });
  await c.create(Pods, pod('a'));
  const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'a', namespace: 'ns' }, target: { apiVersion: 'v1', kind: 'Node', name: 'n1' } };
  await c.createSubresource(Pods, 'a', 'binding', binding, 'ns');
  const p = await c.get<Pod>(Pods, 'a', 'ns');
  assert.equal(p.spec?.nodeName, 'n1');
  assert.equal(p.status?.conditions?.find((x) => x.type === 'PodScheduled')?.status, 'True');
  await assert.rejects(c.createSubresource(Pods, 'a', 'binding', binding, 'ns'), isConflict);
  assert.deepEqual(c.actions.filter((a) => a.subresource === 'binding').map((a) => a.verb), ['create', 'create']);
});

test('bound pods are deleted gracefully; finalizers hold deletion', async () => {
  const c = new FakeClient({ namespaces: ['ns', 'other'] });
  await c.create(Pods, pod('a', {}, 'n1'));
  await c.delete(Pods, 'a', 'ns');
  const p = await c.get<Pod>(Pods, 'a', 'ns');
  assert.ok(p.metadata?.deletionTimestamp);
  assert.equal(p.metadata?.deletionGracePeriodSeconds, 30);
  await c.delete(Pods, 'a', 'ns', { gracePeriodSeconds: 0 });
  assert.equal(await c.tryGet(Pods, 'a', 'ns'), undefined);

  const n = await c.create<Node>(Nodes, { metadata: { name: 'n', finalizers: ['x'] } });
  await c.delete(Nodes, 'n');
  const held = await c.get<Node>(Nodes, 'n');
  assert.ok(held.metadata?.deletionTimestamp);
  await c.update(Nodes, { ...held, metadata: { ...held.metadata, finalizers: [] } });
  assert.equal(await c.tryGet(Nodes, 'n'), undefined, 'removing the last finalizer deletes');
  assert.ok(n.metadata?.uid);
});

test('watch replays from a resourceVersion, filters, and answers 410 after compaction', async () => {
  const c = new FakeClient({ namespaces: ['ns', 'other'] });
  await c.create(Pods, pod('a', { app: 'web' }));
  await c.create(Pods, pod('b', { app: 'db' }));
  await c.patch(Pods, 'b', 'merge', { metadata: { labels: { app: 'web' } } }, 'ns');
  const w2 = await c.watch(Pods, { resourceVersion: '1', labelSelector: 'app=db' });
  const it = w2[Symbol.asyncIterator]();
  const first = (await it.next()).value as WatchEvent<Pod>;
  const second = (await it.next()).value as WatchEvent<Pod>;
  assert.deepEqual([first.type, (first.object as Pod).metadata?.name], ['ADDED', 'b']);
  assert.deepEqual([second.type, (second.object as Pod).metadata?.name], ['DELETED', 'b'], 'leaving the selection is a DELETED');
  w2.stop();
  assert.equal((await it.next()).done, true, 'stop ends the stream');

  const all = await c.watch(Pods, {});
  const it3 = all[Symbol.asyncIterator]();
  assert.equal(((await it3.next()).value as WatchEvent<Pod>).type, 'ADDED', 'no resourceVersion: synthetic adds');
  all.stop();

  c.compact();
  const old = await c.watch(Pods, { resourceVersion: '1' });
  const evs: WatchEvent[] = [];
  for await (const ev of old) evs.push(ev);
  assert.equal(evs.length, 1);
  assert.equal(evs[0].type, 'ERROR');
  assert.equal((evs[0].object as { code?: number }).code, 410);
});

test('failOn injects errors for matching calls only, the given number of times', async () => {
  const c = new FakeClient({ namespaces: ['ns', 'other'] });
  await c.create(Pods, pod('a'));
  c.failOn('create', 'pods', new Error('boom'), { subresource: 'binding', times: 1 });
  await assert.rejects(c.createSubresource(Pods, 'a', 'binding', { target: { name: 'n' } } as never, 'ns'), /boom/);
  await c.createSubresource(Pods, 'a', 'binding', { target: { name: 'n' } } as never, 'ns');
  assert.equal((await c.get<Pod>(Pods, 'a', 'ns')).spec?.nodeName, 'n');
});

test('generateName: a colliding generated name is drawn again, as the API server does', async () => {
  const c = new FakeClient({ namespaces: ['ns', 'other'] });
  const random = Math.random;
  let draws = 0;
  // The first two names (5 draws each) are identical ('web-bbbbb'); later draws are random.
  Math.random = () => (draws++ < 10 ? 0 : random());
  try {
    const a = await c.create<Pod>(Pods, { metadata: { generateName: 'web-' }, spec: pod('x').spec }, 'default');
    const b = await c.create<Pod>(Pods, { metadata: { generateName: 'web-' }, spec: pod('x').spec }, 'default');
    assert.equal(a.metadata?.name, 'web-bbbbb');
    assert.match(b.metadata?.name ?? '', /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.notEqual(b.metadata?.name, a.metadata?.name);
  } finally {
    Math.random = random;
  }
});

test('the server\'s rules apply: an update that breaks validation is 422 and writes nothing; a stale patch precondition is 409', async () => {
  const c = new FakeClient({ namespaces: ['ns'] });
  const p = await c.create(Pods, pod('a'));
  const rv = c.currentResourceVersion();
  await assert.rejects(c.patch(Pods, 'a', 'json', [{ op: 'replace', path: '/spec/containers/0/image', value: '' }], 'ns'), (e: unknown) => e instanceof ApiError && e.code === 422 && e.reason === 'Invalid');
  await assert.rejects(c.patch(Pods, 'a', 'merge', { metadata: { resourceVersion: '1' } }, 'ns'), isConflict);
  assert.equal(c.currentResourceVersion(), rv, 'nothing written');
  assert.equal((await c.get<Pod>(Pods, 'a', 'ns')).metadata?.resourceVersion, p.metadata?.resourceVersion);
  await assert.rejects(c.list(Pods, { labelSelector: 'a in (' }), (e: unknown) => e instanceof ApiError && e.code === 400);
});
