import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { allResources } from '../registry/resources/index.ts';
import { registerOpenAPI } from './index.ts';
import { decode, message, string, bool, type WireField } from './protowire.ts';
import { openAPIV2ProtoType, patchPaths } from './v2.ts';

const sub = (fields: WireField[], n: number): Buffer[] => fields.filter((f) => f.field === n).map((f) => f.value as Buffer);
const str = (fields: WireField[], n: number): string => (sub(fields, n)[0] ?? Buffer.alloc(0)).toString('utf8');

test('protowire round trip', () => {
  const buf = Buffer.concat([string(1, 'x'.repeat(200)), message(2, string(1, 'a'), bool(3, true)), bool(4, false)]);
  const top = decode(buf);
  assert.equal(top.length, 2);
  assert.equal(str(top, 1), 'x'.repeat(200));
  const inner = decode(sub(top, 2)[0]!);
  assert.equal(str(inner, 1), 'a');
  assert.deepEqual(inner[1], { field: 3, wireType: 0, value: 1 });
});

test('/openapi/v2 protobuf: every PATCH operation has a GVK extension and a fieldValidation query parameter', async () => {
  const app = Fastify();
  registerOpenAPI(app, allResources());
  const res = await app.inject({ method: 'GET', url: '/openapi/v2', headers: { accept: openAPIV2ProtoType } });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'application/octet-stream');
  const doc = decode(res.rawPayload);
  assert.equal(str(doc, 1), '2.0');
  assert.equal(str(decode(sub(doc, 2)[0]!), 1), 'Kubernetes');
  const paths = sub(decode(sub(doc, 8)[0]!), 2).map((p) => decode(p));
  assert.equal(paths.length, patchPaths(allResources()).length);
  const found = new Map<string, string>();
  for (const p of paths) {
    const name = str(p, 1);
    const item = decode(sub(p, 2)[0]!);
    const op = decode(sub(item, 8)[0]!);
    const params = sub(op, 8).map((pi) => decode(sub(decode(sub(decode(sub(decode(pi), 1)[0]!), 2)[0]!), 3)[0]!));
    assert.ok(params.some((q) => str(q, 4) === 'fieldValidation' && str(q, 2) === 'query'), name);
    const exts = sub(op, 13).map((e) => decode(e));
    const gvk = exts.find((e) => str(e, 1) === 'x-kubernetes-group-version-kind')!;
    found.set(name, str(decode(sub(gvk, 2)[0]!), 2));
  }
  assert.equal(found.get('/apis/apps/v1/namespaces/{namespace}/deployments/{name}'), 'group: "apps"\nkind: Deployment\nversion: v1\n');
  assert.equal(found.get('/api/v1/namespaces/{name}'), 'group: ""\nkind: Namespace\nversion: v1\n');
  assert.equal(found.get('/apis/apps/v1/namespaces/{namespace}/replicasets/{name}/scale'), 'group: "autoscaling"\nkind: Scale\nversion: v1\n');
  const json = await app.inject({ method: 'GET', url: '/openapi/v2', headers: { accept: 'application/json' } });
  const body = json.json() as { swagger: string; paths: Record<string, { patch: { 'x-kubernetes-group-version-kind': { kind: string } } }> };
  assert.equal(body.swagger, '2.0');
  assert.equal(body.paths['/api/v1/namespaces/{namespace}/pods/{name}']!.patch['x-kubernetes-group-version-kind'].kind, 'Pod');
  await app.close();
});
