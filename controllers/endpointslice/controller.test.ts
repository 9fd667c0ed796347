import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoints, Pod, Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import { Endpoints as EndpointsRef, EndpointSlices, Pods, Services } from '../../apiserver/client/resources.ts';
import { bootstrap } from '../../apiserver/bootstrap.ts';
import { harness, quietLogger, waitFor } from '../testing/harness.ts';
import { createEndpointSliceController, startEndpointSliceController } from './controller.ts';
import { pod, service } from './fixtures.test-util.ts';

type H = ReturnType<typeof harness>;
const slicesOf = async (h: H, svc: string): Promise<EndpointSlice[]> =>
  (await h.client.list<EndpointSlice>(EndpointSlices, { namespace: 'default', labelSelector: `kubernetes.io/service-name=${svc}` })).items;
const sliceIPs = (slices: EndpointSlice[]): string[] =>
  slices.flatMap((s) => (s.endpoints ?? []).filter((e) => e.conditions?.ready).map((e) => e.addresses[0] ?? '')).sort();
const endpointsIPs = async (h: H, svc: string): Promise<string[] | undefined> => {
  const ep = await h.client.tryGet<Endpoints>(EndpointsRef, svc, 'default');
  return ep && (ep.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip)).sort();
};

/** Creates a pod as a client does (the server resets status on create), then writes its status as the kubelet would. */
async function createPod(h: H, p: Pod): Promise<Pod> {
  const created = await h.client.create<Pod>(Pods, p, p.metadata?.namespace);
  return h.client.updateStatus<Pod>(Pods, { ...created, status: p.status });
}
/** Creates a service with a ClusterIP allocated by the server. */
const createService = (h: H, svc: Service): Promise<Service> =>
  h.client.create<Service>(Services, { ...svc, spec: { ...svc.spec, clusterIP: undefined } }, svc.metadata?.namespace);

test('slices and Endpoints follow pods and services end to end (FakeClient)', async () => {
  const h = harness();
  const svc = await createService(h, service('web', [{ name: 'http', port: 80, targetPort: 'web' }]));
  const webPod = (name: string, ip: string, o: Parameters<typeof pod>[3] = {}): Pod => pod(name, 'web', ip, { ports: [{ name: 'web', containerPort: 8080 }], ...o });
  const web1 = await createPod(h, webPod('web-1', '10.244.0.5'));
  await createPod(h, webPod('web-2', '')); // not yet running: no IP
  await createPod(h, pod('other', 'api', '10.244.0.9'));
  const ac = new AbortController();
  startEndpointSliceController(h.deps, ac.signal, { maxEndpointsPerSlice: 2 });
  await h.start();
  try {
    await waitFor('first slice', async () => sliceIPs(await slicesOf(h, 'web')).length === 1);
    const [first] = await slicesOf(h, 'web');
    assert.match(first?.metadata?.name ?? '', /^web-/);
    assert.deepEqual(first?.metadata?.ownerReferences?.map((r) => [r.kind, r.name, r.uid, r.controller]), [['Service', 'web', svc.metadata?.uid, true]]);
    assert.equal(first?.metadata?.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
    assert.deepEqual(first?.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
    assert.deepEqual(first?.endpoints?.[0]?.targetRef, { kind: 'Pod', namespace: 'default', name: 'web-1', uid: web1.metadata?.uid });
    await waitFor('Endpoints', async () => JSON.stringify(await endpointsIPs(h, 'web')) === '["10.244.0.5"]');

    // web-2 gets an IP; a third pod overflows the 2-per-slice limit into a second slice.
    await h.client.patch(Pods, 'web-2', 'merge', { status: { podIP: '10.244.0.6' } }, 'default', 'status');
    await createPod(h, webPod('web-3', '10.244.0.7'));
    await waitFor('3 endpoints', async () => sliceIPs(await slicesOf(h, 'web')).length === 3);
    const all = await slicesOf(h, 'web');
    assert.equal(all.length, 2);
    assert.deepEqual(sliceIPs(all), ['10.244.0.5', '10.244.0.6', '10.244.0.7']);
    await waitFor('Endpoints 3', async () => (await endpointsIPs(h, 'web'))?.length === 3);

    // Steady state: nothing more is written.
    await new Promise((r) => setTimeout(r, 150));
    h.client.clearActions();
    await new Promise((r) => setTimeout(r, 150));
    assert.deepEqual(h.client.actions.filter((a) => a.verb !== 'get' && a.verb !== 'list' && a.verb !== 'watch'), []);

    // A terminating pod becomes not ready and leaves the Endpoints.
    // A bound pod is deleted gracefully: it gets a deletionTimestamp and stays until the kubelet is done.
    await h.client.delete(Pods, 'web-1', 'default');
    assert.ok((await h.client.get<Pod>(Pods, 'web-1', 'default')).metadata?.deletionTimestamp);
    await waitFor('web-1 terminating', async () => {
      const eps = (await slicesOf(h, 'web')).flatMap((s) => s.endpoints ?? []);
      const e = eps.find((x) => x.addresses[0] === '10.244.0.5');
      return e?.conditions?.ready === false && e.conditions.terminating === true;
    });
    await waitFor('Endpoints without web-1', async () => JSON.stringify(await endpointsIPs(h, 'web')) === '["10.244.0.6","10.244.0.7"]');

    // Deleting the service removes its slices and Endpoints.
    await h.client.delete(Services, 'web', 'default');
    await waitFor('slices gone', async () => (await slicesOf(h, 'web')).length === 0);
    await waitFor('Endpoints gone', async () => (await endpointsIPs(h, 'web')) === undefined);
  } finally {
    ac.abort();
    h.stop();
  }
});

test('selectorless service: no slices, user Endpoints left alone; pods of other namespaces ignored', async () => {
  const h = harness({ namespaces: ['other'] });
  await createService(h, service('manual', [{ port: 80 }], { selector: null }));
  await h.client.create(EndpointsRef, { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'manual', namespace: 'default' }, subsets: [{ addresses: [{ ip: '192.0.2.1' }], ports: [{ port: 80 }] }] }, 'default');
  await createService(h, service('web', [{ port: 80 }]));
  await createPod(h, pod('elsewhere', 'web', '10.244.1.1', { ns: 'other' }));
  const ac = new AbortController();
  startEndpointSliceController(h.deps, ac.signal);
  await h.start();
  try {
    await waitFor('placeholder slice for web', async () => (await slicesOf(h, 'web')).length === 1);
    assert.deepEqual((await slicesOf(h, 'web'))[0]?.endpoints, []);
    await waitFor('web Endpoints', async () => (await endpointsIPs(h, 'web')) !== undefined);
    assert.deepEqual(await endpointsIPs(h, 'web'), []);
    assert.deepEqual(await slicesOf(h, 'manual'), []);
    assert.deepEqual(await endpointsIPs(h, 'manual'), ['192.0.2.1']);
  } finally {
    ac.abort();
    h.stop();
  }
});

test("the API server's own Endpoints and slice of the selector-less kubernetes Service are left alone", async () => {
  const h = harness();
  await h.client.whenReady();
  // As runApiServer with an advertise address writes them: through the registry, no managed-by label.
  await bootstrap(h.client.registry, '10.96.0.0/12', quietLogger('bootstrap'), 6443, '192.0.2.10');
  const [kubeSlice] = await slicesOf(h, 'kubernetes');
  const kubeEndpoints = await h.client.get<Endpoints>(EndpointsRef, 'kubernetes', 'default');
  assert.ok(kubeSlice && kubeEndpoints);
  const c = createEndpointSliceController(h.deps);
  await h.start();
  try {
    h.client.clearActions();
    await c.reconcile('default/kubernetes');
    assert.deepEqual(h.client.actions.filter((a) => a.verb !== 'get' && a.verb !== 'list' && a.verb !== 'watch'), []);
    assert.deepEqual(await slicesOf(h, 'kubernetes'), [kubeSlice]);
    assert.deepEqual(await h.client.get<Endpoints>(EndpointsRef, 'kubernetes', 'default'), kubeEndpoints);
  } finally {
    h.stop();
  }
});
