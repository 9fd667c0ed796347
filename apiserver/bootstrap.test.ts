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
