import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease } from 'kubernetes-types/coordination/v1';
import { APISERVER_LEASE_LABEL, apiserverLease, apiserverLeaseName, liveApiservers } from './apiserver-leases.ts';
import { endpointAddresses } from './kubernetes-endpoints.ts';

const at = (iso: string): number => Date.parse(iso);
const lease = (name: string, holder: string | undefined, renewTime: string | undefined, seconds = 15): Lease => ({
  metadata: { name }, spec: { ...(holder ? { holderIdentity: holder } : {}), ...(renewTime ? { renewTime } : {}), leaseDurationSeconds: seconds },
});

test('apiserverLease: name, label, holder and renewal; an existing Lease keeps its metadata', () => {
  assert.equal(apiserverLeaseName('10.0.0.1'), 'apiserver-endpoint-10.0.0.1');
  assert.equal(apiserverLeaseName('fd00::1'), 'apiserver-endpoint-fd00--1');
  const l = apiserverLease('10.0.0.1', '2026-12-02T00:00:00.000000Z');
  assert.deepEqual(l.metadata, { name: 'apiserver-endpoint-10.0.0.1', namespace: 'kube-system', labels: { [APISERVER_LEASE_LABEL]: 'true' } });
  assert.deepEqual(l.spec, { holderIdentity: '10.0.0.1', leaseDurationSeconds: 15, renewTime: '2026-12-02T00:00:00.000000Z' });
  const renewed = apiserverLease('10.0.0.1', '2026-12-02T00:00:10.000000Z', { ...l, metadata: { ...l.metadata, resourceVersion: '7', uid: 'u' } });
  assert.deepEqual([renewed.metadata?.resourceVersion, renewed.metadata?.uid, renewed.spec?.renewTime], ['7', 'u', '2026-12-02T00:00:10.000000Z']);
});

test('liveApiservers: unexpired holders plus self, sorted; expired and broken Leases are to delete (never self\'s)', () => {
  const now = at('2026-12-02T00:01:00Z');
  const cases: Array<{ name: string; leases: Lease[]; want: { addresses: string[]; expired: string[] } }> = [
    { name: 'alone', leases: [], want: { addresses: ['10.0.0.1'], expired: [] } },
    { name: 'a live peer', leases: [lease('b', '10.0.0.2', '2026-12-02T00:00:50Z')], want: { addresses: ['10.0.0.1', '10.0.0.2'], expired: [] } },
    { name: 'an expired peer (renewed 16 s ago, 15 s lease)', leases: [lease('b', '10.0.0.2', '2026-12-02T00:00:44Z')], want: { addresses: ['10.0.0.1'], expired: ['b'] } },
    { name: 'exactly at expiry counts as expired', leases: [lease('b', '10.0.0.2', '2026-12-02T00:00:45Z')], want: { addresses: ['10.0.0.1'], expired: ['b'] } },
    { name: 'own stale Lease is not deleted (it is renewed)', leases: [lease('a', '10.0.0.1', '2026-12-02T00:00:00Z')], want: { addresses: ['10.0.0.1'], expired: [] } },
    { name: 'no renewTime or holder', leases: [lease('c', '10.0.0.3', undefined), lease('d', undefined, '2026-12-02T00:00:59Z')], want: { addresses: ['10.0.0.1'], expired: ['c', 'd'] } },
    { name: 'sorted and unique', leases: [lease('z', '10.0.0.9', '2026-12-02T00:00:59Z'), lease('y', '10.0.0.0', '2026-12-02T00:00:59Z'), lease('x', '10.0.0.9', '2026-12-02T00:00:58Z')], want: { addresses: ['10.0.0.0', '10.0.0.1', '10.0.0.9'], expired: [] } },
  ];
  for (const c of cases) assert.deepEqual(liveApiservers(c.leases, '10.0.0.1', now), c.want, c.name);
});

test('endpointAddresses: self plus peers of the same family, sorted and unique', () => {
  assert.deepEqual(endpointAddresses({ address: '10.0.0.2', port: 6443 }), ['10.0.0.2']);
  assert.deepEqual(endpointAddresses({ address: '10.0.0.2', port: 6443, peers: ['10.0.0.1', 'fd00::1', '10.0.0.2'] }), ['10.0.0.1', '10.0.0.2']);
});
