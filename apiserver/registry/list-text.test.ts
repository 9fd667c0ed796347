// Unfiltered lists built from the stored text or the watch cache's
// serializations (list-text.ts), on real etcd through the routes: the same
// document as the object path for every list shape, and taken only for the
// shapes that need no object.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import type { FastifyInstance } from 'fastify';
import type { KubeObject } from '../api/object.ts';
import { startEtcd, type TestEtcd } from '../../testutil/etcd.ts';
import { quietLogger } from '../../testutil/log.ts';
import { buildCoreApp } from '../routes/core.ts';
import { testDefs } from '../routes/core.test-helper.ts';
import type { Storage } from '../storage/interface.ts';
import { filteredTextListApplies, textListApplies } from './list-text.ts';
import type { ResourceStore } from './store.ts';

let etcd: TestEtcd;
let client: Etcd3;
let app: FastifyInstance;
let pods: ResourceStore;
let storage: Storage;
let textLists = 0;

before(async () => {
  etcd = await startEtcd();
  client = new Etcd3({ hosts: etcd.endpoint });
  const core = buildCoreApp({ etcd: client, defs: testDefs(), serviceCIDR: '10.96.0.0/12', log: quietLogger('test') });
  app = core.app;
  storage = core.storage;
  const listText = storage.listText?.bind(storage);
  assert.ok(listText, 'the etcd-backed storage has listText');
  Object.assign(storage, { listText: (...a: Parameters<typeof listText>) => { textLists++; return listText(...a); } });
  pods = core.registry.find('', 'v1', 'pods')!;
  await core.registry.find('', 'v1', 'namespaces')!.create(undefined, { metadata: { name: 'lt' } });
  for (const n of ['a', 'b', 'c', 'd']) {
    await pods.create('lt', { metadata: { name: n, labels: { app: n === 'b' ? 'x' : 'y' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } as KubeObject);
  }
  // Values not as encode writes them: another key order, a stale resourceVersion, an empty list elsewhere.
  await client.put('/registry/pods/lt/e').value('{"spec":{"containers":[{"name":"c","image":"i"}]},"metadata":{"name":"e","namespace":"lt"},"kind":"Pod","apiVersion":"v1"}');
  await client.put('/registry/pods/lt/f').value('{"apiVersion":"v1","kind":"Pod","metadata":{"name":"f","namespace":"lt","resourceVersion":"1"},"spec":{"containers":[{"name":"c","image":"i"}]}}');
});

after(async () => {
  await app.close();
  client.close();
  await etcd.stop();
});

test('textListApplies: only unfiltered lists read in one go', () => {
  const table: Array<[Parameters<typeof textListApplies>[0], boolean]> = [
    [{}, true],
    [{ labelSelector: '', fieldSelector: ' ' }, true],
    [{ limit: 2 }, true],
    [{ resourceVersion: '5' }, true],
    [{ resourceVersion: '0', limit: 3 }, true],
    [{ labelSelector: 'app=x' }, false],
    [{ fieldSelector: 'metadata.name=a' }, false],
    [{ labelSelector: 'a in (' }, false],
    [{ continue: 'abc' }, false],
    [{ exact: true, resourceVersion: '5' }, false],
  ];
  for (const [params, want] of table) assert.equal(textListApplies(params), want, JSON.stringify(params));
});

test('filteredTextListApplies: selector lists read from etcd in one go', () => {
  const table: Array<[Parameters<typeof filteredTextListApplies>[0], boolean, boolean]> = [
    [{ labelSelector: 'app=x' }, false, true],
    [{ fieldSelector: 'metadata.name=a' }, true, true],
    [{ labelSelector: 'app=x', resourceVersion: '' }, true, true],
    [{ labelSelector: 'app=x', resourceVersion: '0' }, true, false],
    [{ labelSelector: 'app=x', resourceVersion: '0' }, false, true],
    [{ labelSelector: 'app=x', limit: 2 }, false, false],
    [{ labelSelector: 'app=x', continue: 'abc' }, false, false],
    [{ labelSelector: 'app=x', exact: true, resourceVersion: '5' }, false, false],
    [{ labelSelector: 'a in (' }, false, false],
    [{}, false, false],
  ];
  for (const [params, cached, want] of table) assert.equal(filteredTextListApplies(params, cached), want, JSON.stringify({ params, cached }));
});

test('every list shape answers the document the object path gives', async () => {
  const get = async (url: string): Promise<{ status: number; body: unknown; type: string }> => {
    const res = await app.inject({ method: 'GET', url });
    return { status: res.statusCode, body: res.json(), type: String(res.headers['content-type']) };
  };
  const first = await get('/api/v1/namespaces/lt/pods?limit=2');
  const cont = (first.body as { metadata: { continue?: string } }).metadata.continue;
  assert.ok(cont, 'a limited list has a continue token');
  const cases: Array<[string, Parameters<ResourceStore['list']>[1], string | undefined]> = [
    ['', {}, 'lt'],
    ['?limit=2', { limit: 2 }, 'lt'],
    [`?limit=2&continue=${cont}`, { limit: 2, continue: cont }, 'lt'],
    ['?limit=10', { limit: 10 }, 'lt'],
    ['?labelSelector=app%3Dx', { labelSelector: 'app=x' }, 'lt'],
    ['?labelSelector=', {}, 'lt'],
    ['?labelSelector=app%21%3Dx', { labelSelector: 'app!=x' }, 'lt'],
    ['?labelSelector=app%3Dnone', { labelSelector: 'app=none' }, 'lt'],
    ['?fieldSelector=metadata.name%3Da', { fieldSelector: 'metadata.name=a' }, 'lt'],
    ['?labelSelector=app%3Dy&limit=1', { labelSelector: 'app=y', limit: 1 }, 'lt'],
    ['?labelSelector=app%3Dy&resourceVersion=0', { labelSelector: 'app=y', resourceVersion: '0' }, 'lt'],
    ['?resourceVersion=0', { resourceVersion: '0' }, 'lt'],
    ['?resourceVersion=0&limit=2', { resourceVersion: '0', limit: 2 }, 'lt'],
    ['?resourceVersion=0', { resourceVersion: '0' }, 'lt'],
    ['?resourceVersion=1&limit=2', { resourceVersion: '1', limit: 2 }, 'lt'],
  ];
  for (const [query, params, ns] of cases) {
    const res = await get(`/api/v1/namespaces/${ns}/pods${query}`);
    assert.equal(res.status, 200, query);
    assert.match(res.type, /^application\/json/, query);
    const want = JSON.parse(JSON.stringify(await pods.list(ns, params))) as unknown;
    assert.deepEqual(res.body, want, query);
  }
  const all = (await get('/api/v1/namespaces/lt/pods')).body as { items: KubeObject[] };
  assert.deepEqual(all.items.map((p) => p.metadata?.name), ['a', 'b', 'c', 'd', 'e', 'f']);
  assert.notEqual(all.items[5].metadata?.resourceVersion, '1', 'a stale stored resourceVersion is replaced by the revision');
  const empty = await get('/api/v1/namespaces/none/pods');
  assert.deepEqual((empty.body as { items: unknown[] }).items, []);
});

test('unfiltered lists and unlimited selector lists go through listText, limited selector and continued ones do not', async () => {
  const before = textLists;
  await app.inject({ method: 'GET', url: '/api/v1/namespaces/lt/pods' });
  await app.inject({ method: 'GET', url: '/api/v1/pods?limit=1' });
  const sel = await app.inject({ method: 'GET', url: '/api/v1/namespaces/lt/pods?labelSelector=app%3Dx' });
  assert.deepEqual((sel.json() as { items: KubeObject[] }).items.map((p) => p.metadata?.name), ['b']);
  assert.equal(textLists - before, 3);
  await app.inject({ method: 'GET', url: '/api/v1/namespaces/lt/pods?labelSelector=app%3Dy&limit=1' });
  await app.inject({ method: 'GET', url: '/api/v1/namespaces/lt/pods', headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } });
  assert.equal(textLists - before, 3);
  const bad = await app.inject({ method: 'GET', url: '/api/v1/namespaces/lt/pods?labelSelector=a%20in%20(' });
  assert.equal(bad.statusCode, 400);
  const badRv = await app.inject({ method: 'GET', url: '/api/v1/namespaces/lt/pods?resourceVersion=x' });
  assert.equal(badRv.statusCode, 400, 'an unreadable resourceVersion is 400 on the text path too');
  assert.equal((badRv.json() as { kind: string }).kind, 'Status');
});

test('a cached list shows an object changed after an earlier cached list, not its first serialization', async () => {
  const listed = async (rv: string): Promise<KubeObject[]> => ((await app.inject({ method: 'GET', url: `/api/v1/namespaces/lt/pods?resourceVersion=${rv}` })).json() as { items: KubeObject[] }).items;
  const a0 = (await listed('0')).find((p) => p.metadata?.name === 'a');
  assert.ok(a0);
  const updated = await pods.update('lt', 'a', { ...a0, metadata: { ...a0.metadata, labels: { app: 'changed' } } });
  const a1 = (await listed(updated.metadata?.resourceVersion ?? '')).find((p) => p.metadata?.name === 'a');
  assert.deepEqual(a1?.metadata?.labels, { app: 'changed' });
  assert.equal(a1?.metadata?.resourceVersion, updated.metadata?.resourceVersion);
});
