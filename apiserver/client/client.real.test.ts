/**
 * The client library against the real API server and etcd: CRUD, the three
 * patch types, status and binding subresources, watch, and an informer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Binding, Node, Pod } from 'kubernetes-types/core/v1';
import { createInformer } from './informer.ts';
import { Nodes, Pods } from './resources.ts';
import { isAlreadyExists, isConflict, isNotFound, type WatchEvent } from './types.ts';
import { quietLogger, startApiServerOrSkip } from '../../testutil/real-api.ts';


const log = quietLogger('test');

// Short watch timeouts, and one API server per test file: with two servers in
// one process an etcd watcher left open at shutdown sometimes kept etcd3's
// reconnect timer (and so the process) alive.

test('RestClient and informer against the real API server', async (t) => {
  const api = await startApiServerOrSkip(t);
  if (!api) return;
  const c = api.client;
  const ac = new AbortController();
  try {
    const pod: Pod = { metadata: { name: 'p1', namespace: 'default', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
    const created = await c.create(Pods, pod);
    assert.equal(created.kind, 'Pod');
    assert.ok(created.metadata?.uid);
    await assert.rejects(c.create(Pods, pod), isAlreadyExists);
    await assert.rejects(c.get(Pods, 'nope', 'default'), isNotFound);
    assert.equal(await c.tryGet(Pods, 'nope', 'default'), undefined);

    const inf = createInformer<Pod>(c, Pods, { namespace: 'default', watchTimeoutSeconds: 4 }, log);
    const seen: string[] = [];
    inf.addHandlers({ onAdd: (p) => seen.push(`add ${p.metadata?.name}`), onDelete: (p) => seen.push(`delete ${p.metadata?.name}`) });
    inf.start(ac.signal);
    await inf.synced();
    assert.deepEqual(seen, ['add p1']);

    const w = await c.watch<Pod>(Pods, { namespace: 'default', resourceVersion: created.metadata?.resourceVersion, allowWatchBookmarks: true, timeoutSeconds: 4 });
    const events: WatchEvent<Pod>[] = [];
    const collecting = (async () => { for await (const ev of w) { if (ev.type !== 'BOOKMARK') events.push(ev); } })();

    const merged = await c.patch<Pod>(Pods, 'p1', 'merge', { metadata: { labels: { tier: 'fe' } } }, 'default');
    assert.deepEqual(merged.metadata?.labels, { app: 'web', tier: 'fe' });
    const jsonp = await c.patch<Pod>(Pods, 'p1', 'json', [{ op: 'add', path: '/metadata/annotations', value: { a: 'b' } }], 'default');
    assert.deepEqual(jsonp.metadata?.annotations, { a: 'b' });
    const smp = await c.patch<Pod>(Pods, 'p1', 'strategic', { metadata: { labels: { app: 'api' } } }, 'default');
    assert.equal(smp.metadata?.labels?.app, 'api');
    await assert.rejects(c.update(Pods, created), isConflict, 'stale resourceVersion');

    const binding: Binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p1', namespace: 'default' }, target: { apiVersion: 'v1', kind: 'Node', name: 'n1' } };
    await c.createSubresource(Pods, 'p1', 'binding', binding, 'default');
    assert.equal((await c.get<Pod>(Pods, 'p1', 'default')).spec?.nodeName, 'n1');
    await c.patch(Pods, 'p1', 'merge', { status: { phase: 'Running' } }, 'default', 'status');
    assert.equal((await c.get<Pod>(Pods, 'p1', 'default')).status?.phase, 'Running');

    const n = await c.create<Node>(Nodes, { metadata: { name: 'n1' } });
    const withStatus = await c.updateStatus<Node>(Nodes, { ...n, status: { allocatable: { cpu: '2' } } });
    assert.equal(withStatus.status?.allocatable?.cpu, '2');
    const list = await c.list<Pod>(Pods, { fieldSelector: 'spec.nodeName=n1', labelSelector: 'app=api' });
    assert.deepEqual(list.items.map((p) => p.metadata?.name), ['p1']);

    await c.delete(Pods, 'p1', 'default', { gracePeriodSeconds: 0 });
    const end = Date.now() + 5000;
    while (!(seen.includes('delete p1') && events.some((e) => e.type === 'DELETED'))) {
      if (Date.now() > end) assert.fail(`no delete seen: informer ${seen.join(',')} watch ${events.map((e) => e.type).join(',')}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.deepEqual(events.slice(0, 3).map((e) => e.type), ['MODIFIED', 'MODIFIED', 'MODIFIED']);
    w.stop();
    await collecting;
  } finally {
    ac.abort();
    await api.stop();
    c.close();
  }
});
