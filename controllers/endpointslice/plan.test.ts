import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import { CONTROLLER_NAME, MANAGED_BY_LABEL, planSlices, SERVICE_NAME_LABEL, type SlicePlan } from './plan.ts';
import { resolveTargetPort } from './pods.ts';
import { pod, service } from './fixtures.test-util.ts';

/** Applies a plan as the API server would (naming creates), returning the resulting slices. */
function apply(existing: EndpointSlice[], plan: SlicePlan): EndpointSlice[] {
  let n = existing.length;
  const gone = new Set(plan.delete.map((s) => s.metadata?.name));
  const updated = new Map(plan.update.map((s) => [s.metadata?.name, s]));
  const out = existing.filter((s) => !gone.has(s.metadata?.name)).map((s) => updated.get(s.metadata?.name) ?? s);
  for (const c of plan.create) out.push({ ...c, metadata: { ...c.metadata, name: `${c.metadata?.generateName}${String(n++).padStart(5, 'x')}` } });
  return out;
}
const ips = (s: EndpointSlice): string[] => (s.endpoints ?? []).map((e) => e.addresses[0] ?? '');
const counts = (p: SlicePlan): [number, number, number] => [p.create.length, p.update.length, p.delete.length];

test('new service: one slice with every ready pod, kube-controller-manager shaped', () => {
  const svc = service('web', [{ name: 'http', port: 80, targetPort: 8080 }], { labels: { team: 'a' } });
  const plan = planSlices(svc, [pod('web-2', 'web', '10.244.0.12'), pod('web-1', 'web', '10.244.0.3', { node: 'node-2' })], []);
  assert.deepEqual(counts(plan), [1, 0, 0]);
  assert.deepEqual(plan.create[0], {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: {
      generateName: 'web-', namespace: 'default',
      labels: { team: 'a', [SERVICE_NAME_LABEL]: 'web', [MANAGED_BY_LABEL]: CONTROLLER_NAME },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'uid-web', controller: true, blockOwnerDeletion: true }],
    },
    addressType: 'IPv4',
    endpoints: [
      { addresses: ['10.244.0.3'], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'node-2', targetRef: { kind: 'Pod', namespace: 'default', name: 'web-1', uid: 'uid-web-1' } },
      { addresses: ['10.244.0.12'], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'node-1', targetRef: { kind: 'Pod', namespace: 'default', name: 'web-2', uid: 'uid-web-2' } },
    ],
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  });
});

test('selection and conditions (table)', () => {
  const svc = service('web', [{ port: 80 }]);
  const cases: Array<{ name: string; pods: ReturnType<typeof pod>[]; want: Array<[string, boolean, boolean, boolean]> }> = [
    { name: 'no podIP skipped', pods: [pod('a', 'web', '')], want: [] },
    { name: 'other labels skipped', pods: [pod('a', 'api', '10.244.0.1')], want: [] },
    { name: 'other namespace skipped', pods: [pod('a', 'web', '10.244.0.1', { ns: 'other' })], want: [] },
    { name: 'terminal phases skipped', pods: [pod('a', 'web', '10.244.0.1', { phase: 'Succeeded' }), pod('b', 'web', '10.244.0.2', { phase: 'Failed' })], want: [] },
    { name: 'not ready', pods: [pod('a', 'web', '10.244.0.1', { ready: false })], want: [['10.244.0.1', false, false, false]] },
    { name: 'terminating ready pod is not ready but serving', pods: [pod('a', 'web', '10.244.0.1', { deleting: true })], want: [['10.244.0.1', false, true, true]] },
    { name: 'same IP twice: the ready pod wins', pods: [pod('old', 'web', '10.244.0.1', { ready: false }), pod('new', 'web', '10.244.0.1')], want: [['10.244.0.1', true, true, false]] },
  ];
  for (const c of cases) {
    const plan = planSlices(svc, c.pods, []);
    const eps = plan.create.flatMap((s) => s.endpoints ?? []);
    assert.deepEqual(eps.map((e) => [e.addresses[0], e.conditions?.ready, e.conditions?.serving, e.conditions?.terminating]), c.want, c.name);
    if (c.want.length === 0) assert.deepEqual(plan.create.map((s) => [s.endpoints, s.ports]), [[[], []]], `${c.name}: placeholder slice`);
  }
});

test('publishNotReadyAddresses makes every endpoint ready', () => {
  const svc = service('db', [{ port: 5432 }]);
  svc.spec = { ...svc.spec, publishNotReadyAddresses: true };
  const plan = planSlices(svc, [pod('db-0', 'db', '10.244.0.9', { ready: false })], []);
  assert.equal(plan.create[0]?.endpoints?.[0]?.conditions?.ready, true);
});

test('named target ports resolve per pod; pods with different ports get different slices', () => {
  const svc = service('web', [{ name: 'http', port: 80, targetPort: 'web' }, { name: 'metrics', port: 9000, targetPort: 9100 }]);
  const pods = [
    pod('a', 'web', '10.244.0.1', { ports: [{ name: 'web', containerPort: 8080 }] }),
    pod('b', 'web', '10.244.0.2', { ports: [{ name: 'web', containerPort: 8081 }] }),
    pod('c', 'web', '10.244.0.3', { ports: [{ name: 'web', containerPort: 8080 }] }),
    pod('d', 'web', '10.244.0.4'), // no port named "web": only the metrics port
  ];
  const plan = planSlices(svc, pods, []);
  const got = plan.create.map((s) => [ips(s), (s.ports ?? []).map((p) => `${p.name}:${p.port}`)]).sort((x, y) => (JSON.stringify(x) < JSON.stringify(y) ? -1 : 1));
  assert.deepEqual(got, [
    [['10.244.0.1', '10.244.0.3'], ['http:8080', 'metrics:9100']],
    [['10.244.0.2'], ['http:8081', 'metrics:9100']],
    [['10.244.0.4'], ['metrics:9100']],
  ]);
  assert.equal(resolveTargetPort({ port: 53, protocol: 'UDP', targetPort: 'web' }, pods[0] as ReturnType<typeof pod>), undefined, 'protocol must match');
  assert.equal(resolveTargetPort({ port: 80 }, pods[3] as ReturnType<typeof pod>), 80, 'no targetPort = port');
  assert.equal(resolveTargetPort({ port: 80, targetPort: '8088' }, pods[3] as ReturnType<typeof pod>), 8088);
});

test('at most 100 endpoints per slice; growth fills existing slices before creating', () => {
  const svc = service('big', [{ port: 80 }]);
  const mk = (n: number) => Array.from({ length: n }, (_, i) => pod(`p${i}`, 'big', `10.244.${Math.floor(i / 200)}.${(i % 200) + 1}`));
  const first = planSlices(svc, mk(250), []);
  assert.deepEqual(first.create.map((s) => s.endpoints?.length), [100, 100, 50]);
  let slices = apply([], first);
  assert.deepEqual(counts(planSlices(svc, mk(250), slices)), [0, 0, 0], 'steady state: no writes');
  const grown = planSlices(svc, mk(260), slices);
  assert.deepEqual(counts(grown), [0, 1, 0], 'the 10 new endpoints go into the slice with room');
  assert.equal(grown.update[0]?.endpoints?.length, 60);
  slices = apply(slices, grown);
  const shrunk = planSlices(svc, mk(100), slices);
  // p0..p99 were all placed in the first slice; the two others empty out and are deleted.
  assert.deepEqual(counts(shrunk), [0, 0, 2]);
});

test('endpoints stay in their slice when others change (minimal churn)', () => {
  const svc = service('web', [{ port: 80 }]);
  const pods = [pod('a', 'web', '10.244.0.1'), pod('b', 'web', '10.244.0.2')];
  const slices = apply([], planSlices(svc, pods, [], 1)); // maxPerSlice 1 → two slices
  assert.equal(slices.length, 2);
  const plan = planSlices(svc, [pods[0] as ReturnType<typeof pod>, pod('b', 'web', '10.244.0.2', { ready: false })], slices, 1);
  assert.deepEqual(counts(plan), [0, 1, 0]);
  assert.deepEqual(ips(plan.update[0] as EndpointSlice), ['10.244.0.2']);
  assert.equal(plan.update[0]?.metadata?.name, slices.find((s) => ips(s)[0] === '10.244.0.2')?.metadata?.name);
});

test('all pods gone: one placeholder slice is kept, the rest deleted', () => {
  const svc = service('web', [{ port: 80 }]);
  const slices = apply([], planSlices(svc, [pod('a', 'web', '10.244.0.1'), pod('b', 'web', '10.244.0.2')], [], 1));
  const plan = planSlices(svc, [], slices, 1);
  assert.deepEqual(counts(plan), [0, 1, 1]);
  assert.deepEqual(plan.update[0]?.endpoints, []);
  assert.deepEqual(counts(planSlices(svc, [], apply(slices, plan), 1)), [0, 0, 0]);
});

test('selectorless and ExternalName services: managed slices deleted, foreign slices untouched', () => {
  const withSel = service('web', [{ port: 80 }]);
  const slices = apply([], planSlices(withSel, [pod('a', 'web', '10.244.0.1')], []));
  const foreign: EndpointSlice = { addressType: 'IPv4', endpoints: [], metadata: { name: 'manual', namespace: 'default', labels: { [SERVICE_NAME_LABEL]: 'web', [MANAGED_BY_LABEL]: 'someone-else' } } };
  const noSel = service('web', [{ port: 80 }], { selector: null });
  assert.deepEqual(planSlices(noSel, [pod('a', 'web', '10.244.0.1')], [...slices, foreign]).delete.map((s) => s.metadata?.name), slices.map((s) => s.metadata?.name));
  const ext = service('web', [{ port: 80 }]);
  ext.spec = { ...ext.spec, type: 'ExternalName', externalName: 'example.invalid' };
  assert.deepEqual(counts(planSlices(ext, [], [...slices, foreign])), [0, 0, 1]);
});

test('label and port changes of the service update the slice; headless gets the headless label', () => {
  const svc = service('web', [{ port: 80 }]);
  const slices = apply([], planSlices(svc, [pod('a', 'web', '10.244.0.1')], []));
  const relabeled = service('web', [{ port: 80 }], { labels: { tier: 'front' }, clusterIP: 'None' });
  const plan = planSlices(relabeled, [pod('a', 'web', '10.244.0.1')], slices);
  assert.deepEqual(counts(plan), [0, 1, 0]);
  assert.equal(plan.update[0]?.metadata?.labels?.tier, 'front');
  assert.equal(plan.update[0]?.metadata?.labels?.['service.kubernetes.io/headless'], '');
  const newPort = planSlices(service('web', [{ port: 80, targetPort: 81 }]), [pod('a', 'web', '10.244.0.1')], slices);
  assert.deepEqual(counts(newPort), [1, 0, 1], 'a new port set means a new slice');
});
