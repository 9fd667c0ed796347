import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding, Subject } from 'kubernetes-types/rbac/v1';
import { resourceAttributes } from './attributes.ts';
import { rbacAuthorizer } from './authorizer.ts';
import { escalationMessage } from './escalation.ts';
import { appliesTo, rulesFor, type RbacSnapshot } from './resolver.ts';

const g = 'rbac.authorization.k8s.io';
const cr = (name: string, verbs: string[], resources: string[]): ClusterRole => ({ metadata: { name }, rules: [{ verbs, apiGroups: [''], resources }] });
const role = (ns: string, name: string, verbs: string[], resources: string[]): Role => ({ metadata: { name, namespace: ns }, rules: [{ verbs, apiGroups: [''], resources }] });
const crb = (name: string, roleName: string, subjects: Subject[]): ClusterRoleBinding => ({ metadata: { name }, roleRef: { apiGroup: g, kind: 'ClusterRole', name: roleName }, subjects });
const rb = (ns: string, name: string, kind: 'Role' | 'ClusterRole', roleName: string, subjects: Subject[]): RoleBinding => ({ metadata: { name, namespace: ns }, roleRef: { apiGroup: g, kind, name: roleName }, subjects });
const userS = (name: string): Subject => ({ apiGroup: g, kind: 'User', name });
const groupS = (name: string): Subject => ({ apiGroup: g, kind: 'Group', name });

function snapshot(crs: ClusterRole[], roles: Role[], crbs: ClusterRoleBinding[], rbs: RoleBinding[]): RbacSnapshot {
  return {
    clusterRoleBindings: () => crbs,
    roleBindings: (ns) => rbs.filter((b) => b.metadata?.namespace === ns),
    clusterRole: (n) => crs.find((r) => r.metadata?.name === n),
    role: (ns, n) => roles.find((r) => r.metadata?.namespace === ns && r.metadata?.name === n),
  };
}

const snap = snapshot(
  [cr('reader', ['get', 'list'], ['pods']), cr('node-reader', ['get'], ['nodes'])],
  [role('dev', 'cm-writer', ['create'], ['configmaps'])],
  [crb('nodes', 'node-reader', [groupS('ops')]), crb('dangling', 'gone', [userS('alice')])],
  [rb('dev', 'r1', 'ClusterRole', 'reader', [userS('alice')]), rb('dev', 'r2', 'Role', 'cm-writer', [{ kind: 'ServiceAccount', name: 'builder', namespace: '' }])],
);

test('appliesTo: users by name, groups by membership, service accounts by their full name (binding namespace by default)', () => {
  const sa = { username: 'system:serviceaccount:dev:builder', groups: ['system:serviceaccounts'] };
  assert.equal(appliesTo({ username: 'alice', groups: [] }, userS('alice'), ''), true);
  assert.equal(appliesTo({ username: 'bob', groups: ['ops'] }, groupS('ops'), ''), true);
  assert.equal(appliesTo({ username: 'bob', groups: [] }, groupS('ops'), ''), false);
  assert.equal(appliesTo(sa, { kind: 'ServiceAccount', name: 'builder', namespace: 'dev' }, ''), true);
  assert.equal(appliesTo(sa, { kind: 'ServiceAccount', name: 'builder' }, 'dev'), true);
  assert.equal(appliesTo(sa, { kind: 'ServiceAccount', name: 'builder' }, 'prod'), false);
});

test('rulesFor: cluster bindings everywhere, role bindings only in their namespace; a missing role is an error', () => {
  const alice = { username: 'alice', groups: [] };
  assert.deepEqual(rulesFor(snap, alice, 'dev').rules, [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }]);
  assert.deepEqual(rulesFor(snap, alice, 'prod').rules, []);
  assert.deepEqual(rulesFor(snap, alice, '').errors, ['clusterrole.rbac.authorization.k8s.io "gone" not found']);
  const sa = { username: 'system:serviceaccount:dev:builder', groups: [] };
  assert.deepEqual(rulesFor(snap, sa, 'dev').rules, [{ verbs: ['create'], apiGroups: [''], resources: ['configmaps'] }]);
  assert.deepEqual(rulesFor(snap, { username: 'x', groups: ['ops'] }, 'dev').rules, [{ verbs: ['get'], apiGroups: [''], resources: ['nodes'] }]);
});

test('rbacAuthorizer: allow by rule, system:masters always, otherwise no opinion with the resolution errors as reason', () => {
  const authz = rbacAuthorizer(snap);
  const alice = { username: 'alice', groups: [] };
  assert.equal(authz.authorize(resourceAttributes(alice, { verb: 'list', resource: 'pods', namespace: 'dev' })).decision, 'allow');
  const denied = authz.authorize(resourceAttributes(alice, { verb: 'list', resource: 'pods', namespace: 'prod' }));
  assert.deepEqual(denied, { decision: 'noOpinion', reason: 'RBAC: clusterrole.rbac.authorization.k8s.io "gone" not found' });
  assert.equal(authz.authorize(resourceAttributes({ username: 'root', groups: ['system:masters'] }, { verb: 'delete', resource: 'nodes' })).decision, 'allow');
  assert.deepEqual(authz.authorize(resourceAttributes({ username: 'eve', groups: [] }, { verb: 'get', resource: 'pods' })), { decision: 'noOpinion', reason: '' });
});

test('escalationMessage: names the rules not held, in ConfirmNoEscalation form', () => {
  const bob = { username: 'bob', groups: ['ops', 'system:authenticated'] };
  assert.equal(escalationMessage(snap, bob, '', [{ verbs: ['get'], apiGroups: [''], resources: ['nodes'] }]), undefined);
  assert.equal(
    escalationMessage(snap, bob, '', [{ verbs: ['get', 'delete'], apiGroups: [''], resources: ['nodes'] }]),
    'user "bob" (groups=["ops" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["nodes"], Verbs:["delete"]}',
  );
});
