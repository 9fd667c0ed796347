/**
 * The controller roles against what Skiff's controllers actually call
 * (grep of controllers/ for client calls and informers): each call is
 * allowed by the controller's own system:controller:<name> role, as it would
 * be in kube with per-controller credentials — except the calls kube's role
 * would refuse, listed as such — and every call is allowed to the single
 * controller-manager identity through its bindings.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterRole, ClusterRoleBinding, PolicyRule } from 'kubernetes-types/rbac/v1';
import { CONTROLLERS } from '../../../controllers/main.ts';
import { aggregatedRules } from './aggregation.ts';
import { resourceAttributes } from './attributes.ts';
import { defaultClusterRoleBindings, defaultClusterRoles } from './policy.ts';
import { controllerManagerRoleName, controllerRoleBindings, controllerRoles, controllerRolesOf } from './policy-controllers.ts';
import { authorize } from './rules.ts';

/** One API call: `verb group/resource[/subresource]` (core group: no `group/`). */
type Call = string;
interface Row { controller: string; calls: Call[]; kubeDenies?: Call[] }

const events: Call[] = ['create events', 'patch events'];
/** Calls per controller (informers excluded: they run as the controller-manager itself, see below). */
const table: Row[] = [
  { controller: 'deployment', calls: ['get apps/deployments', 'update apps/deployments/status', 'get apps/replicasets', 'create apps/replicasets', 'patch apps/replicasets', 'delete apps/replicasets', ...events],
    kubeDenies: ['patch apps/deployments'] },
  { controller: 'replicaset', calls: ['get apps/replicasets', 'update apps/replicasets/status', 'create pods', 'delete pods', 'patch pods', ...events] },
  { controller: 'job', calls: ['get batch/jobs', 'update batch/jobs/status', 'create pods', 'delete pods', 'patch pods', ...events], kubeDenies: ['delete batch/jobs'] },
  { controller: 'ttl-after-finished', calls: ['get batch/jobs', 'delete batch/jobs', ...events], kubeDenies: ['update batch/jobs', 'delete pods'] },
  { controller: 'garbagecollector', calls: ['get apps/replicasets', 'get apps/deployments', 'patch pods', 'delete pods', 'delete apps/replicasets', 'patch discovery.k8s.io/endpointslices', ...events] },
  { controller: 'endpointslice', calls: ['create discovery.k8s.io/endpointslices', 'update discovery.k8s.io/endpointslices', 'delete discovery.k8s.io/endpointslices',
    'create endpoints', 'update endpoints', 'delete endpoints', ...events] },
  { controller: 'kube-dns', calls: ['create discovery.k8s.io/endpointslices', 'update discovery.k8s.io/endpointslices'] },
  { controller: 'nodeipam', calls: ['get nodes', 'patch nodes', ...events] },
  { controller: 'serviceaccount', calls: ['create serviceaccounts', ...events] },
  { controller: 'root-ca-cert-publisher', calls: ['create configmaps', 'update configmaps', ...events] },
  { controller: 'disruption', calls: ['update policy/poddisruptionbudgets/status', 'patch pods/status', ...events], kubeDenies: ['update policy/poddisruptionbudgets'] },
  { controller: 'nodelifecycle', calls: ['patch nodes', 'patch nodes/status', 'patch pods/status', ...events] },
  { controller: 'taint-eviction-controller', calls: ['patch pods/status', 'delete pods', ...events] },
  { controller: 'csrapproving', calls: ['create authorization.k8s.io/subjectaccessreviews'],
    kubeDenies: ['patch certificates.k8s.io/certificatesigningrequests/approval'] },
  { controller: 'csrsigning', calls: ['update certificates.k8s.io/certificatesigningrequests/status'] },
  { controller: 'servicelb', calls: ['update services/status', ...events] },
  // Names are 'x' here: its updates/deletes are narrowed to skiff:ingress-tls (see the test below).
  { controller: 'ingress-tls', calls: ['get networking.k8s.io/ingresses', 'create rbac.authorization.k8s.io/roles', 'create rbac.authorization.k8s.io/rolebindings'],
    kubeDenies: ['update rbac.authorization.k8s.io/roles', 'delete rbac.authorization.k8s.io/rolebindings'] },
];
/** What the shared informers list and watch. */
const informed = ['pods', 'nodes', 'services', 'endpoints', 'namespaces', 'serviceaccounts', 'configmaps', 'apps/deployments', 'apps/replicasets', 'batch/jobs', 'discovery.k8s.io/endpointslices', 'policy/poddisruptionbudgets', 'coordination.k8s.io/leases', 'networking.k8s.io/ingresses', 'networking.k8s.io/ingressclasses', 'rbac.authorization.k8s.io/roles', 'rbac.authorization.k8s.io/rolebindings', 'certificates.k8s.io/certificatesigningrequests'];

const cmUser = { username: 'system:kube-controller-manager', groups: ['system:authenticated'] };

function attrs(call: Call): Parameters<typeof authorize>[0] {
  const [verb = '', path = ''] = call.split(' ');
  const parts = path.split('/');
  const grouped = parts[0]?.includes('.') || parts[0] === 'apps' || parts[0] === 'batch' || parts[0] === 'policy';
  const [apiGroup, resource, subresource] = grouped ? [parts[0] ?? '', parts[1] ?? '', parts[2] ?? ''] : ['', parts[0] ?? '', parts[1] ?? ''];
  return resourceAttributes(cmUser, { verb, apiGroup, resource, subresource, namespace: 'ns', name: verb === 'create' ? '' : 'x' });
}

const roles = new Map(defaultClusterRoles().map((r) => [r.metadata?.name ?? '', r]));
const rulesOf = (name: string): PolicyRule[] => roles.get(name)?.rules ?? [];

/** Every rule granted to the controller-manager user by the default ClusterRoleBindings. */
function userRules(bindings: ClusterRoleBinding[]): PolicyRule[] {
  return bindings.filter((b) => b.subjects?.some((s) => s.kind === 'User' && s.name === cmUser.username)).flatMap((b) => rulesOf(b.roleRef.name));
}

test('every Skiff controller maps to kube controller roles that exist', () => {
  assert.deepEqual(CONTROLLERS.map((c) => c.name).sort(), Object.keys(controllerRolesOf).sort());
  for (const names of Object.values(controllerRolesOf)) for (const n of names) assert.ok(roles.has(`system:controller:${n}`), n);
});

for (const row of table) {
  test(`${row.controller}: its own role allows each call it makes, and refuses what kube's role refuses`, () => {
    const own = (controllerRolesOf[row.controller] ?? []).flatMap((n) => rulesOf(`system:controller:${n}`));
    for (const c of row.calls) assert.ok(authorize(attrs(c), own), `${row.controller}: ${c}`);
    for (const c of row.kubeDenies ?? []) assert.equal(authorize(attrs(c), own), false, `${row.controller}: ${c} (kube refuses it)`);
  });
}

test('the controller-manager identity is allowed every call of every controller, and its informers', () => {
  const rules = userRules(defaultClusterRoleBindings());
  for (const row of table) for (const c of [...row.calls, ...(row.kubeDenies ?? [])]) assert.ok(authorize(attrs(c), rules), c);
  for (const r of informed) for (const v of ['list', 'watch']) assert.ok(authorize({ ...attrs(`${v} ${r}`), name: '' }, rules), `${v} ${r}`);
});

test('the single identity still cannot create what no controller creates', () => {
  const rules = userRules(defaultClusterRoleBindings());
  for (const c of ['create apps/deployments', 'create rbac.authorization.k8s.io/clusterrolebindings', 'create pods/binding', 'create pods/eviction', 'create nodes']) {
    assert.equal(authorize(attrs(c), rules), false, c);
  }
});

test('ingress-tls may update and delete only skiff:ingress-tls, and holds no bind, escalate or Secret access of its own', () => {
  const own = rulesOf('system:controller:ingress-tls-controller');
  for (const c of ['update rbac.authorization.k8s.io/roles', 'delete rbac.authorization.k8s.io/roles', 'update rbac.authorization.k8s.io/rolebindings', 'delete rbac.authorization.k8s.io/rolebindings']) {
    assert.ok(authorize({ ...attrs(c), name: 'skiff:ingress-tls' }, own), c);
  }
  for (const c of ['bind rbac.authorization.k8s.io/roles', 'escalate rbac.authorization.k8s.io/roles', 'get secrets', 'create rbac.authorization.k8s.io/clusterroles']) {
    assert.equal(authorize({ ...attrs(c), name: 'skiff:ingress-tls' }, own), false, c);
  }
  // What escalation prevention requires of the writer: the Secret read it grants, held by the controller-manager identity.
  const rules = userRules(defaultClusterRoleBindings());
  for (const c of ['bind rbac.authorization.k8s.io/roles', 'escalate rbac.authorization.k8s.io/roles']) assert.equal(authorize(attrs(c), rules), false, `controller-manager: ${c}`);
  for (const v of ['get', 'list', 'watch']) assert.ok(authorize({ ...attrs(`${v} secrets`), name: 'tls-a' }, rules), `${v} secrets`);
});

test('system:skiff:controller-manager is pre-filled with exactly what the aggregation loop would compute', () => {
  const agg = roles.get(controllerManagerRoleName) as ClusterRole;
  assert.deepEqual(agg.rules, aggregatedRules(agg, [...roles.values()]));
  assert.ok((agg.rules ?? []).length > 0);
});

test('each controller role is bound to its kube-system ServiceAccount, as kube does', () => {
  const bindings = controllerRoleBindings();
  for (const r of controllerRoles()) {
    const name = r.metadata?.name ?? '';
    const b = bindings.find((x) => x.metadata?.name === name);
    assert.deepEqual(b?.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name });
    assert.deepEqual(b?.subjects, [{ kind: 'ServiceAccount', namespace: 'kube-system', name: name.replace('system:controller:', '') }]);
  }
  assert.deepEqual(bindings.find((x) => x.metadata?.name === controllerManagerRoleName)?.subjects,
    [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'system:kube-controller-manager' }]);
});
