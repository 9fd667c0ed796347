import { test } from 'node:test';
import assert from 'node:assert/strict';
import { firstAddress, kubernetesService } from './bootstrap.ts';
import { quietLogger } from '../testutil/log.ts';
import type { Endpoints, Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';

test('firstAddress of a CIDR', () => {
  const cases: Array<[string, string]> = [
    ['10.96.0.0/12', '10.96.0.1'],
    ['10.0.0.0/24', '10.0.0.1'],
    ['192.168.1.255/32', '192.168.2.0'],
    ['fd00::/108', 'fd00::1'],
  ];
  for (const [cidr, want] of cases) assert.equal(firstAddress(cidr), want, cidr);
  assert.throws(() => firstAddress('nonsense'));
});

test('kubernetes Service shape', () => {
  const s = kubernetesService('10.96.0.0/12');
  assert.equal(s.spec?.clusterIP, '10.96.0.1');
  assert.deepEqual(s.spec?.ports, [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }]);
  assert.equal(s.spec?.selector, undefined);
});

test('bootstrap is idempotent on an existing cluster (real etcd, real resource definitions)', async () => {
  const { Etcd3 } = await import('etcd3');
  const { startEtcd } = await import('../testutil/etcd.ts');
  const { buildServer } = await import('./server.ts');
  const { bootstrap, SYSTEM_NAMESPACES } = await import('./bootstrap.ts');
  const etcd = await startEtcd();
  const client = new Etcd3({ hosts: etcd.endpoint });
  try {
    const log = quietLogger('test');
    const { registry, app } = buildServer({ etcd: client, serviceCIDR: '10.96.0.0/12', log });
    await bootstrap(registry, '10.96.0.0/12', log);
    const svc = await registry.find('', 'v1', 'services')!.get('default', 'kubernetes');
    await bootstrap(registry, '10.96.0.0/12', log);
    const again = await registry.find('', 'v1', 'services')!.get('default', 'kubernetes');
    assert.equal(again.metadata?.resourceVersion, svc.metadata?.resourceVersion, 'nothing rewritten');
    const ns = await registry.find('', 'v1', 'namespaces')!.list(undefined);
    assert.deepEqual(ns.items.map((n) => n.metadata?.name).sort(), [...SYSTEM_NAMESPACES].sort());
    await app.close();
  } finally {
    client.close();
    await etcd.stop();
  }
});

test('bootstrap writes through the store (admission sees every create) and concurrent runs converge (real etcd)', async () => {
  const { Etcd3 } = await import('etcd3');
  const { startEtcd } = await import('../testutil/etcd.ts');
  const { buildServer } = await import('./server.ts');
  const { standardAdmission } = await import('./registry/admission/standard.ts');
  const { bootstrap, SYSTEM_NAMESPACES } = await import('./bootstrap.ts');
  type Attrs = import('./registry/admission/chain.ts').AdmissionAttributes;
  const etcd = await startEtcd();
  const client = new Etcd3({ hosts: etcd.endpoint });
  try {
    const log = quietLogger('test');
    const seen: Attrs[] = [];
    const admission = (read: Parameters<typeof standardAdmission>[0]): ReturnType<typeof standardAdmission> => ({ ...standardAdmission(read), validating: [(a: Attrs) => { seen.push(a); }] });
    const a = buildServer({ etcd: client, serviceCIDR: '10.96.0.0/12', log, admission });
    const b = buildServer({ etcd: client, serviceCIDR: '10.96.0.0/12', log, admission });
    // As runApiServer does, a failed bootstrap is run again: the loser of the
    // ClusterIP race may fail while the winner's create is still in flight.
    const run = async (registry: typeof a.registry): Promise<void> => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await bootstrap(registry, '10.96.0.0/12', log);
        } catch (e) {
          if (attempt >= 3) throw e;
        }
      }
    };
    await Promise.all([run(a.registry), run(b.registry)]);
    const stored = (await a.registry.find('', 'v1', 'namespaces')!.list(undefined)).items.map((n) => n.metadata?.name).sort();
    assert.deepEqual(stored, [...SYSTEM_NAMESPACES].sort());
    const svc = await a.registry.find('', 'v1', 'services')!.get('default', 'kubernetes');
    assert.equal((svc as { spec?: { clusterIP?: string } }).spec?.clusterIP, '10.96.0.1');
    const created = new Set(seen.filter((x) => x.operation === 'CREATE').map((x) => `${x.resource}/${x.name}`));
    assert.deepEqual([...created].sort(), [...SYSTEM_NAMESPACES.map((n) => `namespaces/${n}`), 'services/kubernetes', 'ingressclasses/skiff', 'services/kube-dns'].sort());
    await a.app.close();
    await b.app.close();
  } finally {
    client.close();
    await etcd.stop();
  }
});

test('the kubernetes Endpoints and EndpointSlice: none without an advertise address; created, moved with the address and port, then left alone (real etcd)', async () => {
  const { Etcd3 } = await import('etcd3');
  const { startEtcd } = await import('../testutil/etcd.ts');
  const { buildServer } = await import('./server.ts');
  const { bootstrap } = await import('./bootstrap.ts');
  type Attrs = import('./registry/admission/chain.ts').AdmissionAttributes;
  const { standardAdmission } = await import('./registry/admission/standard.ts');
  const etcd = await startEtcd();
  const client = new Etcd3({ hosts: etcd.endpoint });
  try {
    const log = quietLogger('test');
    const seen: Attrs[] = [];
    const admission = (read: Parameters<typeof standardAdmission>[0]): ReturnType<typeof standardAdmission> => ({ ...standardAdmission(read), validating: [(a: Attrs) => { seen.push(a); }] });
    const { registry, app } = buildServer({ etcd: client, serviceCIDR: '10.96.0.0/12', log, admission });
    const endpoints = registry.find('', 'v1', 'endpoints')!;
    const slices = registry.find('discovery.k8s.io', 'v1', 'endpointslices')!;
    const read = async (): Promise<{ ep: Endpoints; slice: EndpointSlice }> => ({
      ep: (await endpoints.get('default', 'kubernetes')) as Endpoints,
      slice: (await slices.get('default', 'kubernetes')) as EndpointSlice,
    });
    const shape = (r: { ep: Endpoints; slice: EndpointSlice }): unknown => ({
      ep: { labels: r.ep.metadata?.labels, subsets: r.ep.subsets },
      slice: { labels: r.slice.metadata?.labels, addressType: r.slice.addressType, endpoints: r.slice.endpoints, ports: r.slice.ports },
    });
    const want = (ip: string, port: number): unknown => ({
      ep: { labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' }, subsets: [{ addresses: [{ ip }], ports: [{ name: 'https', port, protocol: 'TCP' }] }] },
      slice: { labels: { 'kubernetes.io/service-name': 'kubernetes' }, addressType: 'IPv4', endpoints: [{ addresses: [ip], conditions: { ready: true } }], ports: [{ name: 'https', port, protocol: 'TCP' }] },
    });

    // Today's behaviour without an address: the Service only.
    await bootstrap(registry, '10.96.0.0/12', log, 6443);
    await assert.rejects(endpoints.get('default', 'kubernetes'), { code: 404 });
    await assert.rejects(slices.get('default', 'kubernetes'), { code: 404 });

    await bootstrap(registry, '10.96.0.0/12', log, 6443, '192.168.1.5');
    const first = await read();
    assert.deepEqual(shape(first), want('192.168.1.5', 6443));
    const svc = (await registry.find('', 'v1', 'services')!.get('default', 'kubernetes')) as Service;
    assert.deepEqual(svc.spec?.ports, [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }]);
    assert.equal(svc.spec?.selector, undefined);
    // Through the write path: admission saw both creates.
    assert.deepEqual(seen.filter((a) => a.name === 'kubernetes' && a.resource !== 'services').map((a) => `${a.operation} ${a.resource}`).sort(), ['CREATE endpoints', 'CREATE endpointslices']);

    // A restart with another address and port moves both.
    await bootstrap(registry, '10.96.0.0/12', log, 7443, '192.168.1.9');
    const second = await read();
    assert.deepEqual(shape(second), want('192.168.1.9', 7443));
    assert.notEqual(second.ep.metadata?.resourceVersion, first.ep.metadata?.resourceVersion);
    assert.notEqual(second.slice.metadata?.resourceVersion, first.slice.metadata?.resourceVersion);
    assert.equal(second.slice.metadata?.uid, first.slice.metadata?.uid, 'updated in place, not recreated');

    // The same inputs again: nothing is written.
    const before = seen.length;
    await bootstrap(registry, '10.96.0.0/12', log, 7443, '192.168.1.9');
    const third = await read();
    assert.equal(third.ep.metadata?.resourceVersion, second.ep.metadata?.resourceVersion);
    assert.equal(third.slice.metadata?.resourceVersion, second.slice.metadata?.resourceVersion);
    assert.equal(seen.length, before, 'no write reached admission');

    // A bad address is an error, and writes nothing.
    await assert.rejects(bootstrap(registry, '10.96.0.0/12', log, 7443, 'not-an-ip'), /not an IP address/);
    assert.equal((await read()).ep.metadata?.resourceVersion, second.ep.metadata?.resourceVersion);

    // Another address family: the slice's addressType cannot change in place, so it is deleted and created again.
    await bootstrap(registry, '10.96.0.0/12', log, 7443, 'fd00::9');
    const v6 = await read();
    assert.deepEqual([v6.slice.addressType, v6.slice.endpoints[0]?.addresses, v6.ep.subsets?.[0]?.addresses], ['IPv6', ['fd00::9'], [{ ip: 'fd00::9' }]]);
    assert.notEqual(v6.slice.metadata?.uid, second.slice.metadata?.uid);
    assert.equal(v6.ep.metadata?.uid, second.ep.metadata?.uid);
    await app.close();
  } finally {
    client.close();
    await etcd.stop();
  }
});
