import { test } from 'node:test';
import assert from 'node:assert/strict';
import { desiredEndpointsObject, planEndpoints } from './endpoints.ts';
import { pod, service } from './fixtures.test-util.ts';

test('Endpoints: ready and not-ready addresses, terminating pods left out, ports resolved', () => {
  const svc = service('web', [{ name: 'http', port: 80, targetPort: 8080 }]);
  const got = desiredEndpointsObject(svc, [
    pod('b', 'web', '10.244.0.20', { ready: false }),
    pod('a', 'web', '10.244.0.3'),
    pod('c', 'web', '10.244.0.4', { deleting: true }),
    pod('d', 'web', ''),
  ]);
  assert.deepEqual(got, {
    apiVersion: 'v1', kind: 'Endpoints',
    metadata: { name: 'web', namespace: 'default', labels: {} },
    subsets: [{
      addresses: [{ ip: '10.244.0.3', nodeName: 'node-1', targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: 'uid-a' } }],
      notReadyAddresses: [{ ip: '10.244.0.20', nodeName: 'node-1', targetRef: { kind: 'Pod', namespace: 'default', name: 'b', uid: 'uid-b' } }],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    }],
  });
});

test('Endpoints: no pods → empty subsets; different resolved ports → separate subsets', () => {
  assert.deepEqual(desiredEndpointsObject(service('web', [{ port: 80 }]), []).subsets, []);
  const svc = service('web', [{ port: 80, targetPort: 'web' }]);
  const got = desiredEndpointsObject(svc, [
    pod('a', 'web', '10.244.0.1', { ports: [{ name: 'web', containerPort: 8080 }] }),
    pod('b', 'web', '10.244.0.2', { ports: [{ name: 'web', containerPort: 9090 }] }),
    pod('c', 'web', '10.244.0.3'), // name not found: not an endpoint
  ]);
  assert.deepEqual(got.subsets?.map((s) => [s.addresses?.map((a) => a.ip), s.ports?.map((p) => p.port)]), [
    [['10.244.0.1'], [8080]],
    [['10.244.0.2'], [9090]],
  ]);
});

test('planEndpoints: create, no-op when equal, update keeping metadata', () => {
  const svc = service('web', [{ port: 80 }]);
  const pods = [pod('a', 'web', '10.244.0.1')];
  const first = planEndpoints(svc, pods, undefined);
  assert.equal(first.action, 'create');
  const stored = { ...first.object, metadata: { ...first.object.metadata, resourceVersion: '7', uid: 'u1' } };
  assert.equal(planEndpoints(svc, pods, stored).action, 'none');
  const next = planEndpoints(svc, [...pods, pod('b', 'web', '10.244.0.2')], stored);
  assert.equal(next.action, 'update');
  assert.equal(next.object.metadata?.resourceVersion, '7');
  assert.deepEqual(next.object.subsets?.[0]?.addresses?.map((a) => a.ip), ['10.244.0.1', '10.244.0.2']);
});
