// Every resource's update hooks run on PUT and PATCH through HTTP
// (app.inject on the full server over real etcd). Services are the only
// resource with update hooks; a new one must add its case here.
import type { Storage } from '../../storage/interface.ts';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import type { FastifyInstance } from 'fastify';
import type { Service } from 'kubernetes-types/core/v1';
import { buildServer } from '../../server.ts';
import type { EtcdStorage } from '../../storage/etcd.ts';
import { startEtcd, type TestEtcd } from '../../../testutil/etcd.ts';
import { quietLogger } from '../../../testutil/log.ts';
import { allResources } from './index.ts';

let etcd: TestEtcd;
let client: Etcd3;
let app: FastifyInstance;
let storage: Storage;
const S = '/api/v1/namespaces/default/services';

before(async () => {
  etcd = await startEtcd();
  client = new Etcd3({ hosts: etcd.endpoint });
  const server = buildServer({ etcd: client, serviceCIDR: '10.96.0.0/12', log: quietLogger('test') });
  app = server.app;
  storage = server.storage;
  const ns = await app.inject({ method: 'POST', url: '/api/v1/namespaces', payload: { metadata: { name: 'default' } } });
  assert.equal(ns.statusCode, 201);
});

after(async () => {
  await app.close();
  client.close();
  await etcd.stop();
});

async function send(method: 'POST' | 'PUT' | 'PATCH', url: string, body: unknown, contentType = 'application/json'): Promise<{ code: number; svc: Service }> {
  const res = await app.inject({ method, url, payload: JSON.stringify(body), headers: { 'content-type': contentType } });
  return { code: res.statusCode, svc: JSON.parse(res.body) as Service };
}
const claimedPorts = async (): Promise<number[]> => (await storage.reserved('servicenodeports/')).map((k) => Number(k.split('/')[1])).sort();
const claimedIPs = async (): Promise<string[]> => (await storage.reserved('serviceips/')).map((k) => k.split('/')[1]!).sort();
const ports = (s: Service): number[] => (s.spec?.ports ?? []).map((p) => p.nodePort ?? 0).filter((n) => n > 0).sort();

test('the resources with update hooks are the ones tested here', () => {
  const withHooks = allResources().filter((d) => d.strategy.beforeUpdate || d.strategy.afterUpdate).map((d) => d.resource);
  assert.deepEqual(withHooks, ['services']);
});

test('services: PATCH (merge and strategic) and PUT to NodePort allocate node ports; ExternalName releases the ClusterIP and node ports', async () => {
  const cases: Array<{ name: string; toNodePort: (name: string) => Promise<{ code: number; svc: Service }>; toExternal: (name: string) => Promise<{ code: number; svc: Service }> }> = [
    {
      name: 'merge patch',
      toNodePort: (n) => send('PATCH', `${S}/${n}`, { spec: { type: 'NodePort' } }, 'application/merge-patch+json'),
      toExternal: (n) => send('PATCH', `${S}/${n}`, { spec: { type: 'ExternalName', externalName: 'example.com' } }, 'application/merge-patch+json'),
    },
    {
      name: 'strategic merge patch',
      toNodePort: (n) => send('PATCH', `${S}/${n}`, { spec: { type: 'NodePort' } }, 'application/strategic-merge-patch+json'),
      toExternal: (n) => send('PATCH', `${S}/${n}`, { spec: { type: 'ExternalName', externalName: 'example.com' } }, 'application/strategic-merge-patch+json'),
    },
    {
      name: 'PUT',
      toNodePort: async (n) => {
        const cur = JSON.parse((await app.inject({ method: 'GET', url: `${S}/${n}` })).body) as Service;
        return send('PUT', `${S}/${n}`, { ...cur, spec: { ...cur.spec, type: 'NodePort' } });
      },
      toExternal: async (n) => {
        const cur = JSON.parse((await app.inject({ method: 'GET', url: `${S}/${n}` })).body) as Service;
        return send('PUT', `${S}/${n}`, { ...cur, spec: { ...cur.spec, type: 'ExternalName', externalName: 'example.com' } });
      },
    },
  ];
  for (const [i, c] of cases.entries()) {
    const name = `svc-${i}`;
    const created = await send('POST', S, { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { ports: [{ port: 80 }] } });
    assert.equal(created.code, 201, c.name);
    const ip = created.svc.spec!.clusterIP!;
    assert.ok((await claimedIPs()).includes(ip), c.name);

    const np = await c.toNodePort(name);
    assert.equal(np.code, 200, `${c.name}: ${JSON.stringify(np.svc)}`);
    assert.equal(np.svc.spec?.type, 'NodePort', c.name);
    assert.equal(ports(np.svc).length, 1, c.name);
    const port = ports(np.svc)[0]!;
    assert.ok(port >= 30000 && port <= 32767, c.name);
    assert.deepEqual(await claimedPorts(), [port], `${c.name}: the node port is claimed`);

    const ext = await c.toExternal(name);
    assert.equal(ext.code, 200, `${c.name}: ${JSON.stringify(ext.svc)}`);
    assert.equal(ext.svc.spec?.clusterIP, undefined, c.name);
    assert.deepEqual(ports(ext.svc), [], c.name);
    assert.deepEqual(await claimedPorts(), [], `${c.name}: node port released`);
    assert.ok(!(await claimedIPs()).includes(ip), `${c.name}: ClusterIP released`);

    const back = await send('PATCH', `${S}/${name}`, { spec: { type: 'ClusterIP', externalName: null } }, 'application/merge-patch+json');
    assert.equal(back.code, 200, c.name);
    assert.ok(back.svc.spec?.clusterIP, c.name);
    assert.ok((await claimedIPs()).includes(back.svc.spec!.clusterIP!), `${c.name}: a ClusterIP is claimed again`);
  }
});

test('services: a dry-run PATCH to NodePort claims nothing and stores nothing', async () => {
  await send('POST', S, { metadata: { name: 'dry' }, spec: { ports: [{ port: 80 }] } });
  const before = await claimedPorts();
  const dry = await send('PATCH', `${S}/dry?dryRun=All`, { spec: { type: 'NodePort' } }, 'application/merge-patch+json');
  assert.equal(dry.code, 200);
  assert.deepEqual(await claimedPorts(), before);
  const stored = JSON.parse((await app.inject({ method: 'GET', url: `${S}/dry` })).body) as Service;
  assert.equal(stored.spec?.type, 'ClusterIP');
});
