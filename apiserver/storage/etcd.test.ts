import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { Etcd3 } from 'etcd3';
import { startEtcd, type TestEtcd } from '../../testutil/etcd.ts';
import { createEtcdClient } from './etcd-client.ts';
import { EtcdStorage, StorageError, nextPageKeys, objectKey, prefixEnd, resourcePrefix } from './etcd.ts';
import type { KubeObject } from '../api/object.ts';

let etcd: TestEtcd;
let client: Etcd3;

before(async () => {
  etcd = await startEtcd();
  client = createEtcdClient({ hosts: etcd.endpoint });
});
after(async () => {
  client.close();
  await etcd.stop();
});

const isKind = (kind: string) => (e: unknown): boolean => e instanceof StorageError && e.kind === kind;
const cm = (name: string, bytes: number): KubeObject => ({ metadata: { name }, data: { blob: 'x'.repeat(bytes) } }) as KubeObject;

test('keys and prefix end', () => {
  assert.equal(objectKey('pods', 'default', 'web'), '/registry/pods/default/web');
  assert.equal(objectKey('nodes', undefined, 'n1'), '/registry/nodes/n1');
  assert.equal(resourcePrefix('pods', 'ns'), '/registry/pods/ns/');
  assert.equal(prefixEnd('/registry/pods/').toString(), '/registry/pods0');
});

test('list reads in pages pinned to the first page revision, with and without a limit', async () => {
  const s = new EtcdStorage(client, { pageSize: 3, pageBytes: 0 });
  const names = Array.from({ length: 10 }, (_, i) => `k${String(i).padStart(2, '0')}`);
  for (const n of names) await s.create(objectKey('paged', 'ns', n), { metadata: { name: n } });
  const ranges: Array<string | number | undefined> = [];
  const kv = client.kv;
  const range = kv.range.bind(kv);
  kv.range = (req, opts) => {
    ranges.push(req.revision === undefined ? undefined : String(req.revision));
    return range(req, opts);
  };
  try {
    const all = await s.list(resourcePrefix('paged'));
    assert.deepEqual(all.items.map((o) => o.metadata?.name), names);
    assert.equal(all.nextKey, undefined);
    assert.equal(ranges.length, 4, '10 keys in pages of 3');
    assert.deepEqual(ranges.slice(1), [all.revision, all.revision, all.revision], 'later pages read at the first page revision');
    ranges.length = 0;
    const some = await s.list(resourcePrefix('paged'), { limit: 7 });
    assert.deepEqual(some.items.map((o) => o.metadata?.name), names.slice(0, 7));
    assert.ok(some.nextKey);
    assert.equal(ranges.length, 3);
    const rest = await s.list(resourcePrefix('paged'), { startKey: some.nextKey, revision: some.revision });
    assert.deepEqual(rest.items.map((o) => o.metadata?.name), names.slice(7));
  } finally {
    kv.range = range;
  }
});

test('nextPageKeys: later pages hold what fits in pageBytes at the average size so far, between pageSize and 10 000', () => {
  const table: Array<[number, number, number, number, number]> = [
    // pageSize, pageBytes, keys read, bytes read, next page
    [500, 2097152, 500, 760000, 1379],
    [500, 2097152, 500, 500 * 1024 * 1024, 500],
    [500, 2097152, 500, 5000, 10000],
    [500, 0, 500, 5000, 500],
    [500, 2097152, 0, 0, 500],
    [3, 100, 3, 0, 10000],
  ];
  for (const [pageSize, pageBytes, keys, bytes, want] of table) assert.equal(nextPageKeys(pageSize, pageBytes, keys, bytes), want, JSON.stringify({ pageSize, pageBytes, keys, bytes }));
});

test('list pages grow to pageBytes after the first: 10 small keys in a page of 3, then one of the rest', async () => {
  const s = new EtcdStorage(client, { pageSize: 3, pageBytes: 1024 * 1024 });
  const names = Array.from({ length: 10 }, (_, i) => `g${String(i).padStart(2, '0')}`);
  for (const n of names) await s.create(objectKey('grown', 'ns', n), { metadata: { name: n } });
  const limits: number[] = [];
  const kv = client.kv;
  const range = kv.range.bind(kv);
  kv.range = (req, opts) => {
    limits.push(Number(req.limit));
    return range(req, opts);
  };
  try {
    const all = await s.listText(resourcePrefix('grown'));
    assert.deepEqual(all.items.map((t) => (JSON.parse(t.toString()) as KubeObject).metadata?.name), names);
    assert.deepEqual(limits, [3, 10000]);
  } finally {
    kv.range = range;
  }
});

test('regression: requests over etcd\'s own limit fail alone; no breaker opens for the next request', async () => {
  // maxRequestBytes above etcd's: the client sends them, so etcd (1.8 MiB) and gRPC (2.5 MiB) refuse them.
  const s = new EtcdStorage(client, { maxRequestBytes: 8 * 1024 * 1024 });
  for (const bytes of [1.8 * 1024 * 1024, 2.5 * 1024 * 1024, 2.5 * 1024 * 1024, 1.8 * 1024 * 1024]) {
    const e = await s.create(objectKey('configmaps', 'big', 'x'), cm('x', bytes)).catch((err: unknown) => err);
    assert.ok(e instanceof StorageError && e.kind === 'TooLarge', `${bytes} bytes: ${String(e)}`);
    assert.equal(e.status.code, 413);
  }
  const ok = await s.create(objectKey('configmaps', 'big', 'y'), cm('y', 1000));
  assert.ok(ok.metadata?.resourceVersion, 'the next write succeeds at once');
  assert.ok(await s.get(objectKey('configmaps', 'big', 'y')));
});

test('regression: a malformed revision is refused before it reaches etcd, and etcd keeps answering', async () => {
  const s = new EtcdStorage(client);
  for (let i = 0; i < 4; i++) await assert.rejects(s.list(resourcePrefix('configmaps'), { revision: '' }), isKind('Invalid'));
  await assert.rejects(s.list(resourcePrefix('configmaps'), { revision: '99999999' }), isKind('FutureRevision'));
  await assert.rejects(s.list(resourcePrefix('configmaps'), { revision: '99999999' }), isKind('FutureRevision'));
  await assert.rejects(s.list(resourcePrefix('configmaps'), { revision: '99999999' }), isKind('FutureRevision'));
  assert.ok((await s.list(resourcePrefix('configmaps'))).revision);
});

/** A TCP proxy to etcd that can swallow traffic (requests go out, nothing comes back). */
async function blackholeProxy(target: string): Promise<{ endpoint: string; swallow(on: boolean): void; close(): Promise<void> }> {
  const url = new URL(target);
  const sockets = new Set<Socket>();
  let swallowing = false;
  const server: Server = createServer((down) => {
    const up = connect(Number(url.port), url.hostname);
    sockets.add(down).add(up);
    down.on('data', (d) => { if (!swallowing) up.write(d); });
    up.on('data', (d) => { if (!swallowing) down.write(d); });
    const end = (): void => { down.destroy(); up.destroy(); sockets.delete(down); sockets.delete(up); };
    down.on('close', end).on('error', end);
    up.on('close', end).on('error', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    swallow: (on) => {
      swallowing = on;
      // Restoring drops the connections that lost bytes, as a real network partition would.
      if (!on) for (const s of sockets) s.destroy();
    },
    close: () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}

test('regression: a write whose answer never comes is a 504 Timeout (outcome unknown), and later requests succeed', async () => {
  const proxy = await blackholeProxy(etcd.endpoint);
  const c = createEtcdClient({ hosts: proxy.endpoint, callTimeoutMs: 500 });
  try {
    const s = new EtcdStorage(c);
    await s.create(objectKey('configmaps', 'lost', 'warm'), cm('warm', 10));
    proxy.swallow(true);
    const e = await s.create(objectKey('configmaps', 'lost', 'x'), cm('x', 10)).catch((err: unknown) => err);
    assert.ok(e instanceof StorageError && e.kind === 'Timeout', String(e));
    assert.equal(e.status.code, 504);
    assert.equal(e.status.reason, 'Timeout');
    proxy.swallow(false);
    const ok = await s.create(objectKey('configmaps', 'lost', 'y'), cm('y', 10));
    assert.ok(ok.metadata?.resourceVersion);
  } finally {
    c.close();
    await proxy.close();
  }
});

test('a watch survives a dropped connection: every change is delivered once, in order', async () => {
  const proxy = await blackholeProxy(etcd.endpoint);
  const c = createEtcdClient({ hosts: proxy.endpoint, callTimeoutMs: 2000 });
  const direct = new EtcdStorage(client);
  try {
    const s = new EtcdStorage(c);
    const start = String(Number(await direct.currentRevision()) + 1);
    const seen: number[] = [];
    let resolve!: () => void;
    const done = new Promise<void>((r) => { resolve = r; });
    const w = await s.watch(resourcePrefix('dropped'), start, (ev) => {
      seen.push(ev.rev);
      if (seen.length === 20) resolve();
    }, () => undefined);
    const revs: number[] = [];
    for (let i = 0; i < 10; i++) revs.push(Number((await direct.create(objectKey('dropped', 'ns', `a${i}`), { metadata: { name: `a${i}` } })).metadata?.resourceVersion));
    proxy.swallow(true);
    for (let i = 0; i < 10; i++) revs.push(Number((await direct.create(objectKey('dropped', 'ns', `b${i}`), { metadata: { name: `b${i}` } })).metadata?.resourceVersion));
    proxy.swallow(false);
    await done;
    await w.stop();
    assert.deepEqual(seen, revs);
  } finally {
    c.close();
    await proxy.close();
  }
});

test('create resolves the stored object without re-reading it, and createdText is its JSON from the stored bytes', async () => {
  const s = new EtcdStorage(client);
  const key = objectKey('configmaps', 'ns', 'text');
  const input = { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'text', resourceVersion: '5', labels: { a: 'b' } }, data: { k: 'v' } } as KubeObject;
  const created = await s.create(key, input);
  const stored = await s.get(key);
  assert.deepEqual(created, stored, 'what create resolves is what a read gives');
  assert.notEqual(created.metadata?.resourceVersion, '5');
  assert.equal(input.metadata?.resourceVersion, '5', 'the input keeps its own metadata');
  const text = s.createdText(created);
  assert.ok(text);
  assert.deepEqual(JSON.parse(text), stored);
  assert.equal(s.createdText(stored!), undefined, 'only for objects create resolved');
});
