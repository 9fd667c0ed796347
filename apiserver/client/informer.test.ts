import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1';
import { FakeClient, fakeApiError } from '../testing/fake-client.ts';
import { createInformer, createInformerFactory, objectKey } from './informer.ts';
import { Nodes, Pods } from './resources.ts';
import { quietLogger } from '../../testutil/log.ts';
import { waitFor } from '../../testutil/wait.ts';

const log = quietLogger('test');

const pod = (name: string, node = '', labels: Record<string, string> = {}): Pod => ({
  metadata: { name, namespace: 'ns', labels },
  spec: { containers: [{ name: 'c', image: 'busybox' }], nodeName: node || undefined },
});

/** Polls `cond` until true (2 s max). */
/** Polls through the shared testutil waitFor (a throwing check counts as not yet). */
const until = (cond: () => boolean, what: string): Promise<boolean> => waitFor(() => cond(), 2000, what, 2);

function recorder() {
  const seen: string[] = [];
  return {
    seen,
    handlers: {
      onAdd: (p: Pod) => seen.push(`add ${p.metadata?.name}`),
      onUpdate: (_o: Pod, n: Pod) => seen.push(`update ${n.metadata?.name}`),
      onDelete: (p: Pod) => seen.push(`delete ${p.metadata?.name}`),
    },
  };
}

test('objectKey is ns/name for namespaced and name for cluster objects', () => {
  assert.equal(objectKey({ metadata: { name: 'p', namespace: 'n' } }), 'n/p');
  assert.equal(objectKey({ metadata: { name: 'node1' } }), 'node1');
});

test('informer lists, then follows adds, updates and deletes', async () => {
  const c = new FakeClient({ namespaces: ['ns', 'n', 'x'] });
  await c.create(Pods, pod('a'));
  const inf = createInformer<Pod>(c, Pods, {}, log);
  const r = recorder();
  inf.addHandlers(r.handlers);
  const ac = new AbortController();
  inf.start(ac.signal);
  await inf.synced();
  assert.ok(inf.hasSynced());
  assert.deepEqual(r.seen, ['add a']);
  await until(() => c.openWatchCount() === 1, 'watch');
  await c.create(Pods, pod('b'));
  await c.patch(Pods, 'b', 'merge', { metadata: { labels: { x: 'y' } } }, 'ns');
  await c.delete(Pods, 'a', 'ns');
  await until(() => r.seen.length === 4, 'events');
  assert.deepEqual(r.seen, ['add a', 'add b', 'update b', 'delete a']);
  assert.equal(inf.get('ns/b')?.metadata?.labels?.x, 'y');
  assert.equal(inf.get('ns/a'), undefined);
  assert.equal(inf.lastResourceVersion(), c.currentResourceVersion());
  ac.abort();
  await until(() => c.openWatchCount() === 0, 'watch stopped on abort');
});

test('a closed watch is resumed from the last resourceVersion without relisting', async () => {
  const c = new FakeClient({ namespaces: ['ns', 'n', 'x'] });
  const inf = createInformer<Pod>(c, Pods, {}, log);
  const r = recorder();
  inf.addHandlers(r.handlers);
  const ac = new AbortController();
  inf.start(ac.signal);
  await inf.synced();
  const a = await c.create(Pods, pod('a'));
  await until(() => r.seen.length === 1, 'add a');
  c.closeWatches();
  await c.create(Pods, pod('b'));
  await until(() => r.seen.length === 2, 'add b after rewatch');
  assert.equal(c.actions.filter((a) => a.verb === 'list').length, 1, 'no relist');
  const rewatch = c.actions.filter((a) => a.verb === 'watch')[1];
  assert.equal((rewatch.body as { resourceVersion?: string }).resourceVersion, a.metadata?.resourceVersion);
  ac.abort();
});

test('bookmarks advance the resourceVersion', async () => {
  const c = new FakeClient({ namespaces: ['ns', 'n', 'x'] });
  await c.create(Nodes, { metadata: { name: 'n1' } });
  const inf = createInformer(c, Pods, {}, log);
  const ac = new AbortController();
  inf.start(ac.signal);
  await inf.synced();
  await until(() => c.openWatchCount() === 1, 'watch');
  const n2 = await c.create<Node>(Nodes, { metadata: { name: 'n2' } });
  c.sendBookmarks();
  await until(() => inf.lastResourceVersion() === n2.metadata?.resourceVersion, 'bookmark rv');
  ac.abort();
});

test('on 410 the informer relists and emits deletes for vanished objects and adds for new ones', async () => {
  const c = new FakeClient({ namespaces: ['ns', 'n', 'x'] });
  await c.create(Pods, pod('a'));
  await c.create(Pods, pod('b'));
  const inf = createInformer<Pod>(c, Pods, {}, log);
  const r = recorder();
  inf.addHandlers(r.handlers);
  const ac = new AbortController();
  inf.start(ac.signal);
  await inf.synced();
  await until(() => c.openWatchCount() === 1, 'watch');
  c.pauseWatches();
  await c.delete(Pods, 'a', 'ns');
  await c.create(Pods, pod('c'));
  await c.patch(Pods, 'b', 'merge', { metadata: { labels: { v: '2' } } }, 'ns');
  c.compact();
  c.closeWatches();
  await until(() => r.seen.length === 5, 'relist diff');
  assert.deepEqual(r.seen.slice(2).sort(), ['add c', 'delete a', 'update b']);
  assert.deepEqual(inf.list().map(objectKey).sort(), ['ns/b', 'ns/c']);
  assert.equal(c.actions.filter((a) => a.verb === 'list').length, 2);
  ac.abort();
});

test('an ApiError 410 when opening the watch also relists; transport errors are retried', async () => {
  const c = new FakeClient({ namespaces: ['ns', 'n', 'x'] });
  await c.create(Pods, pod('a'));
  c.failOn('watch', 'pods', fakeApiError(410, 'Expired', 'gone'));
  c.failOn('watch', 'pods', new Error('connection refused'));
  const inf = createInformer<Pod>(c, Pods, { minBackoffMs: 1, maxBackoffMs: 5 }, log);
  const ac = new AbortController();
  inf.start(ac.signal);
  await inf.synced();
  await until(() => c.openWatchCount() === 1, 'watch after errors');
  assert.equal(c.actions.filter((a) => a.verb === 'list').length, 2, 'relisted after 410');
  assert.equal(c.actions.filter((a) => a.verb === 'watch').length, 3);
  ac.abort();
});

test('indexes follow adds, updates and deletes', async () => {
  const c = new FakeClient({ namespaces: ['ns', 'n', 'x'] });
  await c.create(Pods, pod('a', 'n1'));
  await c.create(Pods, pod('b', 'n1'));
  const inf = createInformer<Pod>(c, Pods, {}, log);
  inf.addIndex('node', (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []));
  const ac = new AbortController();
  inf.start(ac.signal);
  await inf.synced();
  const names = (n: string): string[] => inf.byIndex('node', n).map((p) => p.metadata?.name ?? '').sort();
  assert.deepEqual(names('n1'), ['a', 'b']);
  await until(() => c.openWatchCount() === 1, 'watch');
  await c.delete(Pods, 'a', 'ns', { gracePeriodSeconds: 0 });
  await c.create(Pods, pod('c', 'n2'));
  await until(() => inf.list().length === 2, 'events');
  assert.deepEqual(names('n1'), ['b']);
  assert.deepEqual(names('n2'), ['c']);
  ac.abort();
});

test('field-selected informer sees objects leave the selection as deletes', async () => {
  const c = new FakeClient({ namespaces: ['ns', 'n', 'x'] });
  await c.create(Pods, pod('a'));
  const inf = createInformer<Pod>(c, Pods, { fieldSelector: 'spec.nodeName=' }, log);
  const r = recorder();
  inf.addHandlers(r.handlers);
  const ac = new AbortController();
  inf.start(ac.signal);
  await inf.synced();
  await until(() => c.openWatchCount() === 1, 'watch');
  await c.createSubresource(Pods, 'a', 'binding', { target: { name: 'n1' } } as never, 'ns');
  await until(() => r.seen.length === 2, 'delete');
  assert.deepEqual(r.seen, ['add a', 'delete a']);
  ac.abort();
});

test('factory hands out one informer per resource and options', async () => {
  const c = new FakeClient({ namespaces: ['ns', 'n', 'x'] });
  const f = createInformerFactory(c, log);
  const a = f.for(Pods);
  assert.equal(f.for(Pods), a);
  assert.notEqual(f.for(Pods, { namespace: 'x' }), a);
  const ac = new AbortController();
  f.start(ac.signal);
  const late = f.for(Nodes);
  await f.synced();
  assert.ok(late.hasSynced(), 'informers created after start are started');
  ac.abort();
});
