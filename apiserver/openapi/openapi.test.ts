import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { allResources } from '../registry/resources/index.ts';
import { registerOpenAPI } from './index.ts';

interface Op { 'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }; 'x-kubernetes-action'?: string; parameters?: Array<{ name: string; in: string }> }
interface Doc { openapi: string; paths: Record<string, Record<string, Op>>; components: { schemas: object } }

async function app() {
  const a = Fastify();
  registerOpenAPI(a, allResources());
  await a.ready();
  return a;
}

test('/openapi/v3 index points at every group/version with a content hash', async () => {
  const a = await app();
  const res = await a.inject({ method: 'GET', url: '/openapi/v3' });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  const idx = res.json() as { paths: Record<string, { serverRelativeURL: string }> };
  assert.deepEqual(Object.keys(idx.paths).sort(), ['api/v1', 'apis/apps/v1', 'apis/authorization.k8s.io/v1', 'apis/batch/v1', 'apis/certificates.k8s.io/v1', 'apis/coordination.k8s.io/v1', 'apis/discovery.k8s.io/v1', 'apis/networking.k8s.io/v1', 'apis/policy/v1', 'apis/rbac.authorization.k8s.io/v1']);
  for (const [k, v] of Object.entries(idx.paths)) {
    assert.match(v.serverRelativeURL, new RegExp(`^/openapi/v3/${k.replace(/\./g, '\\.')}\\?hash=[0-9A-F]{128}$`));
    const doc = await a.inject({ method: 'GET', url: v.serverRelativeURL });
    assert.equal(doc.statusCode, 200, k);
    assert.equal((doc.json() as Doc).openapi, '3.0.0');
  }
  await a.close();
});

test('PATCH operations carry the GVK and a fieldValidation parameter (what kubectl apply checks)', async () => {
  const a = await app();
  const apps = (await a.inject({ method: 'GET', url: '/openapi/v3/apis/apps/v1' })).json() as Doc;
  const patch = apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}']!.patch!;
  assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: 'apps', version: 'v1', kind: 'Deployment' });
  assert.equal(patch['x-kubernetes-action'], 'patch');
  assert.ok(patch.parameters!.some((p) => p.name === 'fieldValidation' && p.in === 'query'));
  const scale = apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale']!.patch!;
  assert.deepEqual(scale['x-kubernetes-group-version-kind'], { group: 'autoscaling', version: 'v1', kind: 'Scale' });
  const core = (await a.inject({ method: 'GET', url: '/openapi/v3/api/v1' })).json() as Doc;
  const kinds = new Set<string>();
  for (const ops of Object.values(core.paths)) {
    const p = ops.patch;
    if (p?.parameters?.some((x) => x.name === 'fieldValidation')) kinds.add(p['x-kubernetes-group-version-kind']!.kind);
  }
  assert.deepEqual([...kinds].sort(), ['ConfigMap', 'Endpoints', 'Event', 'Namespace', 'Node', 'Pod', 'Secret', 'Service', 'ServiceAccount']);
  assert.ok(core.paths['/api/v1/nodes/{name}'], 'cluster-scoped paths have no namespace');
  assert.ok(!Object.keys(core.paths).some((k) => k.includes('componentstatuses')), 'virtual resources have no write paths');
  assert.ok(core.paths['/api/v1/namespaces/{namespace}/pods/{name}/binding']!.post);
  await a.close();
});

test('unknown documents answer a 404 Status', async () => {
  const a = await app();
  for (const url of ['/openapi/v3/apis/storage.k8s.io/v1', '/openapi/v3/api/v2']) {
    const res = await a.inject({ method: 'GET', url });
    assert.equal(res.statusCode, 404, url);
    const body = res.json() as { kind: string; code: number; reason: string };
    assert.deepEqual([body.kind, body.code, body.reason], ['Status', 404, 'NotFound']);
  }
  await a.close();
});
