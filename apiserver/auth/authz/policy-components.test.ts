/**
 * The scheduler's and the proxy's roles against what scheduler/ and proxy/
 * call (grep of their client calls and informers), and the calls the
 * kubelet makes that the Node authorizer judges by the static system:node
 * rules (the graph-scoped ones are covered by node/decide.test.ts and
 * components.real.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nonResourceAttributes, resourceAttributes } from './attributes.ts';
import { defaultClusterRoleBindings, defaultClusterRoles } from './policy.ts';
import { defaultRoleBindings, defaultRoles } from './policy-dns.ts';
import { authorize } from './rules.ts';

const rules = (name: string) => defaultClusterRoles().find((r) => r.metadata?.name === name)?.rules ?? [];
const someone = { username: 'u', groups: [] };

/** `verb [group/]resource[/subresource]`, as in policy-controllers.test.ts. */
function allowed(call: string, roleName: string): boolean {
  const [verb = '', path = ''] = call.split(' ');
  const parts = path.split('/');
  const grouped = parts[0]?.includes('.') ?? false;
  const [apiGroup, resource, subresource] = grouped ? [parts[0] ?? '', parts[1] ?? '', parts[2] ?? ''] : ['', parts[0] ?? '', parts[1] ?? ''];
  return authorize(resourceAttributes(someone, { verb, apiGroup, resource, subresource, namespace: 'ns', name: ['list', 'watch', 'create'].includes(verb) ? '' : 'x' }), rules(roleName));
}

const cases: Array<{ role: string; calls: string[] }> = [
  { role: 'system:kube-scheduler', calls: ['list pods', 'watch pods', 'list nodes', 'watch nodes', 'create pods/binding', 'patch pods/status', 'create events', 'patch events'] },
  { role: 'system:node-proxier', calls: ['list services', 'watch services', 'list discovery.k8s.io/endpointslices', 'watch discovery.k8s.io/endpointslices', 'list nodes', 'watch nodes', 'list pods', 'watch pods', 'list namespaces', 'watch namespaces', 'list networking.k8s.io/networkpolicies', 'watch networking.k8s.io/networkpolicies'] },
  { role: 'system:skiff:dns', calls: ['list services', 'watch services', 'list discovery.k8s.io/endpointslices', 'watch discovery.k8s.io/endpointslices'] },
  { role: 'system:node', calls: ['list services', 'watch services', 'create events', 'patch events', 'create authentication.k8s.io/tokenreviews', 'create authorization.k8s.io/subjectaccessreviews'] },
];

for (const c of cases) {
  test(`${c.role} allows every call its component makes`, () => {
    for (const call of c.calls) assert.ok(allowed(call, c.role), `${c.role}: ${call}`);
  });
}

test('the Ingress controller may read what it routes by and write only ingresses/status; no Secrets (per-namespace Roles grant those)', () => {
  const role = 'system:skiff:ingress-controller';
  for (const call of ['list networking.k8s.io/ingresses', 'watch networking.k8s.io/ingresses', 'list networking.k8s.io/ingressclasses', 'watch networking.k8s.io/ingressclasses',
    'list services', 'watch services', 'list discovery.k8s.io/endpointslices', 'watch discovery.k8s.io/endpointslices', 'update networking.k8s.io/ingresses/status']) {
    assert.ok(allowed(call, role), call);
  }
  for (const call of ['update networking.k8s.io/ingresses', 'patch networking.k8s.io/ingresses', 'create networking.k8s.io/ingresses', 'delete networking.k8s.io/ingresses',
    'update networking.k8s.io/ingressclasses', 'get secrets', 'list secrets', 'watch secrets', 'update secrets', 'create secrets', 'update services', 'list pods', 'list configmaps', 'update services/status']) {
    assert.equal(allowed(call, role), false, call);
  }
});

test('the proxy and the scheduler cannot write what they do not own', () => {
  for (const call of ['create pods', 'update discovery.k8s.io/endpointslices', 'patch nodes', 'update networking.k8s.io/networkpolicies', 'get secrets']) assert.equal(allowed(call, 'system:node-proxier'), false, call);
  for (const call of ['create pods', 'update pods', 'patch nodes/status']) assert.equal(allowed(call, 'system:kube-scheduler'), false, call);
});

test('the DNS server reads Services and EndpointSlices and nothing else', () => {
  for (const call of ['get nodes', 'list nodes', 'list pods', 'list endpoints', 'create events', 'get secrets', 'create services', 'update discovery.k8s.io/endpointslices']) {
    assert.equal(allowed(call, 'system:skiff:dns'), false, call);
  }
});

test('the scheduler and the controller-manager may create, get and update their own leader-election Lease, not each other\'s', () => {
  const can = (roleName: string, verb: string, name: string): boolean =>
    authorize(resourceAttributes(someone, { verb, apiGroup: 'coordination.k8s.io', resource: 'leases', subresource: '', namespace: 'kube-system', name }), rules(roleName));
  for (const [roleName, own, other] of [['system:kube-scheduler', 'kube-scheduler', 'kube-controller-manager'], ['system:kube-controller-manager', 'kube-controller-manager', 'kube-scheduler']] as const) {
    assert.ok(can(roleName, 'create', ''), `${roleName}: create leases`);
    for (const verb of ['get', 'update']) {
      assert.ok(can(roleName, verb, own), `${roleName}: ${verb} ${own}`);
      assert.equal(can(roleName, verb, other), false, `${roleName}: ${verb} ${other}`);
    }
    assert.equal(can(roleName, 'delete', own), false, `${roleName}: delete ${own}`);
  }
});

test('system:monitoring: get on /metrics and the health paths, bound to the system:monitoring group; nothing else', () => {
  const can = (verb: string, path: string): boolean => authorize(nonResourceAttributes(someone, verb, path), rules('system:monitoring'));
  for (const path of ['/metrics', '/metrics/slis', '/livez', '/readyz', '/healthz', '/readyz/etcd']) assert.ok(can('get', path), path);
  assert.equal(can('post', '/metrics'), false);
  assert.equal(can('get', '/api'), false);
  assert.equal(can('get', '/metricsx'), false);
  assert.equal(authorize(resourceAttributes(someone, { verb: 'list', resource: 'pods' }), rules('system:monitoring')), false);
  const b = defaultClusterRoleBindings().find((x) => x.metadata?.name === 'system:monitoring');
  assert.deepEqual(b?.subjects, [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:monitoring' }]);
  assert.equal(b?.roleRef.name, 'system:monitoring');
});

test('the DNS config Role: get/list/watch of the one ConfigMap kube-system/kube-dns, bound to the DNS and proxy identities only', () => {
  const [r] = defaultRoles();
  const [b] = defaultRoleBindings();
  assert.equal(r?.metadata?.namespace, 'kube-system');
  assert.deepEqual([b?.metadata?.namespace, b?.roleRef], ['kube-system', { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: r?.metadata?.name }]);
  assert.deepEqual(b?.subjects?.map((s) => `${s.kind}:${s.name}`), ['User:system:skiff-dns', 'User:system:kube-proxy']);
  const can = (verb: string, name: string, resource = 'configmaps'): boolean =>
    authorize(resourceAttributes(someone, { verb, apiGroup: '', resource, subresource: '', namespace: 'kube-system', name }), r?.rules ?? []);
  // list/watch carry the name only with a metadata.name field selector (request-info.ts), as the DNS informer sends.
  for (const verb of ['get', 'list', 'watch']) assert.ok(can(verb, 'kube-dns'), verb);
  for (const verb of ['list', 'watch']) assert.equal(can(verb, ''), false, `${verb} of every ConfigMap`);
  for (const verb of ['update', 'patch', 'delete', 'create']) assert.equal(can(verb, 'kube-dns'), false, verb);
  assert.equal(can('get', 'coredns'), false);
  assert.equal(can('get', 'kube-dns', 'secrets'), false);
});
