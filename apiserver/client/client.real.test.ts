/**
 * The client library against the real API server and etcd: CRUD, the three
 * patch types, status and binding subresources, watch, and an informer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { Binding, Node, Pod } from 'kubernetes-types/core/v1';
import { Etcd3 } from 'etcd3';
import { createInformer } from './informer.ts';
import { createLogger } from './log.ts';
import { Nodes, Pods } from './resources.ts';
import { RestClient } from './rest.ts';
import { isAlreadyExists, isConflict, isNotFound, type KubeList, type KubeObject, type ListOptions, type WatchEvent, type WatchOptions, type WatchStream } from './types.ts';
import type { ResourceRef } from './resources.ts';

/** A RestClient whose watches can be cut off (a network partition) and refused until healed. */
class PartitionableClient extends RestClient {
  private cut = false;
  lists = 0;
  override async list<T extends KubeObject>(ref: ResourceRef, opts?: ListOptions): Promise<KubeList<T>> {
    this.lists++;
    return super.list<T>(ref, opts);
  }
  private readonly open = new Set<WatchStream<KubeObject>>();
  override async watch<T extends KubeObject>(ref: ResourceRef, opts?: WatchOptions): Promise<WatchStream<T>> {
    if (this.cut) throw new Error('connect ECONNREFUSED (test partition)');
    const s = await super.watch<T>(ref, opts);
    this.open.add(s as WatchStream<KubeObject>);
    return s;
  }
  partition(): void {
    this.cut = true;
    for (const s of this.open) s.stop();
    this.open.clear();
  }
  heal(): void {
    this.cut = false;
  }
}

const log = createLogger('test', { write: () => true } as unknown as NodeJS.WritableStream);

test('RestClient and informer against the real API server', async (t) => {
  if (!existsSync('/usr/bin/etcd')) { t.skip('etcd not installed'); return; }
  let mod: typeof import('../../testutil/apiserver.ts');
  try {
    mod = await import('../../testutil/apiserver.ts');
  } catch (e) {
    t.skip(`the API server does not load: ${(e as Error).message.split('\n')[0]}`);
    return;
  }
  const api = await mod.startApiServer();
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

    const inf = createInformer<Pod>(c, Pods, { namespace: 'default' }, log);
    const seen: string[] = [];
    inf.addHandlers({ onAdd: (p) => seen.push(`add ${p.metadata?.name}`), onDelete: (p) => seen.push(`delete ${p.metadata?.name}`) });
    inf.start(ac.signal);
    await inf.synced();
    assert.deepEqual(seen, ['add p1']);

    const w = await c.watch<Pod>(Pods, { namespace: 'default', resourceVersion: created.metadata?.resourceVersion, allowWatchBookmarks: true, timeoutSeconds: 30 });
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

test('informer relists after etcd compaction and emits the missed delete', async (t) => {
  if (!existsSync('/usr/bin/etcd')) { t.skip('etcd not installed'); return; }
  let mod: typeof import('../../testutil/apiserver.ts');
  try {
    mod = await import('../../testutil/apiserver.ts');
  } catch (e) {
    t.skip(`the API server does not load: ${(e as Error).message.split('\n')[0]}`);
    return;
  }
  const api = await mod.startApiServer();
  const c = api.client;
  const pc = new PartitionableClient({ baseUrl: api.url });
  const etcd = new Etcd3({ hosts: api.etcd.endpoint });
  const ac = new AbortController();
  try {
    const mk = (name: string): Pod => ({ metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    await c.create(Pods, mk('keep'));
    await c.create(Pods, mk('gone'));
    const inf = createInformer<Pod>(pc, Pods, { namespace: 'default', minBackoffMs: 20, maxBackoffMs: 50 }, log);
    const seen: string[] = [];
    inf.addHandlers({ onAdd: (p) => seen.push(`add ${p.metadata?.name}`), onDelete: (p) => seen.push(`delete ${p.metadata?.name}`) });
    inf.start(ac.signal);
    await inf.synced();
    assert.deepEqual(seen.sort(), ['add gone', 'add keep']);
    pc.partition();
    await c.delete(Pods, 'gone', 'default', { gracePeriodSeconds: 0 });
    await c.create(Pods, mk('new'));
    for (let i = 0; i < 3; i++) await c.create(Pods, mk(`filler${i}`));
    const header = await etcd.kv.range({ key: Buffer.from('/') });
    await etcd.kv.compact({ revision: header.header.revision, physical: true });
    pc.heal();
    const end = Date.now() + 10_000;
    while (!(seen.includes('delete gone') && seen.includes('add new'))) {
      if (Date.now() > end) assert.fail(`no relist diff: ${seen.join(', ')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.deepEqual(inf.list().map((p) => p.metadata?.name).sort(), ['filler0', 'filler1', 'filler2', 'keep', 'new']);
    assert.equal(pc.lists, 2, 'the missed events came from a relist after 410, not a replayed watch');
  } finally {
    ac.abort();
    etcd.close();
    pc.close();
    await api.stop();
    c.close();
  }
});
