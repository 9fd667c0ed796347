// NamespaceLifecycle in the full server (app.inject over real etcd, after
// bootstrap): `kubectl delete namespace --all` leaves default, kube-system
// and kube-public in place; nothing is created in a missing namespace.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import type { FastifyInstance } from 'fastify';
import { bootstrap } from '../../bootstrap.ts';
import { buildServer } from '../../server.ts';
import { startEtcd, type TestEtcd } from '../../../testutil/etcd.ts';
import { quietLogger } from '../../../testutil/log.ts';

let etcd: TestEtcd;
let client: Etcd3;
let app: FastifyInstance;

before(async () => {
  etcd = await startEtcd();
  client = new Etcd3({ hosts: etcd.endpoint });
  const log = quietLogger('test');
  const server = buildServer({ etcd: client, serviceCIDR: '10.96.0.0/12', log });
  app = server.app;
  await bootstrap(server.registry, '10.96.0.0/12', log);
});

after(async () => {
  await app.close();
  client.close();
  await etcd.stop();
});

test('the immortal namespaces may not be deleted, dry run or not; others may', async () => {
  for (const name of ['default', 'kube-system', 'kube-public']) {
    for (const q of ['', '?dryRun=All']) {
      const res = await app.inject({ method: 'DELETE', url: `/api/v1/namespaces/${name}${q}` });
      assert.equal(res.statusCode, 403, `${name}${q}`);
      const body = JSON.parse(res.body) as { kind: string; reason: string; message: string };
      assert.equal(body.kind, 'Status');
      assert.equal(body.reason, 'Forbidden');
      assert.equal(body.message, `namespaces "${name}" is forbidden: this namespace may not be deleted`);
    }
    const ns = JSON.parse((await app.inject({ method: 'GET', url: `/api/v1/namespaces/${name}` })).body) as { metadata: { deletionTimestamp?: string }; status: { phase: string } };
    assert.equal(ns.metadata.deletionTimestamp, undefined, name);
    assert.equal(ns.status.phase, 'Active', name);
  }
  const lease = await app.inject({ method: 'DELETE', url: '/api/v1/namespaces/kube-node-lease' });
  assert.equal(lease.statusCode, 200);
});

test('a create in a missing namespace is 404 even when the object is also invalid', async () => {
  const res = await app.inject({ method: 'POST', url: '/api/v1/namespaces/nowhere/configmaps', payload: { metadata: { name: 'Bad Name' } }, headers: { 'content-type': 'application/json' } });
  assert.equal(res.statusCode, 404);
  assert.equal((JSON.parse(res.body) as { message: string }).message, 'namespaces "nowhere" not found');
});
