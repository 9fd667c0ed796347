import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nonResourceAttributes, resourceAttributes } from './attributes.ts';
import { forbiddenError } from './forbidden.ts';

const u = { username: 'bob', groups: [] };

test('forbidden messages as kube-apiserver writes them', () => {
  const cases: Array<[ReturnType<typeof forbiddenError>, string, Record<string, string>]> = [
    [forbiddenError(resourceAttributes(u, { verb: 'list', resource: 'pods', namespace: 'default' }), ''), 'pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "default"', { kind: 'pods' }],
    [forbiddenError(resourceAttributes(u, { verb: 'get', resource: 'pods', subresource: 'log', name: 'web', namespace: 'default' }), ''), 'pods "web" is forbidden: User "bob" cannot get resource "pods/log" in API group "" in the namespace "default"', { kind: 'pods', name: 'web' }],
    [forbiddenError(resourceAttributes(u, { verb: 'list', apiGroup: 'apps', resource: 'deployments' }), ''), 'deployments.apps is forbidden: User "bob" cannot list resource "deployments" in API group "apps" at the cluster scope', { kind: 'deployments', group: 'apps' }],
    [forbiddenError(nonResourceAttributes(u, 'get', '/metrics'), ''), 'forbidden: User "bob" cannot get path "/metrics"', { kind: '' }],
    [forbiddenError(resourceAttributes(u, { verb: 'get', resource: 'nodes', name: 'n1' }), 'RBAC: clusterrole.rbac.authorization.k8s.io "x" not found'), 'nodes "n1" is forbidden: User "bob" cannot get resource "nodes" in API group "" at the cluster scope: RBAC: clusterrole.rbac.authorization.k8s.io "x" not found', { kind: 'nodes', name: 'n1' }],
  ];
  for (const [err, message, details] of cases) {
    assert.equal(err.code, 403);
    assert.equal(err.status.reason, 'Forbidden');
    assert.equal(err.status.message, message);
    assert.deepEqual(err.status.details, details);
  }
});
