/**
 * managedFields on every write and server-side apply, through the real
 * routes and generic store on real etcd: managers from fieldManager or the
 * user agent, ownership moving on update, status and scale subresources,
 * apply create/conflict/force/prune, option validation, dryRun, and that a
 * rejected write stores nothing.
 */
import type { Storage } from '../storage/interface.ts';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import type { FastifyInstance } from 'fastify';
import type { ManagedFieldsEntry } from 'kubernetes-types/meta/v1';
import { startEtcd, type TestEtcd } from '../../testutil/etcd.ts';
import { quietLogger } from '../../testutil/log.ts';
import { buildCoreApp } from '../routes/core.ts';
import { testDefs } from '../routes/core.test-helper.ts';
import type { EtcdStorage } from '../storage/etcd.ts';
import type { KubeObject } from '../api/object.ts';

let etcd: TestEtcd;
let client: Etcd3;
let app: FastifyInstance;
let storage: Storage;

before(async () => {
  etcd = await startEtcd();
  client = new Etcd3({ hosts: etcd.endpoint });
  const core = buildCoreApp({ etcd: client, defs: testDefs(), serviceCIDR: '10.96.0.0/12', log: quietLogger('test') });
  app = core.app;
  storage = core.storage;
  await app.ready();
  await send('POST', '/api/v1/namespaces', { metadata: { name: 'default' } });
});

after(async () => {
  await app.close();
  client.close();
  await etcd.stop();
});

type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };
interface Res { code: number; body: Obj & { message?: string; reason?: string; details?: { causes?: unknown[] } } }

async function send(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> {
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const h: Record<string, string> = { 'user-agent': 'skiff-test/v1 (linux)', ...headers };
  if (payload !== undefined && !h['content-type']) h['content-type'] = 'application/json';
  const res = await app.inject({ method: method as 'GET', url, payload, headers: h });
  return { code: res.statusCode, body: JSON.parse(res.body) as Res['body'] };
}

const apply = (url: string, yaml: string, q = ''): Promise<Res> => send('PATCH', `${url}${q}`, yaml, { 'content-type': 'application/apply-patch+yaml' });
const entries = (o: KubeObject): ManagedFieldsEntry[] => o.metadata?.managedFields ?? [];
const who = (o: KubeObject): string[] => entries(o).map((e) => `${e.manager}/${e.operation}${e.subresource ? `/${e.subresource}` : ''}`);
const fieldsOf = (o: KubeObject, manager: string): string => JSON.stringify(entries(o).find((e) => e.manager === manager)?.fieldsV1 ?? null);

const D = '/apis/apps/v1/namespaces/default/deployments';
const dep = (name: string, replicas: number, image = 'nginx'): string => [
  'apiVersion: apps/v1', 'kind: Deployment', `metadata: {name: ${name}}`, 'spec:', `  replicas: ${replicas}`,
  '  template:', '    spec:', '      containers:', `      - {name: web, image: ${image}}`, '',
].join('\n');

test('create, update, patch and status writes record their managers (fieldManager, else the user agent program)', async () => {
  const P = '/api/v1/namespaces/default/pods';
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'mf', labels: { a: '1' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
  const c = await send('POST', `${P}?fieldManager=kubectl-create`, pod);
  assert.equal(c.code, 201);
  assert.deepEqual(who(c.body), ['kubectl-create/Update']);
  assert.equal(entries(c.body)[0].apiVersion, 'v1');
  assert.equal(entries(c.body)[0].fieldsType, 'FieldsV1');
  assert.equal(fieldsOf(c.body, 'kubectl-create'), '{"f:metadata":{"f:labels":{".":{},"f:a":{}}},"f:spec":{"f:containers":{".":{},"k:{\\"name\\":\\"c\\"}":{".":{},"f:image":{},"f:name":{}}}}}');

  const u = await send('PUT', `${P}/mf`, { ...c.body, spec: { containers: [{ name: 'c', image: 'busybox:2' }] } }, { 'user-agent': 'kubectl-edit/v1.33.0 (linux/amd64)' });
  assert.equal(u.code, 200);
  assert.deepEqual(who(u.body), ['kubectl-create/Update', 'kubectl-edit/Update']);
  assert.match(fieldsOf(u.body, 'kubectl-edit'), /f:image/);
  assert.doesNotMatch(fieldsOf(u.body, 'kubectl-create'), /f:image/);

  const p = await send('PATCH', `${P}/mf?fieldManager=kubectl-label`, { metadata: { labels: { b: '2' } } }, { 'content-type': 'application/merge-patch+json' });
  assert.equal(p.code, 200);
  assert.equal(fieldsOf(p.body, 'kubectl-label'), '{"f:metadata":{"f:labels":{"f:b":{}}}}');

  const s = await send('PUT', `${P}/mf/status`, { ...p.body, status: { phase: 'Running' } }, { 'user-agent': 'kubelet/v1.33' });
  assert.equal(s.code, 200);
  assert.ok(who(s.body).includes('kubelet/Update/status'), who(s.body).join());

  // A write that changes nothing records nothing and stores nothing.
  const same = await send('PUT', `${P}/mf`, s.body, { 'user-agent': 'noop/v1' });
  assert.equal(same.body.metadata?.resourceVersion, s.body.metadata?.resourceVersion);
  assert.ok(!who(same.body).some((w) => w.startsWith('noop')));

  // [{}] clears managedFields.
  const cleared = await send('PUT', `${P}/mf`, { ...s.body, metadata: { ...s.body.metadata, managedFields: [{}] } });
  assert.equal(cleared.code, 200);
  assert.equal(cleared.body.metadata?.managedFields, undefined);
});

test('kubectl scale (PATCH …/scale) records its manager with subresource scale', async () => {
  assert.equal((await apply(`${D}/scaled`, dep('scaled', 1), '?fieldManager=first')).code, 201);
  const r = await send('PATCH', `${D}/scaled/scale`, { spec: { replicas: 4 } }, { 'content-type': 'application/merge-patch+json', 'user-agent': 'kubectl/v1.33.1 (linux/amd64) kubernetes/abc' });
  assert.equal(r.code, 200);
  const d = await send('GET', `${D}/scaled`);
  assert.deepEqual(who(d.body), ['first/Apply', 'kubectl/Update/scale']);
  assert.equal(fieldsOf(d.body, 'kubectl'), '{"f:spec":{"f:replicas":{}}}');
});

test('apply: creates, re-applies as a no-op, conflicts with the manager of a changed field, force takes ownership', async () => {
  const c = await apply(`${D}/web`, dep('web', 2), '?fieldManager=first');
  assert.equal(c.code, 201);
  assert.deepEqual(who(c.body), ['first/Apply']);
  assert.match(fieldsOf(c.body, 'first'), /"f:replicas":\{\}/);

  const again = await apply(`${D}/web`, dep('web', 2), '?fieldManager=first');
  assert.equal(again.code, 200);
  assert.equal(again.body.metadata?.resourceVersion, c.body.metadata?.resourceVersion);

  const before = await storage.get('/registry/deployments/default/web');
  const x = await apply(`${D}/web`, dep('web', 3), '?fieldManager=second');
  assert.equal(x.code, 409);
  assert.equal(x.body.reason, 'Conflict');
  assert.equal(x.body.message, 'Apply failed with 1 conflict: conflict with "first": .spec.replicas');
  assert.deepEqual(x.body.details?.causes, [{ reason: 'FieldManagerConflict', message: 'conflict with "first"', field: '.spec.replicas' }]);
  assert.deepEqual(await storage.get('/registry/deployments/default/web'), before);

  const f = await apply(`${D}/web`, dep('web', 3), '?fieldManager=second&force=true');
  assert.equal(f.code, 200);
  assert.equal(f.body.spec?.replicas, 3);
  assert.doesNotMatch(fieldsOf(f.body, 'first'), /f:replicas/);
  assert.match(fieldsOf(f.body, 'second'), /f:replicas/);
});

test('apply removes fields the manager no longer applies, unless another manager owns them', async () => {
  const withLabels = (labels: string): string => dep('prune', 1).replace('metadata: {name: prune}', `metadata: {name: prune, labels: {${labels}}}`);
  assert.equal((await apply(`${D}/prune`, withLabels('a: x, b: y'), '?fieldManager=m1')).code, 201);
  assert.equal((await send('PATCH', `${D}/prune?fieldManager=m2`, { metadata: { labels: { c: 'z' } } }, { 'content-type': 'application/merge-patch+json' })).code, 200);
  const r = await apply(`${D}/prune`, withLabels('a: x'), '?fieldManager=m1');
  assert.equal(r.code, 200);
  assert.deepEqual(r.body.metadata?.labels, { a: 'x', c: 'z' });
});

test('apply validation: fieldManager required (422), force only with apply, apiVersion and kind checked (400), dryRun stores nothing', async () => {
  const noMgr = await apply(`${D}/val`, dep('val', 1));
  assert.equal(noMgr.code, 422);
  assert.equal(noMgr.body.message, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
  const force = await send('PATCH', `${D}/val?force=true`, {}, { 'content-type': 'application/merge-patch+json' });
  assert.equal(force.code, 422);
  assert.equal(force.body.message, 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch');
  const longName = await send('POST', `${D}?fieldManager=${'x'.repeat(129)}`, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'val' } });
  assert.equal(longName.code, 422);
  assert.match(String(longName.body.message), /^CreateOptions\.meta\.k8s\.io "" is invalid: fieldManager: Too long/);
  const version = await apply(`${D}/val`, dep('val', 1).replace('apps/v1', 'apps/v1beta1'), '?fieldManager=m');
  assert.equal(version.code, 400);
  assert.equal(version.body.message, 'Incorrect version specified in apply patch. Specified patch version: apps/v1beta1, expected: apps/v1');
  const kind = await apply(`${D}/val`, dep('val', 1).replace('kind: Deployment', 'kind: ReplicaSet'), '?fieldManager=m');
  assert.equal(kind.code, 400);
  const dry = await apply(`${D}/val`, dep('val', 1), '?fieldManager=m&dryRun=All');
  assert.equal(dry.code, 201);
  assert.deepEqual(who(dry.body), ['m/Apply']);
  assert.equal(await storage.get('/registry/deployments/default/val'), undefined);
});

test('apply to the status subresource records a status Apply entry owning only status', async () => {
  assert.equal((await apply(`${D}/st`, dep('st', 1), '?fieldManager=owner')).code, 201);
  const status = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: st}\nspec: {replicas: 9}\nstatus: {replicas: 1}\n';
  const r = await apply(`${D}/st/status`, status, '?fieldManager=ctrl');
  assert.equal(r.code, 200);
  assert.equal(r.body.spec?.replicas, 1);
  assert.equal(r.body.status?.replicas, 1);
  const e = entries(r.body).find((x) => x.manager === 'ctrl');
  assert.equal(e?.subresource, 'status');
  assert.equal(e?.operation, 'Apply');
  assert.equal(JSON.stringify(e?.fieldsV1), '{"f:status":{"f:replicas":{}}}');
});

test('an apply that would create an object in another namespace than the URL\'s is a 400 and stores nothing', async () => {
  const r = await apply(`${D}/elsewhere`, dep('elsewhere', 1).replace('metadata: {name: elsewhere}', 'metadata: {name: elsewhere, namespace: other}'), '?fieldManager=m');
  assert.equal(r.code, 400);
  assert.equal(r.body.message, 'the namespace of the provided object does not match the namespace sent on the request');
  assert.equal(await storage.get('/registry/deployments/default/elsewhere'), undefined);
});
