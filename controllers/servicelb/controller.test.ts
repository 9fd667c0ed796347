import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event as CoreEvent, Node, Service } from 'kubernetes-types/core/v1';
import { Events, Nodes, Services } from '../../apiserver/client/resources.ts';
import { harness, waitFor, type Harness } from '../testing/harness.ts';
import { createServiceLBController, startServiceLBController } from './controller.ts';

const lb = (name: string, extra: Service['spec'] = {}): Service => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'ns' },
  spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }], ...extra },
});
const ipsOf = async (h: Harness, name: string): Promise<string[]> =>
  ((await h.client.tryGet<Service>(Services, name, 'ns'))?.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '');
const reasons = async (h: Harness): Promise<string[]> => {
  await h.recorder.flush();
  return (await h.client.list<CoreEvent>(Events, { namespace: 'ns' })).items.map((e) => `${e.involvedObject?.name}:${e.reason}`);
};

test('pool mode: allocate, keep across a restart, release on delete, type change and exhaustion', async () => {
  const h = harness();
  h.deps.config = { ...h.deps.config, lbPool: '10.77.0.240-10.77.0.241' };
  const ac = new AbortController();
  startServiceLBController(h.deps, ac.signal);
  await h.start();
  try {
    await h.client.create(Services, lb('a'), 'ns');
    await waitFor('a gets .240', async () => (await ipsOf(h, 'a')).join() === '10.77.0.240');
    await h.client.create(Services, lb('b'), 'ns');
    await waitFor('b gets .241', async () => (await ipsOf(h, 'b')).join() === '10.77.0.241');
    const got = await h.client.get<Service>(Services, 'a', 'ns');
    assert.deepEqual(got.status?.loadBalancer?.ingress, [{ ip: '10.77.0.240', ipMode: 'VIP' }]);
    await h.client.create(Services, lb('c'), 'ns');
    await waitFor('c: AllocationFailed', async () => (await reasons(h)).includes('c:AllocationFailed'));
    assert.deepEqual(await ipsOf(h, 'c'), []);
    // A foreign class is left alone.
    await h.client.create(Services, lb('other', { loadBalancerClass: 'example.com/lb' }), 'ns');
    // Switching a to ClusterIP releases .240, which the waiting c then gets.
    await h.client.patch(Services, 'a', 'merge', { spec: { type: 'ClusterIP' } }, 'ns');
    await waitFor('a cleared', async () => (await ipsOf(h, 'a')).length === 0);
    await waitFor('c gets the freed .240', async () => (await ipsOf(h, 'c')).join() === '10.77.0.240');
    // Deleting b frees .241 for a new Service.
    await h.client.delete(Services, 'b', 'ns');
    await h.client.create(Services, lb('d'), 'ns');
    await waitFor('d gets .241', async () => (await ipsOf(h, 'd')).join() === '10.77.0.241');
    assert.deepEqual(await ipsOf(h, 'other'), []);
    const r = await reasons(h);
    assert.ok(r.includes('a:IPReleased') && r.includes('c:IPAllocated'), r.join(','));
  } finally {
    ac.abort();
    h.stop();
  }
});

test('a restarted controller keeps the allocations it finds in the statuses', async () => {
  const h = harness();
  h.deps.config = { ...h.deps.config, lbPool: '10.77.0.240-10.77.0.250' };
  await h.client.create(Services, lb('x'), 'ns');
  await h.client.create(Services, lb('y'), 'ns');
  // Statuses written by a previous run, not in allocation order.
  for (const [name, ip] of [['x', '10.77.0.245'], ['y', '10.77.0.240']] as const) {
    const s = await h.client.get<Service>(Services, name, 'ns');
    await h.client.updateStatus(Services, { ...s, status: { loadBalancer: { ingress: [{ ip, ipMode: 'VIP' }] } } }, 'ns');
  }
  await h.client.create(Services, lb('z'), 'ns');
  const c = createServiceLBController(h.deps);
  await h.start();
  try {
    h.client.clearActions();
    for (const k of ['ns/x', 'ns/y']) await c.reconcile(k);
    assert.equal(h.client.actions.filter((a) => a.verb === 'update').length, 0, 'nothing rewritten');
    await c.reconcile('ns/z');
    assert.deepEqual(await ipsOf(h, 'z'), ['10.77.0.241']);
    // z's address is remembered as pending until the watch shows it: w never gets .241.
    await h.client.create(Services, lb('w'), 'ns');
    await waitFor('w cached', () => h.deps.informers.for<Service>(Services).get('ns/w') !== undefined);
    await c.reconcile('ns/w');
    assert.deepEqual(await ipsOf(h, 'w'), ['10.77.0.242']);
  } finally {
    h.stop();
  }
});

test('node-IP mode: every Ready node\'s InternalIP, following node readiness', async () => {
  const h = harness();
  const node = (name: string, ip: string, ready: string): Node => ({
    apiVersion: 'v1', kind: 'Node', metadata: { name },
    status: { addresses: [{ type: 'InternalIP', address: ip }], conditions: [{ type: 'Ready', status: ready }] },
  });
  await h.client.create(Nodes, node('n1', '10.77.0.1', 'True'));
  await h.client.create(Nodes, node('n2', '10.77.0.2', 'False'));
  const ac = new AbortController();
  startServiceLBController(h.deps, ac.signal);
  await h.start();
  try {
    await h.client.create(Services, lb('web'), 'ns');
    await waitFor('web on n1', async () => (await ipsOf(h, 'web')).join() === '10.77.0.1');
    const n2 = await h.client.get<Node>(Nodes, 'n2');
    await h.client.updateStatus(Nodes, { ...n2, status: { ...n2.status, conditions: [{ type: 'Ready', status: 'True' }] } });
    await waitFor('web on n1 and n2', async () => (await ipsOf(h, 'web')).join() === '10.77.0.1,10.77.0.2');
    // Same creation second: the name breaks the tie, so 'web' stays the older one.
    await h.client.create(Services, lb('web2'), 'ns');
    await waitFor('web2: PortInUse', async () => (await reasons(h)).includes('web2:PortInUse'));
    assert.deepEqual(await ipsOf(h, 'web2'), []);
    assert.deepEqual(await ipsOf(h, 'web'), ['10.77.0.1', '10.77.0.2']);
    // web moves to another port: web2 is unblocked.
    await h.client.patch(Services, 'web', 'merge', { spec: { ports: [{ port: 81, protocol: 'TCP' }] } }, 'ns');
    await waitFor('web2 on n1 and n2', async () => (await ipsOf(h, 'web2')).join() === '10.77.0.1,10.77.0.2');
  } finally {
    ac.abort();
    h.stop();
  }
});
