import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from 'kubernetes-types/core/v1';
import { canonicalIPv4CIDR, decideRoutes, ROUTE_PROTO, type Route, type RoutePlan } from './decide.ts';

function node(name: string, podCIDR?: string, ip?: string): Node {
  return {
    metadata: { name },
    spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {},
    status: { addresses: [{ type: 'Hostname', address: name }, ...(ip ? [{ type: 'InternalIP', address: ip }] : [])] },
  };
}
const ours = (dst: string, via: string): Route => ({ dst, via, proto: ROUTE_PROTO });
const none: RoutePlan = { replace: [], remove: [], skipped: [] };

describe('canonicalIPv4CIDR', () => {
  it('normalizes IPv4 and rejects the rest', () => {
    assert.equal(canonicalIPv4CIDR('10.244.1.7/24'), '10.244.1.0/24');
    assert.equal(canonicalIPv4CIDR('10.244.1.7'), '10.244.1.7/32');
    assert.equal(canonicalIPv4CIDR('0.0.0.0/0'), '0.0.0.0/0');
    for (const bad of ['fd00::/64', '10.0.0.0/33', '10.0.0.256/24', '10.0.0.0/8/1', 'default']) assert.equal(canonicalIPv4CIDR(bad), undefined, bad);
  });
});

describe('decideRoutes', () => {
  const me = node('n1', '10.244.0.0/24', '10.77.0.1');
  const n2 = node('n2', '10.244.1.0/24', '10.77.0.2');
  const n3 = node('n3', '10.244.2.0/24', '10.77.0.3');
  const cases: Array<{ name: string; nodes: Node[]; current: Route[]; want: RoutePlan }> = [
    { name: 'single node: nothing to route', nodes: [me], current: [], want: none },
    {
      name: 'every other node gets <podCIDR> via <InternalIP>, never my own',
      nodes: [me, n3, n2], current: [],
      want: { ...none, replace: [{ dst: '10.244.1.0/24', via: '10.77.0.2', node: 'n2' }, { dst: '10.244.2.0/24', via: '10.77.0.3', node: 'n3' }] },
    },
    { name: 'converged table: empty plan', nodes: [me, n2], current: [ours('10.244.1.0/24', '10.77.0.2')], want: none },
    {
      name: 'node IP changed: replace',
      nodes: [me, node('n2', '10.244.1.0/24', '10.77.0.9')], current: [ours('10.244.1.0/24', '10.77.0.2')],
      want: { ...none, replace: [{ dst: '10.244.1.0/24', via: '10.77.0.9', node: 'n2' }] },
    },
    {
      name: 'node deleted: its route is removed',
      nodes: [me], current: [ours('10.244.1.0/24', '10.77.0.2'), ours('10.244.9.7/32', '10.77.0.5')],
      want: { ...none, remove: [{ dst: '10.244.1.0/24' }, { dst: '10.244.9.7/32' }] },
    },
    {
      name: 'routes of other protocols are never touched, and a taken dst is skipped',
      nodes: [me, n2],
      current: [
        { dst: '10.244.1.0/24', via: '10.77.0.50', proto: 4 },
        { dst: '10.244.0.0/16', proto: 3 },
        { dst: '10.244.0.0/24', proto: 2 },
        { dst: '10.244.5.0/24', via: '10.77.0.5', proto: 4 },
      ],
      want: { ...none, skipped: [{ node: 'n2', reason: '10.244.1.0/24 is already routed by proto 4 via 10.77.0.50; not taking it over' }] },
    },
    {
      name: 'my own podCIDR held as ours (e.g. after a rename) is removed',
      nodes: [me], current: [ours('10.244.0.0/24', '10.77.0.2')],
      want: { ...none, remove: [{ dst: '10.244.0.0/24' }] },
    },
    {
      name: 'nodes without podCIDR or InternalIP are skipped with a reason',
      nodes: [me, node('a', undefined, '10.77.0.4'), node('b', '10.244.3.0/24'), node('c', 'fd00:1::/64', '10.77.0.6')],
      current: [],
      want: { ...none, skipped: [{ node: 'a', reason: 'no IPv4 podCIDR yet' }, { node: 'b', reason: 'no IPv4 InternalIP address' }, { node: 'c', reason: 'no IPv4 podCIDR yet' }] },
    },
    {
      name: 'a podCIDR claimed twice is routed to nobody',
      nodes: [me, n2, node('n4', '10.244.1.0/24', '10.77.0.4'), node('n5', '10.244.0.0/24', '10.77.0.5')],
      current: [ours('10.244.1.0/24', '10.77.0.2')],
      want: {
        replace: [], remove: [{ dst: '10.244.1.0/24' }],
        skipped: [
          { node: 'n4', reason: 'podCIDR 10.244.1.0/24 is claimed by nodes n2, n4' },
          { node: 'n5', reason: 'podCIDR 10.244.0.0/24 is claimed by nodes n1, n5' },
        ],
      },
    },
    {
      name: 'spec.podCIDR alone (no podCIDRs) and a non-canonical one work',
      nodes: [me, { metadata: { name: 'old' }, spec: { podCIDR: '10.244.7.9/24' }, status: { addresses: [{ type: 'InternalIP', address: '10.77.0.7' }] } }],
      current: [],
      want: { ...none, replace: [{ dst: '10.244.7.0/24', via: '10.77.0.7', node: 'old' }] },
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(decideRoutes('n1', c.nodes, c.current), c.want));
  }
});
