// deleteCollection on real etcd: pages through the list, keeps list order,
// honours selectors and dryRun (also over HTTP: DELETE on a collection with
// dryRun=All deletes nothing).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import type { FastifyInstance } from 'fastify';
import type { KubeObject } from '../api/object.ts';
import { startEtcd, type TestEtcd } from '../../testutil/etcd.ts';
import { quietLogger } from '../../testutil/log.ts';
import { buildCoreApp } from '../routes/core.ts';
import { testDefs } from '../routes/core.test-helper.ts';
import type { ResourceStore } from './store.ts';

let etcd: TestEtcd;
let client: Etcd3;
let app: FastifyInstance;
let pods: ResourceStore;

before(async () => {
  etcd = await startEtcd();
  client = new Etcd3({ hosts: etcd.endpoint });
  const core = buildCoreApp({ etcd: client, defs: testDefs(), serviceCIDR: '10.96.0.0/12', log: quietLogger('test') });
  app = core.app;
  pods = core.registry.find('', 'v1', 'pods')!;
  await core.registry.find('', 'v1', 'namespaces')!.create(undefined, { metadata: { name: 'dc' } });
});

after(async () => {
  await app.close();
  client.close();
  await etcd.stop();
});

const names = async (): Promise<string[]> => (await pods.list('dc')).items.map((p) => p.metadata?.name ?? '');
const pod = (name: string, app2: string): KubeObject => ({ metadata: { name, labels: { app: app2 } }, spec: { containers: [{ name: 'c', image: 'i' }] } } as KubeObject);

test('deleteCollection pages, keeps list order and honours selectors and dryRun', async () => {
  const all = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
  for (const n of all) await pods.create('dc', pod(n, n === 'd' ? 'keep' : 'drop'));
  const dry = await pods.deleteCollection('dc', {}, {}, { dryRun: true }, { pageSize: 2, concurrency: 3 });
  assert.deepEqual(dry.items.map((p) => p.metadata?.name), all);
  assert.deepEqual(await names(), all, 'dryRun deleted nothing');
  const done = await pods.deleteCollection('dc', { labelSelector: 'app=drop' }, {}, {}, { pageSize: 2, concurrency: 3 });
  assert.deepEqual(done.items.map((p) => p.metadata?.name), ['a', 'b', 'c', 'e', 'f', 'g']);
  assert.ok(done.metadata.resourceVersion);
  assert.deepEqual(await names(), ['d']);
});

test('DELETE on a collection with dryRun=All deletes nothing (HTTP)', async () => {
  const res = await app.inject({ method: 'DELETE', url: '/api/v1/namespaces/dc/pods?dryRun=All' });
  assert.equal(res.statusCode, 200);
  assert.deepEqual((JSON.parse(res.body) as { items: KubeObject[] }).items.map((p) => p.metadata?.name), ['d']);
  assert.deepEqual(await names(), ['d']);
  const real = await app.inject({ method: 'DELETE', url: '/api/v1/namespaces/dc/pods' });
  assert.equal(real.statusCode, 200);
  assert.deepEqual(await names(), []);
});
