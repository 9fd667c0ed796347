/** The kube-dns controller: the wanted slice (table), and the controller over the fake client. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import { EndpointSlices, Nodes, Services } from '../../apiserver/client/resources.ts';
import { kubeDNSService } from '../../apiserver/kube-dns.ts';
import { harness, waitFor } from '../testing/harness.ts';
import { startKubeDNSController } from './controller.ts';
import { desiredKubeDNSSlice, sliceUpToDate } from './decide.ts';

const node = (name: string, ip: string | undefined, ready = true): Node => ({
  apiVersion: 'v1', kind: 'Node', metadata: { name, uid: `uid-${name}` },
  status: {
    addresses: ip ? [{ type: 'Hostname', address: name }, { type: 'InternalIP', address: ip }] : [{ type: 'Hostname', address: name }],
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
  },
});
const svc: Service = { ...kubeDNSService('10.96.0.0/12'), metadata: { ...kubeDNSService('10.96.0.0/12').metadata, uid: 'svc-uid' } };

test('desiredKubeDNSSlice: one endpoint per node with an InternalIP, sorted, ready even on a NotReady node, ports at the targetPort', () => {
  const s = desiredKubeDNSSlice(svc, [node('n2', '192.168.1.12', false), node('n1', '192.168.1.11'), node('n3', undefined)]);
  assert.deepEqual(s?.metadata?.labels, { 'kubernetes.io/service-name': 'kube-dns', 'endpointslice.kubernetes.io/managed-by': 'kube-dns-controller.skiff.dev' });
  assert.deepEqual(s?.metadata?.ownerReferences, [{ apiVersion: 'v1', kind: 'Service', name: 'kube-dns', uid: 'svc-uid', controller: true, blockOwnerDeletion: true }]);
  assert.deepEqual(s?.endpoints, [
    { addresses: ['192.168.1.11'], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'n1', targetRef: { kind: 'Node', name: 'n1', uid: 'uid-n1' } },
    { addresses: ['192.168.1.12'], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'n2', targetRef: { kind: 'Node', name: 'n2', uid: 'uid-n2' } },
  ]);
  assert.deepEqual(s?.ports, [{ name: 'dns', protocol: 'UDP', port: 10053 }, { name: 'dns-tcp', protocol: 'TCP', port: 10053 }]);
  assert.ok(s && sliceUpToDate(s, desiredKubeDNSSlice(svc, [node('n1', '192.168.1.11'), node('n2', '192.168.1.12', true)])!), 'a Ready change rewrites nothing');
  const deleting = { ...node('n1', '192.168.1.11'), metadata: { name: 'n1', deletionTimestamp: '2026-01-01T00:00:00Z' } };
  assert.deepEqual(desiredKubeDNSSlice(svc, [deleting])?.endpoints, []);
  assert.ok(s && !sliceUpToDate(s, desiredKubeDNSSlice(svc, [node('n1', '192.168.1.11')])!));
  assert.equal(desiredKubeDNSSlice({ ...svc, spec: { ports: [{ port: 53, targetPort: 'dns' }] } }, []), undefined);
});

test('the controller writes the slice when the Service exists and follows the Nodes', async () => {
  const h = harness();
  await h.client.create(Nodes, node('n1', '192.168.1.11'));
  const ac = new AbortController();
  startKubeDNSController(h.deps, ac.signal);
  await h.start();
  const ips = async (): Promise<string[] | undefined> => {
    const s = await h.client.tryGet<EndpointSlice>(EndpointSlices, 'kube-dns-nodes', 'kube-system');
    return s?.endpoints.map((e) => e.addresses[0] ?? '');
  };
  try {
    await h.client.create(Services, kubeDNSService('10.96.0.0/12'), 'kube-system');
    await waitFor('the slice with n1', async () => (await ips())?.join() === '192.168.1.11');
    await h.client.create(Nodes, node('n2', '192.168.1.12'));
    await waitFor('the slice with n1 and n2', async () => (await ips())?.join() === '192.168.1.11,192.168.1.12');
    await h.client.delete(Nodes, 'n1');
    await waitFor('the slice with n2 only', async () => (await ips())?.join() === '192.168.1.12');
  } finally {
    ac.abort();
    h.stop();
  }
});
