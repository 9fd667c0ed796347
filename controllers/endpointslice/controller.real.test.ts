/**
 * The EndpointSlice controller against the real API server (real etcd):
 * a Service and pods created through the API get slices and Endpoints.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoints, Pod, Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import { createInformerFactory } from '../../apiserver/client/informer.ts';
import { createEventRecorder } from '../../apiserver/client/events.ts';
import { Endpoints as EndpointsRef, EndpointSlices, Nodes, Pods, Services } from '../../apiserver/client/resources.ts';
import type { ControllerDeps } from '../deps.ts';
import { quietLogger, waitFor } from '../testing/harness.ts';
import { startApiServerOrSkip } from '../../testutil/real-api.ts';
import { startEndpointSliceController } from './controller.ts';

test('EndpointSlices and Endpoints against a real API server', async (t) => {
  const api = await startApiServerOrSkip(t);
  if (!api) return;
  const c = api.client;
  const log = quietLogger('endpointslice-real');
  const informers = createInformerFactory(c, log);
  const deps: ControllerDeps = {
    client: c, informers, log, recorder: createEventRecorder(c, 'endpointslice-controller', log),
    config: { clusterCIDR: '10.244.0.0/16', nodeCIDRMaskSize: 24 },
  };
  const ac = new AbortController();
  startEndpointSliceController(deps, ac.signal);
  informers.start(ac.signal);
  const runningPod = async (name: string, ip: string, ready: boolean): Promise<void> => {
    const created = await c.create<Pod>(Pods, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: { app: 'web' } },
      spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'busybox', ports: [{ name: 'http', containerPort: 8080 }] }] },
    }, 'default');
    await c.updateStatus(Pods, { ...created, status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } }, 'default');
  };
  try {
    await c.create(Nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' } });
    const svc = await c.create<Service>(Services, {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    }, 'default');
    await runningPod('web-1', '10.244.0.5', true);
    await runningPod('web-2', '10.244.0.6', false);
    const slices = async (): Promise<EndpointSlice[]> =>
      (await c.list<EndpointSlice>(EndpointSlices, { namespace: 'default', labelSelector: 'kubernetes.io/service-name=web' })).items;
    await waitFor('slice with both pods', async () => (await slices()).flatMap((s) => s.endpoints ?? []).length === 2, 10_000);
    const [slice] = await slices();
    assert.match(slice?.metadata?.name ?? '', /^web-./);
    assert.equal(slice?.metadata?.ownerReferences?.[0]?.uid, svc.metadata?.uid);
    assert.deepEqual(slice?.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
    assert.deepEqual(slice?.endpoints?.map((e) => [e.addresses[0], e.conditions?.ready, e.targetRef?.name]), [['10.244.0.5', true, 'web-1'], ['10.244.0.6', false, 'web-2']]);
    await waitFor('Endpoints', async () => (await c.tryGet<Endpoints>(EndpointsRef, 'web', 'default'))?.subsets?.length === 1, 10_000);
    const ep = await c.get<Endpoints>(EndpointsRef, 'web', 'default');
    assert.deepEqual(ep.subsets?.[0]?.addresses?.map((a) => a.ip), ['10.244.0.5']);
    assert.deepEqual(ep.subsets?.[0]?.notReadyAddresses?.map((a) => a.ip), ['10.244.0.6']);
    assert.deepEqual(ep.subsets?.[0]?.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
    // The built-in kubernetes Service has no selector: no slice is written for it by us.
    const kube = (await c.list<EndpointSlice>(EndpointSlices, { namespace: 'default', labelSelector: 'kubernetes.io/service-name=kubernetes,endpointslice.kubernetes.io/managed-by=endpointslice-controller.k8s.io' })).items;
    assert.deepEqual(kube, []);
  } finally {
    ac.abort();
    await api.stop();
  }
});
