import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requestAttributes, type RequestQuery } from './request-info.ts';

const u = { username: 'u', groups: [] };
type Want = { verb: string; resourceRequest?: boolean; apiGroup?: string; resource?: string; subresource?: string; name?: string; namespace?: string };

// After Kubernetes' requestinfo_test.go.
const cases: Array<[string, string, RequestQuery, Want]> = [
  ['GET', '/api/v1/namespaces/default/pods', {}, { verb: 'list', resource: 'pods', namespace: 'default' }],
  ['GET', '/api/v1/namespaces/default/pods', { watch: 'true' }, { verb: 'watch', resource: 'pods', namespace: 'default' }],
  ['GET', '/api/v1/namespaces/default/pods', { watch: 'false' }, { verb: 'list', resource: 'pods', namespace: 'default' }],
  ['GET', '/api/v1/watch/namespaces/default/pods', {}, { verb: 'watch', resource: 'pods', namespace: 'default' }],
  ['GET', '/api/v1/watch/namespaces/default/pods/web', {}, { verb: 'watch', resource: 'pods', namespace: 'default', name: 'web' }],
  ['GET', '/api/v1/namespaces/default/pods', { fieldSelector: 'metadata.name=web' }, { verb: 'list', resource: 'pods', namespace: 'default', name: 'web' }],
  ['GET', '/api/v1/namespaces/default/pods', { watch: '1', fieldSelector: 'spec.nodeName=n,metadata.name==web' }, { verb: 'watch', resource: 'pods', namespace: 'default', name: 'web' }],
  ['GET', '/api/v1/pods', {}, { verb: 'list', resource: 'pods' }],
  ['GET', '/api/v1/namespaces/default/pods/web', {}, { verb: 'get', resource: 'pods', namespace: 'default', name: 'web' }],
  ['GET', '/api/v1/namespaces/default/pods/web/log', {}, { verb: 'get', resource: 'pods', namespace: 'default', name: 'web', subresource: 'log' }],
  ['POST', '/api/v1/namespaces/default/pods', {}, { verb: 'create', resource: 'pods', namespace: 'default' }],
  // WebSocket connects are GETs but need `create` (Kubernetes 1.31+ AuthorizePodWebsocketUpgradeCreatePermission); SPDY ones are POSTs.
  ['GET', '/api/v1/namespaces/default/pods/web/exec', {}, { verb: 'create', resource: 'pods', namespace: 'default', name: 'web', subresource: 'exec' }],
  ['GET', '/api/v1/namespaces/default/pods/web/attach', {}, { verb: 'create', resource: 'pods', namespace: 'default', name: 'web', subresource: 'attach' }],
  ['GET', '/api/v1/namespaces/default/pods/web/portforward', {}, { verb: 'create', resource: 'pods', namespace: 'default', name: 'web', subresource: 'portforward' }],
  ['POST', '/api/v1/namespaces/default/pods/web/exec', {}, { verb: 'create', resource: 'pods', namespace: 'default', name: 'web', subresource: 'exec' }],
  ['GET', '/apis/example.com/v1/namespaces/default/pods/web/exec', {}, { verb: 'get', apiGroup: 'example.com', resource: 'pods', namespace: 'default', name: 'web', subresource: 'exec' }],
  ['POST', '/api/v1/namespaces/default/pods/web/binding', {}, { verb: 'create', resource: 'pods', namespace: 'default', name: 'web', subresource: 'binding' }],
  ['PUT', '/api/v1/namespaces/default/pods/web', {}, { verb: 'update', resource: 'pods', namespace: 'default', name: 'web' }],
  ['PATCH', '/apis/apps/v1/namespaces/default/deployments/d/scale', {}, { verb: 'patch', apiGroup: 'apps', resource: 'deployments', namespace: 'default', name: 'd', subresource: 'scale' }],
  ['DELETE', '/api/v1/namespaces/default/pods/web', {}, { verb: 'delete', resource: 'pods', namespace: 'default', name: 'web' }],
  ['DELETE', '/api/v1/namespaces/default/pods', {}, { verb: 'deletecollection', resource: 'pods', namespace: 'default' }],
  ['GET', '/api/v1/namespaces', {}, { verb: 'list', resource: 'namespaces' }],
  ['GET', '/api/v1/namespaces/kube-system', {}, { verb: 'get', resource: 'namespaces', namespace: 'kube-system', name: 'kube-system' }],
  ['PUT', '/api/v1/namespaces/kube-system/finalize', {}, { verb: 'update', resource: 'namespaces', namespace: 'kube-system', name: 'kube-system', subresource: 'finalize' }],
  ['PUT', '/api/v1/namespaces/kube-system/status', {}, { verb: 'update', resource: 'namespaces', namespace: 'kube-system', name: 'kube-system', subresource: 'status' }],
  ['GET', '/api/v1/nodes/n1', {}, { verb: 'get', resource: 'nodes', name: 'n1' }],
  ['GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles', {}, { verb: 'list', apiGroup: 'rbac.authorization.k8s.io', resource: 'clusterroles' }],
  ['GET', '/api', {}, { verb: 'get', resourceRequest: false }],
  ['GET', '/api/v1', {}, { verb: 'get', resourceRequest: false }],
  ['GET', '/apis/apps/v1', {}, { verb: 'get', resourceRequest: false }],
  ['GET', '/healthz', {}, { verb: 'get', resourceRequest: false }],
  ['POST', '/openapi/v3', {}, { verb: 'post', resourceRequest: false }],
];

for (const [method, path, q, want] of cases) {
  test(`requestAttributes: ${method} ${path} ${JSON.stringify(q)}`, () => {
    const a = requestAttributes(u, method, path, q);
    assert.deepEqual(
      { verb: a.verb, resourceRequest: a.resourceRequest, apiGroup: a.apiGroup, resource: a.resource, subresource: a.subresource, name: a.name, namespace: a.namespace },
      { resourceRequest: true, apiGroup: '', resource: '', subresource: '', name: '', namespace: '', ...want },
    );
    assert.equal(a.path, path);
  });
}
