import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, NodeAddress } from 'kubernetes-types/core/v1';
import { allowFromNode, dependsOnNodeIPs, firewallSources, nodeIPv4s } from './allow-from-node.ts';

test('firewallSources: the ranges, then the VIPs as /32s when a range contains a node IP (kube-proxy allowFromNode)', () => {
  const cases: Array<{ name: string; ranges: string[]; nodeIPs: string[]; vips: string[]; want: string[]; allow?: boolean }> = [
    { name: 'no ranges: no firewall', ranges: [], nodeIPs: ['10.0.0.5'], vips: ['192.0.2.9'], want: [] },
    { name: 'no range holds the node', ranges: ['172.16.0.0/12'], nodeIPs: ['10.0.0.5'], vips: ['192.0.2.9'], want: ['172.16.0.0/12'] },
    { name: 'a range holds the node', ranges: ['10.0.0.0/8'], nodeIPs: ['10.0.0.5'], vips: ['192.0.2.9'], want: ['10.0.0.0/8', '192.0.2.9/32'] },
    { name: 'the node as a /32', ranges: ['172.16.0.0/12', '10.0.0.5/32'], nodeIPs: ['10.0.0.5'], vips: ['192.0.2.9'], want: ['172.16.0.0/12', '10.0.0.5/32', '192.0.2.9/32'] },
    { name: 'any of the node IPs counts', ranges: ['203.0.113.0/24'], nodeIPs: ['10.0.0.5', '203.0.113.7'], vips: ['192.0.2.9'], want: ['203.0.113.0/24', '192.0.2.9/32'] },
    { name: 'every VIP, in order', ranges: ['10.0.0.0/8'], nodeIPs: ['10.0.0.5'], vips: ['192.0.2.9', '192.0.2.10'], want: ['10.0.0.0/8', '192.0.2.9/32', '192.0.2.10/32'] },
    { name: 'no node IPs known', ranges: ['10.0.0.0/8'], nodeIPs: [], vips: ['192.0.2.9'], want: ['10.0.0.0/8'] },
    { name: 'no VIPs', ranges: ['10.0.0.0/8'], nodeIPs: ['10.0.0.5'], vips: [], want: ['10.0.0.0/8'], allow: true },
    { name: 'a range holding only the VIP is not the exception', ranges: ['192.0.2.0/24'], nodeIPs: ['10.0.0.5'], vips: ['192.0.2.9'], want: ['192.0.2.0/24'] },
    { name: 'just outside the range', ranges: ['10.0.0.0/30'], nodeIPs: ['10.0.0.4'], vips: ['192.0.2.9'], want: ['10.0.0.0/30'] },
  ];
  for (const c of cases) {
    assert.deepEqual(firewallSources(c.ranges, c.nodeIPs, c.vips), c.want, c.name);
    // allowFromNode exactly when VIPs were added (or, with no VIPs to add, when the case says so).
    assert.equal(allowFromNode(c.ranges, c.nodeIPs), c.allow ?? c.want.length > c.ranges.length, `${c.name}: allowFromNode`);
  }
  assert.equal(allowFromNode(['nope', '10.0.0.0/8'], ['10.1.1.1']), true, 'an unparsable range is skipped, not fatal');
});

test('nodeIPv4s: InternalIP and ExternalIP IPv4 addresses of the Node, sorted, deduplicated', () => {
  const node = (addresses: NodeAddress[]): Node => ({ metadata: { name: 'n1' }, status: { addresses } });
  const cases: Array<{ name: string; node: Node | undefined; want: string[] }> = [
    { name: 'no node', node: undefined, want: [] },
    { name: 'no status', node: { metadata: { name: 'n1' } }, want: [] },
    { name: 'internal only', node: node([{ type: 'InternalIP', address: '10.0.0.5' }, { type: 'Hostname', address: 'n1' }]), want: ['10.0.0.5'] },
    {
      name: 'internal and external, numeric order, duplicates once',
      node: node([{ type: 'ExternalIP', address: '203.0.113.7' }, { type: 'InternalIP', address: '10.0.0.10' }, { type: 'InternalIP', address: '10.0.0.9' }, { type: 'ExternalIP', address: '10.0.0.9' }]),
      want: ['10.0.0.9', '10.0.0.10', '203.0.113.7'],
    },
    { name: 'IPv6, DNS names and garbage skipped', node: node([{ type: 'InternalIP', address: 'fd00::5' }, { type: 'InternalDNS', address: '10.0.0.1' }, { type: 'InternalIP', address: '10.0.0.300' }]), want: [] },
  ];
  for (const c of cases) assert.deepEqual(nodeIPv4s(c.node), c.want, c.name);
});

test('dependsOnNodeIPs: only a port with both source ranges and load-balancer IPs', () => {
  assert.equal(dependsOnNodeIPs({ sourceRanges: ['10.0.0.0/8'], loadBalancerIPs: ['192.0.2.9'] }), true);
  assert.equal(dependsOnNodeIPs({ sourceRanges: [], loadBalancerIPs: ['192.0.2.9'] }), false);
  assert.equal(dependsOnNodeIPs({ sourceRanges: ['10.0.0.0/8'], loadBalancerIPs: [] }), false);
});
