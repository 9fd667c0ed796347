// The authentication APIs through the full server (buildServer, plain-HTTP
// mode, app.inject) on real etcd: TokenRequest's rules, TokenReview of the
// tokens it signs (and of tokens whose SA or pod is gone), SelfSubjectReview,
// ServiceAccounts' table, and that admission sees the request's user.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { Etcd3 } from 'etcd3';
import { startEtcd, type TestEtcd } from '../../../testutil/etcd.ts';
import { etcdSkipReason, quietLogger } from '../../../testutil/real-api.ts';
import type { AdmissionAttributes } from '../../registry/admission/chain.ts';
import { buildServer } from '../../server.ts';

const skip = etcdSkipReason();
let etcd: TestEtcd | undefined;
let client: Etcd3 | undefined;
let app: FastifyInstance;
const seen: AdmissionAttributes[] = [];

before(async () => {
  if (skip) return;
  etcd = await startEtcd();
  client = new Etcd3({ hosts: [etcd.endpoint] });
  const core = buildServer({
    etcd: client, serviceCIDR: '10.96.0.0/12', log: quietLogger('apiserver'),
    admission: () => ({ mutating: [], validating: [(a) => { seen.push(a); }] }),
  });
  app = core.app;
  await app.ready();
  for (const ns of ['default', 'kube-system']) await post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
});
after(async () => {
  await app?.close();
  client?.close();
  await etcd?.stop();
});

async function post(url: string, body: unknown): Promise<{ code: number; body: Record<string, unknown> }> {
  const r = await app.inject({ method: 'POST', url, payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return { code: r.statusCode, body: r.json() as Record<string, unknown> };
}
const TR = (spec: Record<string, unknown>) => ({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec });
const review = async (token: string, audiences?: string[]) =>
  (await post('/apis/authentication.k8s.io/v1/tokenreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, ...(audiences ? { audiences } : {}) } })).body.status as { authenticated?: boolean; user?: { username?: string; extra?: Record<string, string[]> }; audiences?: string[]; error?: string };

test('admission sees the request user (system:admin in plain-HTTP mode)', { skip }, async () => {
  seen.length = 0;
  assert.equal((await post('/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } })).code, 201);
  assert.deepEqual(seen.map((a) => a.user), [{ username: 'system:admin', groups: ['system:masters', 'system:authenticated'] }]);
});

test('SelfSubjectReview v1, v1beta1 and v1alpha1 answer the requester', { skip }, async () => {
  for (const v of ['v1', 'v1beta1', 'v1alpha1']) {
    const r = await post(`/apis/authentication.k8s.io/${v}/selfsubjectreviews`, { apiVersion: `authentication.k8s.io/${v}`, kind: 'SelfSubjectReview' });
    assert.equal(r.code, 201);
    assert.deepEqual(r.body, { kind: 'SelfSubjectReview', apiVersion: `authentication.k8s.io/${v}`, metadata: { creationTimestamp: null }, status: { userInfo: { username: 'system:admin', groups: ['system:masters', 'system:authenticated'] } } });
  }
});

test('TokenRequest: defaults, lifetime bounds, missing SA, bound objects; TokenReview of what it signs', { skip }, async () => {
  const sa = await post('/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot' } });
  assert.equal(sa.code, 201);
  const url = '/api/v1/namespaces/default/serviceaccounts/robot/token';
  const plain = await post(url, TR({}));
  assert.equal(plain.code, 201);
  const spec = plain.body.spec as { audiences: string[]; expirationSeconds: number };
  assert.deepEqual(spec.audiences, ['https://kubernetes.default.svc.cluster.local']);
  assert.equal(spec.expirationSeconds, 3600);
  const token = (plain.body.status as { token: string }).token;
  const ok = await review(token);
  assert.equal(ok.authenticated, true);
  assert.equal(ok.user?.username, 'system:serviceaccount:default:robot');
  assert.deepEqual(ok.audiences, ['https://kubernetes.default.svc.cluster.local']);
  const wrongAud = await review(token, ['vault']);
  assert.equal(wrongAud.authenticated, undefined);
  assert.match(wrongAud.error ?? '', /token audiences .* is invalid for the target audiences \["vault"\]/);

  const short = await post(url, TR({ expirationSeconds: 599 }));
  assert.equal(short.code, 422);
  assert.equal(short.body.message, 'TokenRequest.authentication.k8s.io "robot" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes');
  assert.equal((await post('/api/v1/namespaces/default/serviceaccounts/nobody/token', TR({}))).code, 404);
  assert.equal((await post(url, TR({ boundObjectRef: { kind: 'ConfigMap', apiVersion: 'v1', name: 'c' } }))).code, 400);
  assert.equal((await post(url, TR({ boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'missing' } }))).code, 404);

  const pod = await post('/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { containers: [{ name: 'c', image: 'i' }] } });
  assert.equal(pod.code, 201);
  const podUid = (pod.body.metadata as { uid: string }).uid;
  assert.equal((await post(url, TR({ boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: 'other' } }))).code, 409);
  const podBound = await post(url, TR({ audiences: ['vault'], expirationSeconds: 600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: podUid } }));
  assert.equal(podBound.code, 201);
  const podToken = (podBound.body.status as { token: string }).token;
  const r = await review(podToken, ['vault']);
  assert.equal(r.authenticated, true);
  assert.deepEqual(r.user?.extra?.['authentication.kubernetes.io/pod-name'], ['web']);

  // Deleting the pod (immediately) and then the SA invalidates their tokens.
  assert.equal((await app.inject({ method: 'DELETE', url: '/api/v1/namespaces/default/pods/web?gracePeriodSeconds=0' })).statusCode, 200);
  assert.match((await review(podToken, ['vault'])).error ?? '', /pods "web" not found/);
  assert.equal((await app.inject({ method: 'DELETE', url: '/api/v1/namespaces/default/serviceaccounts/robot' })).statusCode, 200);
  assert.match((await review(token)).error ?? '', /serviceaccounts "robot" not found/);
  assert.equal((await post('/apis/authentication.k8s.io/v1/tokenreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: {} })).code, 400);
});

test('discovery: authentication.k8s.io prefers v1; serviceaccounts/token creates TokenRequests', { skip }, async () => {
  const g = (await app.inject({ url: '/apis/authentication.k8s.io' })).json() as { preferredVersion: { version: string }; versions: Array<{ version: string }> };
  assert.equal(g.preferredVersion.version, 'v1');
  assert.deepEqual(g.versions.map((v) => v.version), ['v1', 'v1beta1', 'v1alpha1']);
  const v1 = (await app.inject({ url: '/apis/authentication.k8s.io/v1' })).json() as { resources: Array<{ name: string; verbs: string[]; namespaced: boolean }> };
  assert.deepEqual(v1.resources.map((r) => [r.name, r.verbs, r.namespaced]), [['selfsubjectreviews', ['create'], false], ['tokenreviews', ['create'], false]]);
  const core = (await app.inject({ url: '/api/v1' })).json() as { resources: Array<{ name: string; verbs: string[]; kind: string; group?: string }> };
  const token = core.resources.find((r) => r.name === 'serviceaccounts/token');
  assert.deepEqual(token && { verbs: token.verbs, kind: token.kind, group: token.group }, { verbs: ['create'], kind: 'TokenRequest', group: 'authentication.k8s.io' });
});

test('ServiceAccounts: validation and the SECRETS column', { skip }, async () => {
  const bad = await post('/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'Bad_Name' } });
  assert.equal(bad.code, 422);
  await post('/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder' }, secrets: [{ name: 's1' }] });
  const t = await app.inject({ method: 'GET', url: '/api/v1/namespaces/default/serviceaccounts/builder', headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } });
  const table = t.json() as { columnDefinitions: Array<{ name: string }>; rows: Array<{ cells: unknown[] }> };
  assert.deepEqual(table.columnDefinitions.map((c) => c.name), ['Name', 'Secrets', 'Age']);
  assert.deepEqual(table.rows[0].cells.slice(0, 2), ['builder', 1]);
});
