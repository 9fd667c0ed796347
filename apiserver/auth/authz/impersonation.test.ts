import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Attributes, Authorizer } from './attributes.ts';
import { impersonate } from './impersonation.ts';

/** Allows exactly the listed `verb resource name` triples (and records what it was asked). */
function allowing(...allowed: string[]): Authorizer & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    authorize(a: Attributes) {
      const k = `${a.verb} ${a.apiGroup ? `${a.resource}.${a.apiGroup}` : a.resource}${a.subresource ? `/${a.subresource}` : ''}${a.namespace ? ` ${a.namespace}/` : ' '}${a.name}`;
      asked.push(k);
      return { decision: allowed.includes(k) ? 'allow' : 'noOpinion', reason: '' };
    },
  };
}

const admin = { username: 'admin', groups: [] };

test('impersonating a user needs impersonate on users/<name>; the result is authenticated', () => {
  const r = impersonate(admin, { 'impersonate-user': 'alice' }, allowing('impersonate users alice'));
  assert.deepEqual(r, { user: { username: 'alice', groups: ['system:authenticated'] } });
});

test('each group and the uid are authorized too', () => {
  const authz = allowing('impersonate users alice', 'impersonate groups devs', 'impersonate uids.authentication.k8s.io u-1');
  const r = impersonate(admin, { 'impersonate-user': 'alice', 'impersonate-group': ['devs'], 'impersonate-uid': 'u-1' }, authz);
  assert.deepEqual(r, { user: { username: 'alice', uid: 'u-1', groups: ['devs', 'system:authenticated'] } });
  const refused = impersonate(admin, { 'impersonate-user': 'alice', 'impersonate-group': ['devs', 'ops'] }, authz);
  assert.ok('error' in refused);
  assert.equal(refused.error.code, 403);
  assert.equal(refused.error.status.message, 'groups "ops" is forbidden: User "admin" cannot impersonate resource "groups" in API group "" at the cluster scope');
});

test('a service account is authorized on serviceaccounts in its namespace and gets its groups', () => {
  const r = impersonate(admin, { 'impersonate-user': 'system:serviceaccount:dev:builder' }, allowing('impersonate serviceaccounts dev/builder'));
  assert.deepEqual(r, { user: { username: 'system:serviceaccount:dev:builder', groups: ['system:serviceaccounts', 'system:serviceaccounts:dev', 'system:authenticated'] } });
});

test('extras are authorized as userextras/<key>', () => {
  const authz = allowing('impersonate users alice', 'impersonate userextras.authentication.k8s.io/scopes view');
  const r = impersonate(admin, { 'impersonate-user': 'alice', 'impersonate-extra-scopes': 'view' }, authz);
  assert.deepEqual(r, { user: { username: 'alice', groups: ['system:authenticated'], extra: { scopes: ['view'] } } });
});

test('groups without a user are a 400; an unauthorized user is a 403', () => {
  const bad = impersonate(admin, { 'impersonate-group': 'devs' }, allowing());
  assert.ok('error' in bad);
  assert.equal(bad.error.code, 400);
  assert.equal(bad.error.status.message, 'requested [groups=devs] without impersonating a user');
  const no = impersonate(admin, { 'impersonate-user': 'alice' }, allowing());
  assert.ok('error' in no);
  assert.equal(no.error.status.message, 'users "alice" is forbidden: User "admin" cannot impersonate resource "users" in API group "" at the cluster scope');
});
