import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterDNSAddress, kubeDNSService, nthAddress } from './kube-dns.ts';

test('nthAddress and the cluster DNS address of a service CIDR', () => {
  const cases: Array<[string, number, string]> = [
    ['10.96.0.0/12', 10, '10.96.0.10'], ['10.43.0.0/16', 10, '10.43.0.10'], ['10.0.0.250/24', 10, '10.0.1.4'], ['fd00::/108', 10, 'fd00::a'],
  ];
  for (const [cidr, n, want] of cases) assert.equal(nthAddress(cidr, n), want, cidr);
  assert.throws(() => nthAddress('10.0.0.0/29', 10));
  assert.throws(() => clusterDNSAddress('nonsense'));
});

test('the kube-dns Service: ClusterIP .10, dns/53 UDP and dns-tcp/53 TCP to the node servers, no selector, Local', () => {
  const s = kubeDNSService('10.96.0.0/12');
  assert.equal(s.metadata?.namespace, 'kube-system');
  assert.equal(s.metadata?.labels?.['k8s-app'], 'kube-dns');
  assert.equal(s.spec?.clusterIP, '10.96.0.10');
  assert.equal(s.spec?.selector, undefined);
  assert.equal(s.spec?.internalTrafficPolicy, 'Local');
  assert.deepEqual(s.spec?.ports, [
    { name: 'dns', port: 53, protocol: 'UDP', targetPort: 10053 },
    { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 10053 },
  ]);
});
