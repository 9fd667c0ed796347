// Service allocation through the generic store on real etcd: the update
// hooks run on update and patch, never on dryRun, and a failed txn undoes
// what they claimed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import type { Service } from 'kubernetes-types/core/v1';
import type { KubeObject } from '../../api/object.ts';
import { EtcdStorage } from '../../storage/etcd.ts';
import { startEtcd, type TestEtcd } from '../../../testutil/etcd.ts';
import { quietLogger } from '../../../testutil/log.ts';
import { Registry } from '../registry.ts';
import type { ResourceStore } from '../store.ts';
import { namespacesResource } from './namespaces.ts';
import { servicesResource } from './services.ts';

/** etcd storage whose next `conflicts` updates lose a race: another write lands between the read and the txn. */
class RacingStorage extends EtcdStorage {
  conflicts = 0;
  override async update(key: string, obj: KubeObject, expectedRev: string, opts = {}): Promise<KubeObject> {
    if (this.conflicts > 0) {
      this.conflicts--;
      const cur = await this.get(key);
      await super.update(key, { ...cur!, metadata: { ...cur!.metadata, annotations: { raced: String(this.conflicts) } } }, expectedRev);
    }
    return super.update(key, obj, expectedRev, opts);
  }
}

let etcd: TestEtcd;
let client: Etcd3;
let storage: RacingStorage;
let services: ResourceStore;

before(async () => {
  etcd = await startEtcd();
  client = new Etcd3({ hosts: etcd.endpoint });
  storage = new RacingStorage(client);
  const registry = new Registry([namespacesResource(), servicesResource()], storage, { serviceCIDR: '10.96.0.0/12', log: quietLogger('test') });
  await registry.find('', 'v1', 'namespaces')!.create(undefined, { metadata: { name: 'default' } });
  services = registry.find('', 'v1', 'services')!;
});

after(async () => {
  client.close();
  await etcd.stop();
});

const claims = async (): Promise<{ ips: string[]; ports: number[] }> => ({
  ips: (await storage.reserved('serviceips/')).map((k) => k.split('/')[1]!).sort(),
  ports: (await storage.reserved('servicenodeports/')).map((k) => Number(k.split('/')[1])).sort(),
});
const nodePorts = (s: KubeObject): number[] => ((s as Service).spec?.ports ?? []).map((p) => p.nodePort ?? 0).filter((n) => n > 0).sort();
const clusterIP = (s: KubeObject): string | undefined => (s as Service).spec?.clusterIP;
const inRange = (n: number): boolean => n >= 30000 && n <= 32767;

test('patch and update allocate and release as the type changes', async () => {
  const created = await services.create('default', { metadata: { name: 'web' }, spec: { ports: [{ name: 'http', port: 80 }] } } as KubeObject);
  const ip = clusterIP(created)!;
  assert.deepEqual(await claims(), { ips: [ip], ports: [] });

  const np = (await services.patch('default', 'web', 'merge', { spec: { type: 'NodePort' } })).obj;
  assert.equal(clusterIP(np), ip, 'ClusterIP kept');
  assert.equal(nodePorts(np).length, 1);
  assert.ok(inRange(nodePorts(np)[0]!));
  assert.deepEqual(await claims(), { ips: [ip], ports: nodePorts(np) });

  const cur = (await services.get('default', 'web')) as Service;
  const two = structuredClone(cur);
  two.spec!.type = 'LoadBalancer';
  two.spec!.ports!.push({ name: 'https', port: 443 });
  const lb = await services.update('default', 'web', two as KubeObject);
  const ports = nodePorts(lb);
  assert.equal(ports.length, 2);
  assert.ok(ports.includes(nodePorts(np)[0]!), 'the first node port is kept');
  assert.ok(ports.every(inRange));
  assert.notEqual(ports[0], ports[1]);
  assert.deepEqual(await claims(), { ips: [ip], ports });

  const ext = (await services.patch('default', 'web', 'merge', { spec: { type: 'ExternalName', externalName: 'example.com' } })).obj;
  assert.equal(clusterIP(ext), undefined);
  assert.deepEqual(nodePorts(ext), []);
  assert.deepEqual(await claims(), { ips: [], ports: [] }, 'ClusterIP and node ports released');

  const back = (await services.patch('default', 'web', 'merge', { spec: { type: 'ClusterIP', externalName: null } })).obj;
  assert.ok(clusterIP(back));
  assert.deepEqual(await claims(), { ips: [clusterIP(back)!], ports: [] });

  await services.delete('default', 'web');
  assert.deepEqual(await claims(), { ips: [], ports: [] });
});

test('dryRun and no-op writes claim nothing', async () => {
  await services.create('default', { metadata: { name: 'dry' }, spec: { ports: [{ port: 80 }] } } as KubeObject);
  const before = await claims();
  const dry = (await services.patch('default', 'dry', 'merge', { spec: { type: 'NodePort' } }, undefined, { dryRun: true })).obj;
  assert.equal((dry as Service).spec?.type, 'NodePort');
  assert.deepEqual(await claims(), before);
  assert.equal(((await services.get('default', 'dry')) as Service).spec?.type, 'ClusterIP', 'nothing stored');
  const rv = (await services.get('default', 'dry')).metadata?.resourceVersion;
  await services.patch('default', 'dry', 'merge', { spec: { type: 'ClusterIP' } });
  assert.equal((await services.get('default', 'dry')).metadata?.resourceVersion, rv, 'no-op wrote nothing');
  assert.deepEqual(await claims(), before);
  await services.delete('default', 'dry');
});

test('a txn lost to a concurrent write undoes its claims (patch retries, PUT with resourceVersion fails)', async () => {
  await services.create('default', { metadata: { name: 'race' }, spec: { ports: [{ port: 80 }] } } as KubeObject);
  const { ips } = await claims();
  storage.conflicts = 2;
  const np = (await services.patch('default', 'race', 'merge', { spec: { type: 'NodePort' } })).obj;
  assert.equal(storage.conflicts, 0, 'two txns lost');
  assert.deepEqual(await claims(), { ips, ports: nodePorts(np) }, 'only the winning attempt holds a node port');

  const cur = (await services.get('default', 'race')) as Service;
  const lb = structuredClone(cur);
  lb.spec!.ports!.push({ name: 'b', port: 81 });
  lb.spec!.ports![0]!.name = 'a';
  storage.conflicts = 1;
  await assert.rejects(services.update('default', 'race', lb as KubeObject), (e: { code?: number }) => e.code === 409);
  assert.deepEqual(await claims(), { ips, ports: nodePorts(np) }, 'the new port was released');
  await services.delete('default', 'race');
  assert.deepEqual(await claims(), { ips: [], ports: [] });
});

test('a create that loses to an existing object releases what it allocated', async () => {
  const first = await services.create('default', { metadata: { name: 'dup' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } } as KubeObject);
  const held = await claims();
  assert.deepEqual(held, { ips: [clusterIP(first)!], ports: nodePorts(first) });
  await assert.rejects(services.create('default', { metadata: { name: 'dup' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } } as KubeObject), (e: { code?: number; status?: { reason?: string } }) => e.code === 409 && e.status?.reason === 'AlreadyExists');
  assert.deepEqual(await claims(), held, 'the loser allocated a ClusterIP and a node port, and released both');
  await services.delete('default', 'dup');
});

test('node ports stay unique across services switched concurrently', async () => {
  const names = Array.from({ length: 12 }, (_, i) => `np-${i}`);
  for (const n of names) await services.create('default', { metadata: { name: n }, spec: { ports: [{ port: 80 }] } } as KubeObject);
  const done = await Promise.all(names.map((n) => services.patch('default', n, 'merge', { spec: { type: 'NodePort' } })));
  const ports = done.flatMap((d) => nodePorts(d.obj)).sort();
  assert.equal(new Set(ports).size, names.length);
  assert.deepEqual((await claims()).ports, ports);
  for (const n of names) await services.delete('default', n);
});

const healthPort = (s: KubeObject): number | undefined => (s as Service).spec?.healthCheckNodePort;
type StatusErr = { code?: number; status?: { message?: string } };

test('a requested node port held by another service is answered 422 "provided port is already allocated", claiming nothing', async () => {
  const a = await services.create('default', { metadata: { name: 'np-a' }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30500 }] } } as KubeObject);
  assert.deepEqual(nodePorts(a), [30500]);
  const held = await claims();
  await assert.rejects(services.create('default', { metadata: { name: 'np-b' }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30500 }] } } as KubeObject),
    (e: StatusErr) => e.code === 422 && /spec\.ports\[0\]\.nodePort: Invalid value: 30500: provided port is already allocated/.test(e.status?.message ?? ''));
  assert.deepEqual(await claims(), held, 'the loser released its ClusterIP');
  await assert.rejects(services.create('default', { metadata: { name: 'np-c' }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 29999 }] } } as KubeObject),
    (e: StatusErr) => e.code === 422 && /not in the valid range\. The range of valid ports is 30000-32767/.test(e.status?.message ?? ''));
  // NodePort -> ClusterIP releases the port; a new service may then take it.
  await services.patch('default', 'np-a', 'merge', { spec: { type: 'ClusterIP' } });
  assert.deepEqual((await claims()).ports, []);
  const b = await services.create('default', { metadata: { name: 'np-b' }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30500 }] } } as KubeObject);
  assert.deepEqual(nodePorts(b), [30500]);
  await services.delete('default', 'np-a');
  await services.delete('default', 'np-b');
  assert.deepEqual(await claims(), { ips: [], ports: [] });
});

test('healthCheckNodePort: allocated for LoadBalancer + externalTrafficPolicy Local, kept on update, released when the policy or type changes and on delete', async () => {
  const lb = await services.create('default', {
    metadata: { name: 'local-lb' }, spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: [{ port: 80 }] },
  } as KubeObject);
  const hc = healthPort(lb)!;
  assert.ok(hc !== undefined && inRange(hc));
  assert.ok(!nodePorts(lb).includes(hc), 'distinct from the node port');
  assert.deepEqual((await claims()).ports, [...nodePorts(lb), hc].sort());

  const labelled = (await services.patch('default', 'local-lb', 'merge', { metadata: { labels: { a: 'b' } } })).obj;
  assert.equal(healthPort(labelled), hc, 'kept across updates');
  const cur = (await services.get('default', 'local-lb')) as Service;
  const put = structuredClone(cur);
  delete put.spec!.healthCheckNodePort;
  assert.equal(healthPort(await services.update('default', 'local-lb', put as KubeObject)), hc, 'a PUT without it keeps the allocated one');

  const cluster = (await services.patch('default', 'local-lb', 'merge', { spec: { externalTrafficPolicy: 'Cluster' } })).obj;
  assert.equal(healthPort(cluster), undefined);
  assert.deepEqual((await claims()).ports, nodePorts(cluster), 'released with the policy change');

  const again = (await services.patch('default', 'local-lb', 'merge', { spec: { externalTrafficPolicy: 'Local' } })).obj;
  const hc2 = healthPort(again)!;
  assert.ok(inRange(hc2));
  const asNodePort = (await services.patch('default', 'local-lb', 'merge', { spec: { type: 'NodePort' } })).obj;
  assert.equal(healthPort(asNodePort), undefined, 'NodePort services have none');
  assert.deepEqual((await claims()).ports, nodePorts(asNodePort));

  await services.patch('default', 'local-lb', 'merge', { spec: { type: 'LoadBalancer', healthCheckNodePort: 31999 } });
  assert.equal(healthPort((await services.get('default', 'local-lb'))), 31999, 'a requested port is claimed');
  await assert.rejects(services.create('default', {
    metadata: { name: 'other-lb' }, spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Local', healthCheckNodePort: 31999, ports: [{ port: 80 }] },
  } as KubeObject), (e: StatusErr) => e.code === 422 && /spec\.healthCheckNodePort: Invalid value: 31999: provided port is already allocated/.test(e.status?.message ?? ''));
  await assert.rejects(services.create('default', {
    metadata: { name: 'bad' }, spec: { type: 'NodePort', healthCheckNodePort: 31000, ports: [{ port: 80 }] },
  } as KubeObject), (e: StatusErr) => e.code === 422 && /may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'/.test(e.status?.message ?? ''));
  await assert.rejects(services.create('default', {
    metadata: { name: 'bad' }, spec: { externalTrafficPolicy: 'Local', ports: [{ port: 80 }] },
  } as KubeObject), (e: StatusErr) => e.code === 422 && /externalTrafficPolicy.*may only be set for externally-accessible services/.test(e.status?.message ?? ''));

  await services.delete('default', 'local-lb');
  assert.deepEqual(await claims(), { ips: [], ports: [] });
});
