import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from 'kubernetes-types/core/v1';
import type { Ingress, IngressLoadBalancerIngress } from 'kubernetes-types/networking/v1';
import { decideStatusWrites, nodeAddresses, rememberStatuses } from './status.ts';

const node = (name: string, ip: string, ready = 'True'): Node => ({
  apiVersion: 'v1', kind: 'Node', metadata: { name },
  status: { conditions: [{ type: 'Ready', status: ready }], addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }] },
});
const ing = (name: string, ips: string[]): Ingress => ({
  apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, namespace: 'shop', uid: `uid-${name}` },
  spec: {}, status: { loadBalancer: ips.length > 0 ? { ingress: ips.map((ip) => ({ ip })) } : {} },
});
const names = (ws: ReturnType<typeof decideStatusWrites>): Array<[string, string[]]> => ws.map((w) => [w.ingress.metadata?.name ?? '', w.want.map((x) => x.ip ?? '')]);

test('node addresses: Ready nodes InternalIPs, sorted, de-duplicated', () => {
  assert.deepEqual(nodeAddresses([node('b', '192.168.100.3'), node('a', '192.168.100.2'), node('c', '192.168.100.4', 'False'), node('d', '192.168.100.2')]), ['192.168.100.2', '192.168.100.3']);
  assert.deepEqual(nodeAddresses([]), []);
});

test('status writes: served Ingresses get the node IPs once, unserved ones are cleared only when we put that status there', () => {
  const ips = ['192.168.100.2', '192.168.100.3'];
  const served = new Set(['shop/new', 'shop/done', 'shop/stale']);
  const seen = new Map<string, IngressLoadBalancerIngress[]>();
  const all = [ing('new', []), ing('done', ips), ing('stale', ['192.168.100.2']), ing('foreign', ['10.1.1.1'])];
  assert.deepEqual(names(decideStatusWrites(all, served, ips, seen)), [['new', ips], ['stale', ips]]);
  // After the writes land every served one is remembered; nothing more to write (no loop).
  const landed = [ing('new', ips), ing('done', ips), ing('stale', ips), ing('foreign', ['10.1.1.1'])];
  rememberStatuses(landed, served, ips, seen);
  assert.deepEqual(decideStatusWrites(landed, served, ips, seen), []);
  assert.deepEqual([...seen.keys()].sort(), ['uid-done', 'uid-new', 'uid-stale']);
  // 'new' changes class: cleared once; 'stale' was taken over by another controller meanwhile: left alone.
  const moved = [ing('new', ips), ing('done', ips), ing('stale', ['10.2.2.2']), ing('foreign', ['10.1.1.1'])];
  const nowServed = new Set(['shop/done']);
  rememberStatuses(moved, nowServed, ips, seen);
  assert.deepEqual(names(decideStatusWrites(moved, nowServed, ips, seen)), [['new', []]]);
  const cleared = [ing('new', []), ing('done', ips), ing('stale', ['10.2.2.2']), ing('foreign', ['10.1.1.1'])];
  rememberStatuses(cleared, nowServed, ips, seen);
  assert.deepEqual(decideStatusWrites(cleared, nowServed, ips, seen), []);
  assert.deepEqual([...seen.keys()], ['uid-done']);
  // A new node changes what every served Ingress lists.
  assert.deepEqual(names(decideStatusWrites(cleared, nowServed, [...ips, '192.168.100.4'], seen)), [['done', [...ips, '192.168.100.4']]]);
});
