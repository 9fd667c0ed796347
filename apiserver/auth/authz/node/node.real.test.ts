/**
 * The Node authorizer and NodeRestriction end to end: the real API server on
 * real etcd in `Node,RBAC` mode, the test-only authenticator (no credentials
 * = the test admin; `n1-token` = system:node:n1 in system:nodes), two Node
 * objects with a pod bound to each, a Secret mounted by the pod on n1 and
 * one no pod uses.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { startApiServer, type TestApiServer } from '../../../../testutil/apiserver.ts';
import { installTestAuthenticator } from '../../../../testutil/test-authn.ts';
import { waitFor } from '../../../../testutil/wait.ts';

const noEtcd = !['/usr/bin/etcd', '/usr/local/bin/etcd'].some((p) => existsSync(p));
let server: TestApiServer | undefined;

interface Answer { code: number; body: { message?: string; reason?: string; metadata?: { labels?: Record<string, string>; uid?: string } } }

async function call(method: string, path: string, opts: { token?: string; body?: unknown; contentType?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = opts.contentType ?? 'application/json';
  const r = await fetch(`${server!.url}${path}`, { method, headers, ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}) });
  return { code: r.status, body: (await r.json()) as Answer['body'] };
}
const asN1 = (method: string, path: string, body?: unknown, contentType?: string): Promise<Answer> => call(method, path, { token: 'n1-token', body, contentType });

before(async () => {
  if (noEtcd) return;
  server = await startApiServer({
    authorization: 'Node,RBAC',
    configureApp: (app) => installTestAuthenticator(app, { 'n1-token': { username: 'system:node:n1', groups: ['system:nodes'] } }),
  });
  for (const n of ['n1', 'n2']) assert.equal((await call('POST', '/api/v1/nodes', { body: { apiVersion: 'v1', kind: 'Node', metadata: { name: n } } })).code, 201);
  for (const s of ['used', 'unused']) {
    assert.equal((await call('POST', '/api/v1/namespaces/default/secrets', { body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: s }, stringData: { k: 'v' } } })).code, 201);
  }
  const pod = (name: string, nodeName: string, secret?: string): unknown => ({
    apiVersion: 'v1', kind: 'Pod', metadata: { name },
    spec: { nodeName, containers: [{ name: 'c', image: 'busybox' }], ...(secret ? { volumes: [{ name: 'v', secret: { secretName: secret } }] } : {}) },
  });
  assert.equal((await call('POST', '/api/v1/namespaces/default/pods', { body: pod('p1', 'n1', 'used') })).code, 201);
  assert.equal((await call('POST', '/api/v1/namespaces/default/pods', { body: pod('p2', 'n2') })).code, 201);
});

after(async () => {
  await server?.stop();
});

test('system:node:n1 reads what its pods use, once the graph has seen them', { skip: noEtcd ? 'etcd binary not installed' : false }, async () => {
  // The graph follows a watch: wait for the pod's edges to arrive.
  await waitFor(async (note) => {
    const r = await asN1('GET', '/api/v1/namespaces/default/secrets/used');
    note(`${r.code} ${r.body.message ?? ''}`);
    return r.code === 200;
  }, 15000, 'n1 may read the secret its pod mounts');
  assert.equal((await asN1('GET', '/api/v1/namespaces/default/pods/p1')).code, 200);
  assert.equal((await asN1('GET', '/api/v1/nodes/n1')).code, 200);
  assert.equal((await asN1('GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dn1')).code, 200);
});

test('system:node:n1 is refused what is not its own', { skip: noEtcd ? 'etcd binary not installed' : false }, async () => {
  await waitFor(async () => (await asN1('GET', '/api/v1/namespaces/default/pods/p1')).code === 200, 15000, 'graph synced');
  const patch = await asN1('PATCH', '/api/v1/nodes/n2', { metadata: { labels: { stolen: 'yes' } } }, 'application/merge-patch+json');
  assert.equal(patch.code, 403);
  assert.equal(patch.body.reason, 'Forbidden');
  assert.equal(patch.body.message, 'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"');
  assert.equal((await call('GET', '/api/v1/nodes/n2')).body.metadata?.labels?.stolen, undefined, 'the refused patch wrote nothing');

  const pod = await asN1('GET', '/api/v1/namespaces/default/pods/p2');
  assert.equal(pod.code, 403);
  assert.match(pod.body.message ?? '', /^pods "p2" is forbidden: User "system:node:n1" cannot get resource "pods" in API group "" in the namespace "default": no relationship found between node 'n1' and this object/);

  const secret = await asN1('GET', '/api/v1/namespaces/default/secrets/unused');
  assert.equal(secret.code, 403);
  assert.equal((await asN1('GET', '/api/v1/nodes/n2')).code, 403);
  assert.equal((await asN1('GET', '/api/v1/pods')).code, 403, 'an unscoped pod list');
  const plainPod = await asN1('POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'sneaky' }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox' }] } });
  assert.equal(plainPod.code, 403);
  assert.equal((await call('GET', '/api/v1/namespaces/default/pods/sneaky')).code, 404, 'the refused create wrote nothing');
});

test('system:node:n1 writes its own Node status and its own Lease', { skip: noEtcd ? 'etcd binary not installed' : false }, async () => {
  const status = await asN1('PATCH', '/api/v1/nodes/n1/status', { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ok' }] } }, 'application/merge-patch+json');
  assert.equal(status.code, 200, status.body.message);
  const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'n1', namespace: 'kube-node-lease' }, spec: { holderIdentity: 'n1', leaseDurationSeconds: 40 } };
  assert.equal((await asN1('POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', lease)).code, 201);
  assert.equal((await asN1('GET', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1')).code, 200);
  assert.equal((await asN1('PATCH', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1', { spec: { leaseDurationSeconds: 41 } }, 'application/merge-patch+json')).code, 200);
  const other = await asN1('POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', { ...lease, metadata: { name: 'n2', namespace: 'kube-node-lease' } });
  assert.equal(other.code, 403);
  assert.equal((await call('GET', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n2')).code, 404);
});

test('what the Node authorizer has no opinion on falls through to RBAC', { skip: noEtcd ? 'etcd binary not installed' : false }, async () => {
  const path = '/apis/apps/v1/namespaces/default/deployments';
  const before = await asN1('GET', path);
  assert.equal(before.code, 403);
  assert.match(before.body.message ?? '', /User "system:node:n1" cannot list resource "deployments" in API group "apps"/);
  const rbac = '/apis/rbac.authorization.k8s.io/v1';
  assert.equal((await call('POST', `${rbac}/clusterroles`, { body: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'deploy-reader' }, rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['list'] }] } })).code, 201);
  assert.equal((await call('POST', `${rbac}/clusterrolebindings`, { body: {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'n1-deploy-reader' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'deploy-reader' }, subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'system:node:n1' }],
  } })).code, 201);
  await waitFor(async () => (await asN1('GET', path)).code === 200, 15000, 'RBAC grants n1 the deployment list');
});

test('system:node:n1 gets ServiceAccount tokens only bound to its own pods (NodeRestriction)', { skip: noEtcd ? 'etcd binary not installed' : false }, async () => {
  const sa = await call('GET', '/api/v1/namespaces/default/serviceaccounts/default');
  if (sa.code === 404) assert.equal((await call('POST', '/api/v1/namespaces/default/serviceaccounts', { body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } } })).code, 201);
  const uid = async (name: string): Promise<string> => (await call('GET', `/api/v1/namespaces/default/pods/${name}`)).body.metadata?.uid ?? '';
  const request = (bound?: { name: string; uid?: string }): unknown => ({
    apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest',
    spec: { audiences: [], expirationSeconds: 3600, ...(bound ? { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', ...bound } } : {}) },
  });
  const path = '/api/v1/namespaces/default/serviceaccounts/default/token';
  await waitFor(async (note) => {
    const r = await asN1('POST', path, request({ name: 'p1', uid: await uid('p1') }));
    note(`${r.code} ${r.body.message ?? ''}`);
    return r.code === 201;
  }, 15000, 'n1 gets a token bound to its own pod p1');
  const other = await asN1('POST', path, request({ name: 'p2', uid: await uid('p2') }));
  assert.equal(other.code, 403);
  const unbound = await asN1('POST', path, request());
  assert.equal(unbound.code, 403);
  assert.match(unbound.body.message ?? '', /node requested token not bound to a pod/);
  const noUid = await asN1('POST', path, request({ name: 'p1' }));
  assert.equal(noUid.code, 403);
  assert.match(noUid.body.message ?? '', /without a uid/);
});
