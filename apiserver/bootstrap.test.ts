import { test } from 'node:test';
import assert from 'node:assert/strict';
import { firstAddress, kubernetesService } from './bootstrap.ts';
import { quietLogger } from '../testutil/log.ts';

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
    assert.deepEqual([...created].sort(), [...SYSTEM_NAMESPACES.map((n) => `namespaces/${n}`), 'services/kubernetes'].sort());
    await a.app.close();
    await b.app.close();
  } finally {
    client.close();
    await etcd.stop();
  }
});
