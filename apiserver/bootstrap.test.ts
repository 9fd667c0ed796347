import { test } from 'node:test';
import assert from 'node:assert/strict';
import { firstAddress, kubernetesService } from './bootstrap.ts';

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
