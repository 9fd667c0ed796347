/** Where the node's DNS server binds and whom it counts as a node: both from the kube-dns EndpointSlice. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import { kubeDNSEndpointOf, kubeDNSNodeIPs, nodeInternalIP } from './run.ts';

const slice = (ns: string, svc: string, eps: Array<[string, string]>): EndpointSlice => ({
  addressType: 'IPv4', metadata: { namespace: ns, name: `${svc}-x`, labels: { 'kubernetes.io/service-name': svc } },
  endpoints: eps.map(([node, ip]) => ({ addresses: [ip], nodeName: node })),
});

test('kubeDNSEndpointOf: this node\'s address in kube-system/kube-dns only', () => {
  const slices = [slice('default', 'kube-dns', [['n1', '10.0.0.99']]), slice('kube-system', 'other', [['n1', '10.0.0.98']]), slice('kube-system', 'kube-dns', [['n1', '192.168.1.11'], ['n2', '192.168.1.12']])];
  assert.equal(kubeDNSEndpointOf(slices, 'n2'), '192.168.1.12');
  assert.equal(kubeDNSEndpointOf(slices, 'n1'), '192.168.1.11');
  assert.equal(kubeDNSEndpointOf(slices, 'n3'), undefined);
  assert.deepEqual(kubeDNSNodeIPs(slices), ['192.168.1.11', '192.168.1.12']);
});

test('nodeInternalIP reads the InternalIP address', () => {
  assert.equal(nodeInternalIP({ status: { addresses: [{ type: 'Hostname', address: 'n1' }, { type: 'InternalIP', address: '192.168.1.11' }] } }), '192.168.1.11');
  assert.equal(nodeInternalIP(undefined), undefined);
});
