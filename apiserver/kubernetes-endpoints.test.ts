import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoints } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import { apiEndpoint, decideEndpoints, decideEndpointSlice, type ApiEndpoint } from './kubernetes-endpoints.ts';

const ep: ApiEndpoint = { address: '192.168.1.5', port: 6443 };
const stored = { name: 'kubernetes', namespace: 'default', uid: 'u-1', resourceVersion: '42', creationTimestamp: '2026-01-01T00:00:00Z' };

/** The Endpoints as the API server writes them for (address, port), as stored (with system metadata). */
const endpoints = (address: string, port: number, over: Partial<Endpoints> = {}): Endpoints => ({
  apiVersion: 'v1', kind: 'Endpoints', metadata: { ...stored, labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
  subsets: [{ addresses: [{ ip: address }], ports: [{ name: 'https', port, protocol: 'TCP' }] }], ...over,
});
/** The EndpointSlice as the API server writes it for (address, port), as stored. */
const slice = (address: string, port: number, over: Partial<EndpointSlice> = {}): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { ...stored, labels: { 'kubernetes.io/service-name': 'kubernetes' } },
  addressType: address.includes(':') ? 'IPv6' : 'IPv4', endpoints: [{ addresses: [address], conditions: { ready: true } }],
  ports: [{ name: 'https', port, protocol: 'TCP' }], ...over,
});

test('apiEndpoint: canonical IPv4/IPv6 text; anything else throws naming the value', () => {
  const ok: Array<[string, number, ApiEndpoint]> = [
    ['10.0.0.1', 6443, { address: '10.0.0.1', port: 6443 }],
    ['2001:db8:0:0::1', 443, { address: '2001:db8::1', port: 443 }],
    ['FD00::A', 1, { address: 'fd00::a', port: 1 }],
  ];
  for (const [a, p, want] of ok) assert.deepEqual(apiEndpoint(a, p), want, a);
  const bad: Array<[string, number, RegExp]> = [
    ['10.1', 6443, /"10\.1" is not an IP address/],
    ['10.0.0.256', 6443, /not an IP address/],
    ['srv1.local', 6443, /not an IP address/],
    ['', 6443, /not an IP address/],
    ['fe80::1%eth0', 6443, /not an IP address/],
    ['10.0.0.1', 0, /port 0 is not in 1\.\.65535/],
    ['10.0.0.1', 65536, /port 65536/],
    ['10.0.0.1', 6443.5, /port 6443\.5/],
  ];
  for (const [a, p, want] of bad) assert.throws(() => apiEndpoint(a, p), want, `${a}:${p}`);
});

test('decideEndpoints: create, nothing, or an update of the stored object back to (address, port)', () => {
  const cases: Array<{ name: string; current: Endpoints | undefined; want: 'none' | 'create' | 'update' }> = [
    { name: 'none stored', current: undefined, want: 'create' },
    { name: 'as written', current: endpoints('192.168.1.5', 6443), want: 'none' },
    { name: 'keys in another order (as read back from JSON) are the same', current: { kind: 'Endpoints', apiVersion: 'v1', subsets: [{ ports: [{ protocol: 'TCP', port: 6443, name: 'https' }], addresses: [{ ip: '192.168.1.5' }] }], metadata: { ...stored, labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } } }, want: 'none' },
    { name: 'address changed since the last start', current: endpoints('192.168.1.9', 6443), want: 'update' },
    { name: 'port changed', current: endpoints('192.168.1.5', 7443), want: 'update' },
    { name: 'a second server address (edited in)', current: endpoints('192.168.1.5', 6443, { subsets: [{ addresses: [{ ip: '192.168.1.5' }, { ip: '192.168.1.6' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }] }), want: 'update' },
    { name: 'moved to notReadyAddresses', current: endpoints('192.168.1.5', 6443, { subsets: [{ notReadyAddresses: [{ ip: '192.168.1.5' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }] }), want: 'update' },
    { name: 'no subsets', current: endpoints('192.168.1.5', 6443, { subsets: undefined }), want: 'update' },
    { name: 'skip-mirror label lost', current: endpoints('192.168.1.5', 6443, { metadata: { ...stored } }), want: 'update' },
    { name: 'a foreign label added', current: endpoints('192.168.1.5', 6443, { metadata: { ...stored, labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true', x: 'y' } } }), want: 'update' },
  ];
  for (const c of cases) {
    const d = decideEndpoints(c.current, ep);
    assert.equal(d.action, c.want, c.name);
    if (d.action === 'none') continue;
    assert.deepEqual(d.object.subsets, [{ addresses: [{ ip: '192.168.1.5' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }], c.name);
    assert.deepEqual(d.object.metadata?.labels, { 'endpointslice.kubernetes.io/skip-mirror': 'true' }, c.name);
    assert.deepEqual([d.object.metadata?.namespace, d.object.metadata?.name], ['default', 'kubernetes'], c.name);
    // An update is a CAS on what was read; a create carries no system metadata.
    assert.equal(d.object.metadata?.resourceVersion, d.action === 'update' ? '42' : undefined, c.name);
    assert.equal(d.object.metadata?.uid, d.action === 'update' ? 'u-1' : undefined, c.name);
  }
  assert.deepEqual(decideEndpoints(undefined, ep), { action: 'create', object: endpoints('192.168.1.5', 6443, { metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } } }) });
  assert.equal(decideEndpoints(endpoints('192.168.1.5', 6443), ep).action, 'none', 'the input is not mutated by deciding');
});

test('decideEndpointSlice: create, nothing, update, or recreate when the address family changes', () => {
  const v6: ApiEndpoint = { address: 'fd00::5', port: 6443 };
  const cases: Array<{ name: string; current: EndpointSlice | undefined; ep?: ApiEndpoint; want: 'none' | 'create' | 'update' | 'recreate' }> = [
    { name: 'none stored', current: undefined, want: 'create' },
    { name: 'as written', current: slice('192.168.1.5', 6443), want: 'none' },
    { name: 'IPv6 as written', current: slice('fd00::5', 6443), ep: v6, want: 'none' },
    { name: 'address changed', current: slice('192.168.1.9', 6443), want: 'update' },
    { name: 'port changed', current: slice('192.168.1.5', 7443), want: 'update' },
    { name: 'not ready', current: slice('192.168.1.5', 6443, { endpoints: [{ addresses: ['192.168.1.5'], conditions: { ready: false } }] }), want: 'update' },
    { name: 'no ports', current: slice('192.168.1.5', 6443, { ports: undefined }), want: 'update' },
    { name: 'claimed by the endpointslice controller (managed-by label)', current: slice('192.168.1.5', 6443, { metadata: { ...stored, labels: { 'kubernetes.io/service-name': 'kubernetes', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' } } }), want: 'update' },
    { name: 'IPv4 slice, IPv6 advertise address: addressType is immutable', current: slice('192.168.1.5', 6443), ep: v6, want: 'recreate' },
  ];
  for (const c of cases) {
    const target = c.ep ?? ep;
    const d = decideEndpointSlice(c.current, target);
    assert.equal(d.action, c.want, c.name);
    if (d.action === 'none') continue;
    assert.equal(d.object.addressType, target.address.includes(':') ? 'IPv6' : 'IPv4', c.name);
    assert.deepEqual(d.object.endpoints, [{ addresses: [target.address], conditions: { ready: true } }], c.name);
    assert.deepEqual(d.object.ports, [{ name: 'https', port: 6443, protocol: 'TCP' }], c.name);
    assert.deepEqual(d.object.metadata?.labels, { 'kubernetes.io/service-name': 'kubernetes' }, c.name);
    assert.equal(d.object.metadata?.resourceVersion, d.action === 'update' ? '42' : undefined, c.name);
  }
});
