/**
 * The schema check through the real routes and store on real etcd:
 * fieldValidation directives, Warning headers, pruning on create, update,
 * patch, status and scale, and decode errors for wrongly typed fields.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import type { FastifyInstance } from 'fastify';
import { startEtcd, type TestEtcd } from '../../testutil/etcd.ts';
import { quietLogger } from '../../testutil/log.ts';
import { allResources } from '../registry/resources/index.ts';
import { buildCoreApp } from './core.ts';

let etcd: TestEtcd;
let client: Etcd3;
let app: FastifyInstance;

before(async () => {
  etcd = await startEtcd();
  client = new Etcd3({ hosts: etcd.endpoint });
  app = buildCoreApp({ etcd: client, defs: allResources(), serviceCIDR: '10.96.0.0/12', log: quietLogger('test') }).app;
  await app.ready();
  assert.equal((await call('POST', '/api/v1/namespaces', { metadata: { name: 'team' } })).code, 201);
});

after(async () => {
  await app.close();
  client.close();
  await etcd.stop();
});

interface Reply { code: number; body: Record<string, unknown>; warnings: string[] }

async function call(method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, body?: unknown, contentType = 'application/json'): Promise<Reply> {
  const res = await app.inject({ method, url, payload: body === undefined ? undefined : JSON.stringify(body), headers: body === undefined ? {} : { 'content-type': contentType } });
  const w = res.headers.warning;
  return { code: res.statusCode, body: JSON.parse(res.body) as Record<string, unknown>, warnings: w === undefined ? [] : Array.isArray(w) ? w : [w] };
}

const pods = '/api/v1/namespaces/team/pods';
const podBody = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...extra },
});
const spec = (r: Reply): Record<string, unknown> => r.body.spec as Record<string, unknown>;

test('create: unknown fields are dropped with a Warning by default, rejected with Strict, silent with Ignore', async () => {
  const warned = await call('POST', pods, podBody('warned', { foo: 1 }));
  assert.equal(warned.code, 201, JSON.stringify(warned.body));
  assert.deepEqual(warned.warnings, ['299 - "unknown field \\"spec.foo\\""']);
  assert.equal(Object.hasOwn(spec(warned), 'foo'), false);
  assert.equal(Object.hasOwn(spec(await call('GET', `${pods}/warned`)), 'foo'), false, 'not stored');

  const strict = await call('POST', `${pods}?fieldValidation=Strict`, podBody('strict', { foo: 1 }));
  assert.equal(strict.code, 400);
  assert.equal(strict.body.message, 'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.foo"');
  assert.equal((await call('GET', `${pods}/strict`)).code, 404, 'nothing written');

  const ignored = await call('POST', `${pods}?fieldValidation=Ignore`, podBody('ignored', { foo: 1 }));
  assert.deepEqual([ignored.code, ignored.warnings, Object.hasOwn(spec(ignored), 'foo')], [201, [], false]);

  const bad = await call('POST', `${pods}?fieldValidation=Loud`, podBody('bad'));
  assert.equal(bad.code, 422);
  assert.equal(bad.body.message, 'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Loud": supported values: "", "Ignore", "Strict", "Warn"');
});

test('wrongly typed fields are 400 BadRequest and write nothing', async () => {
  const r = await call('POST', pods, { ...podBody('typed'), spec: { containers: { name: 'c' } } });
  assert.equal(r.code, 400);
  assert.equal(r.body.reason, 'BadRequest');
  assert.equal(r.body.message, 'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal object into Go struct field PodSpec.spec.containers of type []v1.Container');
  assert.equal((await call('GET', `${pods}/typed`)).code, 404);
  const d = await call('POST', '/apis/apps/v1/namespaces/team/deployments', { metadata: { name: 'd' }, spec: { replicas: 2147483648, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } });
  assert.equal(d.code, 400);
  assert.match(String(d.body.message), /cannot unmarshal number 2147483648 into Go struct field DeploymentSpec\.spec\.replicas of type int32$/);
});

test('patch, update and status writes are checked after the patch applies', async () => {
  await call('POST', pods, podBody('p'));
  const strict = await call('PATCH', `${pods}/p?fieldValidation=Strict`, { spec: { bogus: true } }, 'application/merge-patch+json');
  assert.equal(strict.code, 400);
  assert.match(String(strict.body.message), /strict decoding error: unknown field "spec\.bogus"$/);
  const warn = await call('PATCH', `${pods}/p`, { metadata: { labels: { a: 'b' } }, spec: { bogus: true } }, 'application/strategic-merge-patch+json');
  assert.equal(warn.code, 200);
  assert.deepEqual(warn.warnings, ['299 - "unknown field \\"spec.bogus\\""']);
  assert.deepEqual((warn.body.metadata as Record<string, unknown>).labels, { a: 'b' });
  const typed = await call('PATCH', `${pods}/p`, { metadata: { labels: 5 } }, 'application/merge-patch+json');
  assert.equal(typed.code, 400);
  assert.match(String(typed.body.message), /json: cannot unmarshal number into Go struct field ObjectMeta\.metadata\.labels of type map\[string\]string$/);

  const cur = (await call('GET', `${pods}/p`)).body;
  const put = await call('PUT', `${pods}/p`, { ...cur, extra: 1 });
  assert.deepEqual([put.code, put.warnings], [200, ['299 - "unknown field \\"extra\\""']]);
  const status = await call('PUT', `${pods}/p/status`, { ...put.body, status: { phase: 'Running', mood: 'good' } });
  assert.equal(status.code, 200);
  assert.deepEqual(status.warnings, ['299 - "unknown field \\"status.mood\\""']);
  assert.equal((status.body.status as Record<string, unknown>).phase, 'Running');
});

test('scale: the Scale body is checked as autoscaling/v1 Scale; replicas still reach the deployment', async () => {
  const d = await call('POST', '/apis/apps/v1/namespaces/team/deployments', { metadata: { name: 'web' }, spec: { replicas: 1, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } });
  assert.equal(d.code, 201, JSON.stringify(d.body));
  const url = '/apis/apps/v1/namespaces/team/deployments/web/scale';
  const ok = await call('PATCH', url, { spec: { replicas: 3, surplus: 1 } }, 'application/merge-patch+json');
  assert.deepEqual([ok.code, ok.warnings, (ok.body.spec as Record<string, unknown>).replicas], [200, ['299 - "unknown field \\"spec.surplus\\""'], 3]);
  const bad = await call('PATCH', url, { spec: { replicas: 'many' } }, 'application/merge-patch+json');
  assert.equal(bad.code, 400);
  assert.equal(bad.body.message, 'Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal string into Go struct field ScaleSpec.spec.replicas of type int32');
  const neg = await call('PATCH', url, { spec: { replicas: -1 } }, 'application/merge-patch+json');
  assert.equal(neg.code, 422, 'validation still runs after the schema check');
});
