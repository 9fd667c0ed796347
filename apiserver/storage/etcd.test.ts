import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import { startEtcd, type TestEtcd } from '../../testutil/etcd.ts';
import { EtcdStorage, StorageError, objectKey, prefixEnd, resourcePrefix, type StorageEvent } from './etcd.ts';
import { quietLogger } from '../../testutil/log.ts';

let etcd: TestEtcd;
let client: Etcd3;
let s: EtcdStorage;

before(async () => {
  etcd = await startEtcd();
  client = new Etcd3({ hosts: etcd.endpoint });
  s = new EtcdStorage(client);
});
after(async () => {
  client.close();
  await etcd.stop();
});

const isKind = (kind: string) => (e: unknown): boolean => e instanceof StorageError && e.kind === kind;

test('keys and prefix end', () => {
  assert.equal(objectKey('pods', 'default', 'web'), '/registry/pods/default/web');
  assert.equal(objectKey('nodes', undefined, 'n1'), '/registry/nodes/n1');
  assert.equal(resourcePrefix('pods', 'ns'), '/registry/pods/ns/');
  assert.equal(prefixEnd('/registry/pods/').toString(), '/registry/pods0');
});

test('create, get, CAS update and delete', async () => {
  const key = objectKey('things', 'default', 'a');
  const created = await s.create(key, { kind: 'Thing', metadata: { name: 'a' } });
  const rv = created.metadata?.resourceVersion;
  assert.ok(rv && /^\d+$/.test(rv));
  await assert.rejects(s.create(key, { metadata: { name: 'a' } }), isKind('AlreadyExists'));
  assert.deepEqual(await s.get(key), created);
  const updated = await s.update(key, { kind: 'Thing', metadata: { name: 'a', labels: { x: 'y' } } }, rv);
  assert.ok(Number(updated.metadata?.resourceVersion) > Number(rv));
  await assert.rejects(s.update(key, { metadata: { name: 'a' } }, rv), isKind('Conflict'));
  await assert.rejects(s.delete(key, rv), isKind('Conflict'));
  const delRev = await s.delete(key, updated.metadata!.resourceVersion!);
  assert.ok(Number(delRev) > Number(updated.metadata?.resourceVersion));
  assert.equal(await s.get(key), undefined);
  await assert.rejects(s.update(key, { metadata: { name: 'a' } }, rv), isKind('NotFound'));
});

test('list pages at one revision', async () => {
  for (const n of ['p1', 'p2', 'p3', 'p4', 'p5']) await s.create(objectKey('pages', 'ns', n), { metadata: { name: n } });
  const first = await s.list(resourcePrefix('pages'), { limit: 2 });
  assert.deepEqual(first.items.map((o) => o.metadata?.name), ['p1', 'p2']);
  assert.ok(first.nextKey);
  await s.create(objectKey('pages', 'ns', 'p3a'), { metadata: { name: 'p3a' } });
  const second = await s.list(resourcePrefix('pages'), { limit: 2, startKey: first.nextKey, revision: first.revision });
  assert.deepEqual(second.items.map((o) => o.metadata?.name), ['p3', 'p4']);
  const third = await s.list(resourcePrefix('pages'), { limit: 2, startKey: second.nextKey, revision: first.revision });
  assert.deepEqual(third.items.map((o) => o.metadata?.name), ['p5']);
  assert.equal(third.nextKey, undefined);
});

test('watch from a revision sees every later change once, in order; compacted start rejects', async () => {
  const key = (n: string) => objectKey('w', 'ns', n);
  const a = await s.create(key('a'), { metadata: { name: 'a' } });
  const start = Number(a.metadata!.resourceVersion) + 1;
  const b = await s.create(key('b'), { metadata: { name: 'b' } });
  const a2 = await s.update(key('a'), { metadata: { name: 'a', labels: { v: '2' } } }, a.metadata!.resourceVersion!);
  const del = await s.delete(key('b'), b.metadata!.resourceVersion!);
  const seen: StorageEvent[] = [];
  let done!: () => void;
  const got = new Promise<void>((r) => { done = r; });
  const w = await s.watch(resourcePrefix('w'), String(start), (ev) => {
    seen.push(ev);
    if (seen.length === 4) done();
  }, () => undefined);
  await s.create(key('c'), { metadata: { name: 'c' } });
  await got;
  await w.stop();
  assert.deepEqual(seen.map((e) => [e.type, e.obj.metadata?.name, String(e.rev)]), [
    ['put', 'b', b.metadata!.resourceVersion],
    ['put', 'a', a2.metadata!.resourceVersion],
    ['delete', 'b', del],
    ['put', 'c', seen[3].obj.metadata?.resourceVersion],
  ]);
  assert.equal(seen[2].obj.metadata?.resourceVersion, del);
  assert.equal(seen[0].prev, undefined);
  assert.equal(seen[1].prev?.metadata?.resourceVersion, a.metadata!.resourceVersion);

  await s.compact(del);
  await assert.rejects(s.watch(resourcePrefix('w'), String(start), () => undefined, () => undefined), isKind('Compacted'));
  await assert.rejects(s.list(resourcePrefix('w'), { revision: String(start) }), isKind('Compacted'));
});

test('reserve, reserved, release', async () => {
  assert.equal(await s.reserve('serviceips/10.96.0.10', 'default/x'), true);
  assert.equal(await s.reserve('serviceips/10.96.0.10', 'default/y'), false);
  assert.deepEqual(await s.reserved('serviceips/'), ['serviceips/10.96.0.10']);
  await s.release('serviceips/10.96.0.10');
  await s.release('serviceips/10.96.0.10');
  assert.deepEqual(await s.reserved('serviceips/'), []);
});

test('compactor compacts to the revision of the previous tick', async () => {
  const { startCompactor } = await import('./compactor.ts');
  const { createLogger } = await import('../api/log.ts');
  const c = startCompactor(s, { intervalMs: 3600000, log: quietLogger('test') });
  try {
    const a = await s.create(objectKey('compact', 'ns', 'a'), { metadata: { name: 'a' } });
    assert.equal(await c.tick(), undefined, 'first tick only records the revision');
    const b = await s.create(objectKey('compact', 'ns', 'b'), { metadata: { name: 'b' } });
    const rev = await c.tick();
    assert.ok(rev && Number(rev) >= Number(a.metadata!.resourceVersion) && Number(rev) < Number(b.metadata!.resourceVersion));
    await assert.rejects(s.list(resourcePrefix('compact'), { revision: String(Number(rev) - 1) }), isKind('Compacted'));
    const ok = await s.list(resourcePrefix('compact'), { revision: rev });
    assert.equal(ok.items.length, 1);
  } finally {
    c.stop();
  }
});

test('ttlSeconds: the key expires through its lease (seen as a watch delete)', async () => {
  const key = objectKey('events', 'ns', 'e1');
  const created = await s.create(key, { metadata: { name: 'e1' } }, { ttlSeconds: 2 });
  const other = await s.create(objectKey('events', 'ns', 'e2'), { metadata: { name: 'e2' } }, { ttlSeconds: 2 });
  const t0 = Date.now();
  let w: Awaited<ReturnType<typeof s.watch>> | undefined;
  const gone = new Promise<StorageEvent>((resolve) => {
    void s.watch(resourcePrefix('events', 'ns'), String(Number(created.metadata!.resourceVersion) + 1), (ev) => {
      if (ev.type === 'delete' && ev.key === key) resolve(ev);
    }, () => undefined).then((x) => { w = x; });
  });
  const ev = await Promise.race([gone, new Promise<undefined>((r) => setTimeout(() => r(undefined), 10000))]);
  await w?.stop();
  assert.ok(ev, 'expired within 10 s');
  assert.ok(Date.now() - t0 >= 1500, 'not before its TTL');
  assert.equal(await s.get(key), undefined);
  assert.equal(await s.get(objectKey('events', 'ns', 'e2')), undefined, 'a reused lease expires too');
  assert.ok(other.metadata?.resourceVersion);
});
