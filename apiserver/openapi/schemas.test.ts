import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { allResources } from '../registry/resources/index.ts';
import { registerOpenAPI } from './index.ts';
import { decode, type WireField } from './protowire.ts';
import { openAPIV2ProtoType } from './v2.ts';

type Json = Record<string, unknown>;
const sub = (fields: WireField[], n: number): Buffer[] => fields.filter((f) => f.field === n).map((f) => f.value as Buffer);
const str = (fields: WireField[], n: number): string[] => sub(fields, n).map((b) => b.toString('utf8'));

function refsOf(v: unknown, out: string[] = []): string[] {
  const stack: unknown[] = [v];
  while (stack.length > 0) {
    const x = stack.pop();
    if (Array.isArray(x)) stack.push(...x);
    else if (typeof x === 'object' && x !== null) {
      for (const [k, c] of Object.entries(x)) {
        if (k === '$ref' && typeof c === 'string') out.push(c);
        else stack.push(c);
      }
    }
  }
  return out;
}

async function app() {
  const a = Fastify();
  registerOpenAPI(a, allResources());
  await a.ready();
  return a;
}

test('v3 documents carry the kinds of their group/version, self-contained, refs as allOf with descriptions', async () => {
  const a = await app();
  const apps = (await a.inject({ method: 'GET', url: '/openapi/v3/apis/apps/v1' })).json() as { components: { schemas: Record<string, Json> } };
  const schemas = apps.components.schemas;
  assert.deepEqual(schemas['io.k8s.api.apps.v1.Deployment']!['x-kubernetes-group-version-kind'], [{ group: 'apps', version: 'v1', kind: 'Deployment' }]);
  assert.ok(schemas['io.k8s.api.autoscaling.v1.Scale'], 'the scale subresource kind');
  assert.ok(schemas['io.k8s.api.apps.v1.ReplicaSetList'], 'list kinds');
  assert.equal(schemas['io.k8s.api.core.v1.Service'], undefined, 'core kinds live in api/v1');
  const refs = refsOf(schemas);
  assert.ok(refs.length > 100);
  for (const r of refs) {
    assert.match(r, /^#\/components\/schemas\//);
    assert.ok(schemas[r.slice('#/components/schemas/'.length)], `dangling ${r}`);
  }
  const spec = (schemas['io.k8s.api.apps.v1.DeploymentSpec']!.properties as Record<string, Json>);
  assert.deepEqual(spec.strategy!.allOf, [{ $ref: '#/components/schemas/io.k8s.api.apps.v1.DeploymentStrategy' }]);
  assert.equal(spec.strategy!['x-kubernetes-patch-strategy'], 'retainKeys');
  assert.match(String(spec.strategy!.description), /deployment strategy/);
  const core = (await a.inject({ method: 'GET', url: '/openapi/v3/api/v1' })).json() as { components: { schemas: Record<string, Json> } };
  const containers = (core.components.schemas['io.k8s.api.core.v1.PodSpec']!.properties as Record<string, Json>).containers!;
  assert.deepEqual([containers.type, containers['x-kubernetes-patch-merge-key'], containers.items], ['array', 'name', { $ref: '#/components/schemas/io.k8s.api.core.v1.Container' }]);
  await a.close();
});

test('v2 protobuf definitions: names, types, refs, required and vendor extensions as YAML', async () => {
  const a = await app();
  const res = await a.inject({ method: 'GET', url: '/openapi/v2', headers: { accept: openAPIV2ProtoType } });
  const defs = new Map(sub(decode(sub(decode(res.rawPayload), 9)[0]!), 1).map((n) => {
    const f = decode(n);
    return [str(f, 1)[0]!, decode(sub(f, 2)[0]!)] as const;
  }));
  const json = (await a.inject({ method: 'GET', url: '/openapi/v2' })).json() as { definitions: Record<string, Json> };
  assert.deepEqual([...defs.keys()], Object.keys(json.definitions), 'the same definitions in both encodings');
  const deployment = defs.get('io.k8s.api.apps.v1.Deployment')!;
  const ext = new Map(sub(deployment, 31).map((e) => { const f = decode(e); return [str(f, 1)[0], str(decode(sub(f, 2)[0]!), 2)[0]] as const; }));
  assert.equal(ext.get('x-kubernetes-group-version-kind'), '- group: apps\n  version: v1\n  kind: Deployment\n');
  assert.deepEqual(str(decode(sub(deployment, 22)[0]!), 1), ['object']);
  const props = new Map(sub(decode(sub(defs.get('io.k8s.api.core.v1.PodSpec')!, 25)[0]!), 1).map((n) => { const f = decode(n); return [str(f, 1)[0]!, decode(sub(f, 2)[0]!)] as const; }));
  const containers = props.get('containers')!;
  assert.deepEqual(str(decode(sub(containers, 22)[0]!), 1), ['array']);
  assert.deepEqual(str(decode(sub(decode(sub(containers, 23)[0]!), 1)[0]!), 1), ['#/definitions/io.k8s.api.core.v1.Container']);
  const cext = new Map(sub(containers, 31).map((e) => { const f = decode(e); return [str(f, 1)[0], str(decode(sub(f, 2)[0]!), 2)[0]] as const; }));
  assert.equal(cext.get('x-kubernetes-patch-merge-key'), 'name\n');
  assert.equal(cext.get('x-kubernetes-list-map-keys'), '- name\n');
  assert.deepEqual(str(defs.get('io.k8s.api.core.v1.Container')!, 19), ['name'], 'required');
  await a.close();
});
