import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Service, ServiceSpec } from 'kubernetes-types/core/v1';
import { decideLoadBalancer, EXCLUDE_LB_LABEL, sameIngress, type LBContext, type LBDecision } from './decide.ts';
import { parseLBPool, type LBPool } from './pool.ts';

function pool(text: string): LBPool {
  const p = parseLBPool(text);
  if ('error' in p) throw new Error(p.error);
  return p;
}

const POOL = pool('10.77.0.240-10.77.0.242');

function svc(name: string, spec: ServiceSpec, ips: string[] = [], created = '2026-01-01T00:00:00Z'): Service {
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name, namespace: 'ns', creationTimestamp: created },
    spec: { ports: [{ port: 80, protocol: 'TCP' }], ...spec },
    status: { loadBalancer: ips.length > 0 ? { ingress: ips.map((ip) => ({ ip, ipMode: 'VIP' })) } : {} },
  };
}
const lb = (name: string, ips: string[] = [], extra: ServiceSpec = {}, created?: string): Service => svc(name, { type: 'LoadBalancer', ...extra }, ips, created);

function node(name: string, ip: string, ready = 'True', labels?: Record<string, string>): Node {
  return {
    metadata: { name, ...(labels ? { labels } : {}) },
    status: { addresses: [{ type: 'InternalIP', address: ip }], conditions: [{ type: 'Ready', status: ready }] },
  };
}

const ok = (...ips: string[]): LBDecision => ({ kind: 'ingress', ingress: ips.map((ip) => ({ ip, ipMode: 'VIP' })) });
const failed = (reason: string, message: RegExp): { reason: string; message: RegExp } => ({ reason, message });

test('decideLoadBalancer with a pool: allocation, stability, requests, conflicts, exhaustion', () => {
  const cases: Array<{ name: string; svc: Service; others?: Service[]; nodes?: Node[]; pending?: Array<[string, string]>; want: LBDecision | { reason: string; message: RegExp } }> = [
    { name: 'new Service: lowest free address', svc: lb('a'), want: ok('10.77.0.240') },
    { name: 'a pool overlapping a node address skips it', svc: lb('a'), nodes: [node('n1', '10.77.0.240')], want: ok('10.77.0.241') },
    { name: 'a node address is never kept', svc: lb('a', ['10.77.0.240']), nodes: [node('n1', '10.77.0.240')], want: ok('10.77.0.241') },
    { name: 'spec.loadBalancerIP on a node address', svc: lb('a', [], { loadBalancerIP: '10.77.0.240' }), nodes: [node('n1', '10.77.0.240')], want: failed('AllocationFailed', /is a node's address/) },
    { name: 'addresses shown by other Services are skipped', svc: lb('b'), others: [lb('a', ['10.77.0.240'])], want: ok('10.77.0.241') },
    { name: 'a restarted controller keeps the current address (level based)', svc: lb('b', ['10.77.0.242']), others: [lb('a', ['10.77.0.240'])], want: ok('10.77.0.242') },
    { name: 'our own write the cache does not show yet is kept', svc: lb('a'), pending: [['ns/a', '10.77.0.241']], want: ok('10.77.0.241') },
    { name: 'another Service\'s pending address is not handed out', svc: lb('b'), pending: [['ns/a', '10.77.0.240']], want: ok('10.77.0.241') },
    { name: 'spec.loadBalancerIP in the pool and free', svc: lb('a', [], { loadBalancerIP: '10.77.0.242' }), want: ok('10.77.0.242') },
    { name: 'spec.loadBalancerIP wins over the current address', svc: lb('a', ['10.77.0.240'], { loadBalancerIP: '10.77.0.242' }), want: ok('10.77.0.242') },
    { name: 'spec.loadBalancerIP outside the pool', svc: lb('a', [], { loadBalancerIP: '192.0.2.9' }), want: failed('AllocationFailed', /192\.0\.2\.9 is not in the pool 10\.77\.0\.240-10\.77\.0\.242/) },
    { name: 'spec.loadBalancerIP taken', svc: lb('b', [], { loadBalancerIP: '10.77.0.240' }), others: [lb('a', ['10.77.0.240'])], want: failed('AllocationFailed', /already used by ns\/a/) },
    { name: 'pool exhausted: no address and a Warning', svc: lb('d'), others: [lb('a', ['10.77.0.240']), lb('b', ['10.77.0.241']), lb('c', ['10.77.0.242'])], want: failed('AllocationFailed', /no available IPs in the pool .*3 addresses/) },
    { name: 'an address that left the pool is replaced', svc: lb('a', ['10.77.0.99']), want: ok('10.77.0.240') },
    {
      name: 'two Services showing one address: the older keeps it', svc: lb('new', ['10.77.0.240'], {}, '2026-02-01T00:00:00Z'),
      others: [lb('old', ['10.77.0.240'], {}, '2026-01-01T00:00:00Z')], want: ok('10.77.0.241'),
    },
    {
      name: '... and the older one is not moved', svc: lb('old', ['10.77.0.240'], {}, '2026-01-01T00:00:00Z'),
      others: [lb('new', ['10.77.0.240'], {}, '2026-02-01T00:00:00Z')], want: ok('10.77.0.240'),
    },
    { name: 'an address a foreign-class Service still shows is not reused', svc: lb('b'), others: [lb('a', ['10.77.0.240'], { loadBalancerClass: 'example.com/other' })], want: ok('10.77.0.241') },
    { name: 'a deleted Service frees its address (it is no longer in the cache)', svc: lb('b'), others: [], want: ok('10.77.0.240') },
    { name: 'type ClusterIP: the ingress is cleared', svc: svc('a', { type: 'ClusterIP' }, ['10.77.0.240']), want: ok() },
    { name: 'type NodePort: the ingress is cleared', svc: svc('a', { type: 'NodePort' }, ['10.77.0.240']), want: ok() },
    { name: 'loadBalancerClass set: not ours', svc: lb('a', ['10.77.0.240'], { loadBalancerClass: 'example.com/other' }), want: { kind: 'ignore' } },
    { name: 'being deleted: nothing to write', svc: { ...lb('a', ['10.77.0.240']), metadata: { name: 'a', namespace: 'ns', deletionTimestamp: '2026-01-02T00:00:00Z' } }, want: { kind: 'ignore' } },
  ];
  for (const c of cases) {
    const ctx: LBContext = { pool: POOL, nodes: c.nodes ?? [], services: [c.svc, ...(c.others ?? [])], pending: new Map(c.pending ?? []) };
    const got = decideLoadBalancer(c.svc, ctx);
    if ('reason' in c.want) {
      assert.equal(got.kind, 'ingress', c.name);
      assert.ok(got.kind === 'ingress');
      assert.deepEqual(got.ingress, [], c.name);
      assert.equal(got.event?.type, 'Warning', c.name);
      assert.equal(got.event?.reason, c.want.reason, c.name);
      assert.match(got.event?.message ?? '', c.want.message, c.name);
    } else {
      assert.deepEqual(got, c.want, c.name);
    }
  }
});

test('decideLoadBalancer without a pool: every Ready node\'s InternalIP on the Service port', () => {
  const nodes = [node('n2', '10.77.0.2'), node('n1', '10.77.0.10'), node('n3', '10.77.0.3', 'False'), node('n4', '10.77.0.4', 'True', { [EXCLUDE_LB_LABEL]: '' }), node('n5', '10.77.0.5', 'Unknown')];
  const cases: Array<{ name: string; svc: Service; others?: Service[]; nodes?: Node[]; want: LBDecision | { reason: string; message: RegExp } }> = [
    { name: 'Ready, not excluded nodes, in address order', svc: lb('a'), want: ok('10.77.0.2', '10.77.0.10') },
    { name: 'a second Service on another port also gets them', svc: lb('b', [], { ports: [{ port: 443, protocol: 'TCP' }] }), others: [lb('a')], want: ok('10.77.0.2', '10.77.0.10') },
    { name: 'the same port on UDP is no clash', svc: lb('b', [], { ports: [{ port: 80, protocol: 'UDP' }] }), others: [lb('a')], want: ok('10.77.0.2', '10.77.0.10') },
    {
      name: 'a port an older LoadBalancer Service exposes: none, and a Warning', svc: lb('b', [], {}, '2026-02-01T00:00:00Z'), others: [lb('a', [], {}, '2026-01-01T00:00:00Z')],
      want: failed('PortInUse', /port 80\/TCP is already exposed on every node by LoadBalancer Service ns\/a/),
    },
    { name: 'the older one of the two keeps the port', svc: lb('a', [], {}, '2026-01-01T00:00:00Z'), others: [lb('b', [], {}, '2026-02-01T00:00:00Z')], want: ok('10.77.0.2', '10.77.0.10') },
    { name: 'a ClusterIP Service on the same port is no clash', svc: lb('b', [], {}, '2026-02-01T00:00:00Z'), others: [svc('a', { type: 'ClusterIP' })], want: ok('10.77.0.2', '10.77.0.10') },
    { name: 'no Ready node', svc: lb('a'), nodes: [node('n3', '10.77.0.3', 'False')], want: failed('NoNodes', /no Ready node/) },
    { name: 'type change away from LoadBalancer clears the node IPs', svc: svc('a', { type: 'ClusterIP' }, ['10.77.0.2', '10.77.0.10']), want: ok() },
  ];
  for (const c of cases) {
    const got = decideLoadBalancer(c.svc, { nodes: c.nodes ?? nodes, services: [c.svc, ...(c.others ?? [])] });
    if ('reason' in c.want) {
      assert.ok(got.kind === 'ingress', c.name);
      assert.deepEqual(got.ingress, [], c.name);
      assert.equal(got.event?.reason, c.want.reason, c.name);
      assert.match(got.event?.message ?? '', c.want.message, c.name);
    } else {
      assert.deepEqual(got, c.want, c.name);
    }
  }
});

test('sameIngress compares ip, hostname and ipMode in order', () => {
  assert.equal(sameIngress([{ ip: '1.1.1.1', ipMode: 'VIP' }], [{ ip: '1.1.1.1', ipMode: 'VIP' }]), true);
  assert.equal(sameIngress([{ ip: '1.1.1.1' }], [{ ip: '1.1.1.1', ipMode: 'VIP' }]), false);
  assert.equal(sameIngress([{ ip: '1.1.1.1' }, { ip: '2.2.2.2' }], [{ ip: '2.2.2.2' }, { ip: '1.1.1.1' }]), false);
  assert.equal(sameIngress([], []), true);
});
