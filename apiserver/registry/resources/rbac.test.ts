import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-types/rbac/v1';
import type { FieldCause } from '../../api/errors.ts';
import { clusterRoleBindingsResource, clusterRolesResource, pathSegmentNameErrors, roleBindingsResource, rolesResource, subjectCells } from './rbac.ts';

const g = 'rbac.authorization.k8s.io';
const pairs = (c: FieldCause[]): Array<[string, string]> => c.map((x) => [x.field ?? '', x.message ?? '']);

test('role validation follows ValidateRole / ValidatePolicyRule', () => {
  const v = rolesResource().strategy.validate!;
  const cv = clusterRolesResource().strategy.validate!;
  const role = (rules: Role['rules'], name = 'r'): Role => ({ metadata: { name, namespace: 'ns' }, rules });
  assert.deepEqual(pairs(v(role([{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], 'system:r')) ), []);
  assert.deepEqual(pairs(v(role([{ verbs: [], apiGroups: [''], resources: ['pods'] }]))), [['rules[0].verbs', 'Required value: verbs must contain at least one value']]);
  assert.deepEqual(pairs(v(role([{ verbs: ['get'], resources: ['pods'] }]))), [['rules[0].apiGroups', 'Required value: resource rules must supply at least one api group']]);
  assert.deepEqual(pairs(v(role([{ verbs: ['get'], apiGroups: [''] }]))), [['rules[0].resources', 'Required value: resource rules must supply at least one resource']]);
  assert.deepEqual(pairs(v(role([{ verbs: ['get'], nonResourceURLs: ['/x'] }]))), [['rules[0].nonResourceURLs', 'Invalid value: ["/x"]: namespaced rules cannot apply to non-resource URLs']]);
  const cr = (r: ClusterRole): FieldCause[] => cv(r);
  assert.deepEqual(pairs(cr({ metadata: { name: 'c' }, rules: [{ verbs: ['get'], nonResourceURLs: ['/x'] }] })), []);
  assert.deepEqual(pairs(cr({ metadata: { name: 'c' }, rules: [{ verbs: ['get'], nonResourceURLs: ['/x'], resources: ['pods'] }] })), [['rules[0].nonResourceURLs', 'Invalid value: ["/x"]: rules cannot apply to both regular resources and non-resource URLs']]);
  assert.deepEqual(pairs(cr({ metadata: { name: 'c' }, aggregationRule: { clusterRoleSelectors: [] } })), [['aggregationRule.clusterRoleSelectors', 'Required value: at least one clusterRoleSelector required if aggregationRule is non-nil']]);
});

test('RBAC names are path segments: colons allowed, slashes and percent signs not', () => {
  assert.deepEqual(pathSegmentNameErrors('system:node-proxier'), []);
  assert.deepEqual(pathSegmentNameErrors('a/b'), ["may not contain '/'"]);
  assert.deepEqual(pathSegmentNameErrors('..'), ["may not be '..'"]);
  assert.equal(rolesResource().nameErrors, pathSegmentNameErrors);
});

test('binding validation follows ValidateRoleBinding; roleRef is immutable', () => {
  const rb = roleBindingsResource().strategy;
  const crb = clusterRoleBindingsResource().strategy;
  const ok: RoleBinding = { metadata: { name: 'b', namespace: 'ns' }, roleRef: { apiGroup: g, kind: 'Role', name: 'r' }, subjects: [{ kind: 'User', apiGroup: g, name: 'alice' }, { kind: 'ServiceAccount', name: 'default', namespace: 'ns' }] };
  assert.deepEqual(pairs(rb.validate!(ok)), []);
  const bad: RoleBinding = { metadata: { name: 'b', namespace: 'ns' }, roleRef: { apiGroup: 'x', kind: 'Thing', name: '' }, subjects: [{ kind: 'Robot', name: 'r' }, { kind: 'ServiceAccount', name: 'Bad_Name', apiGroup: g }, { kind: 'Group', name: '' }] };
  assert.deepEqual(pairs(rb.validate!(bad)), [
    ['roleRef.apiGroup', 'Unsupported value: "x": supported values: "rbac.authorization.k8s.io"'],
    ['roleRef.kind', 'Unsupported value: "Thing": supported values: "Role", "ClusterRole"'],
    ['roleRef.name', 'Required value'],
    ['subjects[0].kind', 'Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"'],
    ['subjects[1].name', 'Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')'],
    ['subjects[1].apiGroup', 'Unsupported value: "rbac.authorization.k8s.io": supported values: ""'],
    ['subjects[1].namespace', 'Required value'],
    ['subjects[2].name', 'Required value'],
    ['subjects[2].apiGroup', 'Unsupported value: "": supported values: "rbac.authorization.k8s.io"'],
  ]);
  const cluster: ClusterRoleBinding = { metadata: { name: 'b' }, roleRef: { apiGroup: g, kind: 'Role', name: 'r' } };
  assert.deepEqual(pairs(crb.validate!(cluster)), [['roleRef.kind', 'Unsupported value: "Role": supported values: "ClusterRole"']]);
  const changed = { ...ok, roleRef: { apiGroup: g, kind: 'Role', name: 'other' } };
  assert.equal(pairs(rb.validateUpdate!(changed, ok))[0]![0], 'roleRef');
  assert.match(pairs(rb.validateUpdate!(changed, ok))[0]![1], /cannot change roleRef/);
  assert.deepEqual(pairs(rb.validateUpdate!({ ...ok, subjects: [] }, ok)), []);
});

test('tables: roles show CREATED AT; bindings ROLE, AGE and wide USERS, GROUPS, SERVICEACCOUNTS', () => {
  const rt = rolesResource().table;
  assert.deepEqual(rt.columns.map((c) => [c.name, c.type]), [['Created At', 'date']]);
  assert.deepEqual(rt.cells({ metadata: { name: 'r', creationTimestamp: '2026-01-02T03:04:05Z' } }, 0), ['2026-01-02T03:04:05Z']);
  const bt = roleBindingsResource().table;
  assert.deepEqual(bt.columns.map((c) => [c.name, c.priority]), [['Role', 0], ['Age', 0], ['Users', 1], ['Groups', 1], ['ServiceAccounts', 1]]);
  assert.deepEqual(subjectCells([{ kind: 'User', name: 'a' }, { kind: 'User', name: 'b' }, { kind: 'Group', name: 'g' }, { kind: 'ServiceAccount', name: 'sa', namespace: 'ns' }]), ['a, b', 'g', 'ns/sa']);
  const b: RoleBinding = { metadata: { name: 'b', creationTimestamp: '2026-01-01T00:00:00Z' }, roleRef: { apiGroup: g, kind: 'ClusterRole', name: 'view' } };
  assert.deepEqual(bt.cells(b, Date.parse('2026-01-01T00:00:30Z')).slice(0, 2), ['ClusterRole/view', '30s']);
});
