/**
 * Hostile and wrongly typed requests through the real server (buildServer,
 * app.inject) on real etcd: each answers a 4xx Status, leaves etcd
 * byte-identical (same revision, same keys and values), and leaves
 * Object.prototype alone, so a normal pod create still works afterwards.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { etcdSkipReason, quietLogger } from '../../../testutil/real-api.ts';

const skip = etcdSkipReason() ?? false;

type Req = { name: string; method: 'POST' | 'PUT' | 'PATCH'; url: string; type?: string; body: string; code: number; msg?: RegExp };

const NS = '/api/v1/namespaces/default';
const container = { name: 'c', image: 'nginx:1' };
const podBody = (spec: unknown, meta: unknown = { name: 'bad' }): string => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: meta, spec });
const cmBody = (meta: unknown): string => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta, data: { a: 'b' } });
const deployBody = (replicas: unknown): string => JSON.stringify({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' },
  spec: { replicas, selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [container] } } },
});
const jobBody = (spec: unknown): string => JSON.stringify({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec });
const jobTemplate = { spec: { restartPolicy: 'Never', containers: [container] } };
const JOBS = '/apis/batch/v1/namespaces/default/jobs';
const SMP = 'application/strategic-merge-patch+json';
const MERGE = 'application/merge-patch+json';
const JSONP = 'application/json-patch+json';
const APPLY = 'application/apply-patch+yaml';

/** A protobuf ConfigMap (kubectl ≥ 1.32's encoding) whose creationTimestamp is 2^62 seconds. */
function protobufConfigMapAt(seconds: bigint): Buffer {
  const varint = (n: bigint): Buffer => {
    const out: number[] = [];
    let v = BigInt.asUintN(64, n);
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v > 0n) b |= 0x80;
      out.push(b);
    } while (v > 0n);
    return Buffer.from(out);
  };
  const field = (no: number, b: Buffer): Buffer => Buffer.concat([varint(BigInt((no << 3) | 2)), varint(BigInt(b.length)), b]);
  const time = Buffer.concat([varint(BigInt(1 << 3)), varint(seconds)]);
  const meta = Buffer.concat([field(1, Buffer.from('pb')), field(8, time)]);
  const typeMeta = Buffer.concat([field(1, Buffer.from('v1')), field(2, Buffer.from('ConfigMap'))]);
  return Buffer.concat([Buffer.from([0x6b, 0x38, 0x73, 0x00]), field(1, typeMeta), field(2, field(1, meta))]);
}

// Wrong types are refused while decoding, as kube-apiserver does (400 BadRequest, "cannot be handled as a");
// the metadata and shape guards behind the schema check remain as defense in depth.
const rejected: Req[] = [
  { name: 'spec.containers as an object', method: 'POST', url: `${NS}/pods`, body: podBody({ containers: container }), code: 400, msg: /spec\.containers of type \[\]v1\.Container/ },
  { name: 'cpu: true', method: 'POST', url: `${NS}/pods`, body: podBody({ containers: [{ ...container, resources: { requests: { cpu: true } } }] }), code: 400, msg: /quantities must match/ },
  { name: 'metadata "x"', method: 'POST', url: `${NS}/configmaps`, body: cmBody('x'), code: 400, msg: /cannot be handled as a/ },
  { name: 'metadata.name 42', method: 'POST', url: `${NS}/configmaps`, body: cmBody({ name: 42 }), code: 400, msg: /metadata\.name of type string/ },
  { name: 'labels 5', method: 'POST', url: `${NS}/configmaps`, body: cmBody({ name: 'c', labels: 5 }), code: 400, msg: /cannot be handled as a/ },
  { name: 'annotations of numbers', method: 'POST', url: `${NS}/configmaps`, body: cmBody({ name: 'c', annotations: { a: 5 } }), code: 400, msg: /cannot be handled as a/ },
  { name: 'finalizers "x"', method: 'POST', url: `${NS}/configmaps`, body: cmBody({ name: 'c', finalizers: 'x' }), code: 400, msg: /cannot be handled as a/ },
  { name: 'ownerReferences [{kind:5}]', method: 'POST', url: `${NS}/configmaps`, body: cmBody({ name: 'c', ownerReferences: [{ kind: 5 }] }), code: 400, msg: /cannot be handled as a/ },
  { name: 'ownerReferences without uid', method: 'POST', url: `${NS}/configmaps`, body: cmBody({ name: 'c', ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x' }] }), code: 422, msg: /uid must not be empty/ },
  { name: 'generateName 5', method: 'POST', url: `${NS}/configmaps`, body: cmBody({ generateName: 5 }), code: 400, msg: /cannot be handled as a/ },
  { name: 'replicas 2^31', method: 'POST', url: '/apis/apps/v1/namespaces/default/deployments', body: deployBody(2 ** 31), code: 400, msg: /number 2147483648 into Go struct field DeploymentSpec\.spec\.replicas of type int32/ },
  { name: 'job parallelism 2^31', method: 'POST', url: JOBS, body: jobBody({ parallelism: 2 ** 31, template: jobTemplate }), code: 400, msg: /Go struct field JobSpec\.spec\.parallelism of type int32/ },
  { name: 'job completions "x"', method: 'POST', url: JOBS, body: jobBody({ completions: 'x', template: jobTemplate }), code: 400, msg: /cannot be handled as a Job/ },
  { name: 'job spec "x"', method: 'POST', url: JOBS, body: jobBody('x'), code: 400, msg: /cannot be handled as a Job/ },
  { name: 'job without template', method: 'POST', url: JOBS, body: jobBody({}), code: 422 },
  { name: 'job template null', method: 'POST', url: JOBS, body: jobBody({ template: null }), code: 422 },
  { name: 'job restartPolicy Always', method: 'POST', url: JOBS, body: jobBody({ template: { spec: { containers: [container] } } }), code: 422, msg: /Unsupported value: "Always": supported values: "OnFailure", "Never"/ },
  { name: 'job selector of numbers', method: 'POST', url: JOBS, body: jobBody({ manualSelector: true, selector: { matchLabels: { a: 5 } }, template: jobTemplate }), code: 400, msg: /cannot be handled as a Job/ },
  { name: 'replicas -1', method: 'POST', url: '/apis/apps/v1/namespaces/default/deployments', body: deployBody(-1), code: 422 },
  { name: 'SMP __proto__ under labels', method: 'PATCH', url: `${NS}/pods/base`, type: SMP, body: '{"metadata":{"labels":{"__proto__":{"polluted":"yes"}}}}', code: 400, msg: /cannot be handled as a/ },
  { name: 'SMP __proto__ label key', method: 'PATCH', url: `${NS}/pods/base`, type: SMP, body: '{"metadata":{"labels":{"__proto__":"x"}}}', code: 422, msg: /metadata\.labels/ },
  { name: 'SMP constructor.prototype', method: 'PATCH', url: `${NS}/pods/base`, type: SMP, body: '{"metadata":{"labels":{"constructor":{"prototype":{"polluted":"yes"}}}}}', code: 400, msg: /cannot be handled as a/ },
  { name: 'SMP bad $retainKeys', method: 'PATCH', url: `${NS}/pods/base`, type: SMP, body: '{"metadata":{"$retainKeys":5}}', code: 400 },
  { name: 'SMP containers of the wrong shape', method: 'PATCH', url: `${NS}/pods/base`, type: SMP, body: '{"spec":{"containers":{"name":"c"}}}', code: 400, msg: /cannot be handled as a/ },
  { name: 'apply __proto__ label', method: 'PATCH', url: `${NS}/pods/base?fieldManager=t`, type: APPLY, body: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: base\n  labels:\n    __proto__: x\n', code: 422 },
  { name: 'apply creating with metadata "x"', method: 'PATCH', url: `${NS}/pods/fresh?fieldManager=t`, type: APPLY, body: 'apiVersion: v1\nkind: Pod\nmetadata: x\n', code: 400, msg: /cannot be handled as a/ },
  { name: 'merge patch null', method: 'PATCH', url: `${NS}/pods/base`, type: MERGE, body: 'null', code: 400, msg: /Invalid JSON Patch/ },
  { name: 'merge patch 42', method: 'PATCH', url: `${NS}/pods/base`, type: MERGE, body: '42', code: 400 },
  { name: 'merge __proto__ label', method: 'PATCH', url: `${NS}/pods/base`, type: MERGE, body: '{"metadata":{"labels":{"__proto__":{"polluted":"yes"}}}}', code: 400, msg: /cannot be handled as a/ },
  { name: 'json patch /constructor/x', method: 'PATCH', url: `${NS}/pods/base`, type: JSONP, body: '[{"op":"add","path":"/constructor/polluted","value":"yes"}]', code: 422 },
  { name: 'json patch copy from /constructor', method: 'PATCH', url: `${NS}/pods/base`, type: JSONP, body: '[{"op":"copy","from":"/constructor","path":"/spec/containers/0"}]', code: 422 },
  { name: 'json patch __proto__', method: 'PATCH', url: `${NS}/pods/base`, type: JSONP, body: '[{"op":"add","path":"/metadata/labels/__proto__","value":{"polluted":"yes"}}]', code: 400, msg: /cannot be handled as a/ },
  { name: 'json patch not a list', method: 'PATCH', url: `${NS}/pods/base`, type: JSONP, body: '{"op":"add"}', code: 400 },
  { name: 'json patch bad path', method: 'PATCH', url: `${NS}/pods/base`, type: JSONP, body: '[{"op":"replace","path":"/spec/nope/x","value":1}]', code: 422 },
  { name: 'json patch image 5', method: 'PATCH', url: `${NS}/pods/base`, type: JSONP, body: '[{"op":"replace","path":"/spec/containers/0/image","value":5}]', code: 400, msg: /cannot be handled as a/ },
  // 100,000 levels of flow YAML used to exhaust the stack inside the yaml parser, which can kill the process.
  { name: 'apply nested 100,000 deep', method: 'PATCH', url: `${NS}/pods/base?fieldManager=t`, type: APPLY, body: `${'{"a":'.repeat(100000)}1${'}'.repeat(100000)}`, code: 400, msg: /exceeded max depth/ },
  { name: 'YAML create nested 100,000 deep', method: 'POST', url: `${NS}/configmaps`, type: 'application/yaml', body: `${'{"a":'.repeat(100000)}1${'}'.repeat(100000)}`, code: 400, msg: /exceeded max depth/ },
  { name: 'JSON create nested 10,000 deep', method: 'POST', url: `${NS}/configmaps`, body: `{"metadata":{"name":"deep"},"x":${'{"a":'.repeat(10000)}1${'}'.repeat(10000)}}`, code: 400, msg: /exceeded max depth/ },
  { name: 'merge patch nested 100,000 deep', method: 'PATCH', url: `${NS}/pods/base`, type: MERGE, body: `${'{"a":'.repeat(100000)}1${'}'.repeat(100000)}`, code: 400, msg: /exceeded max depth/ },
  { name: 'update sets nodeName', method: 'PATCH', url: `${NS}/pods/base`, type: MERGE, body: '{"spec":{"nodeName":"node-1"}}', code: 422, msg: /spec: Forbidden: pod updates may not change fields other than/ },
  // The two default NoExecute tolerations come back by defaulting (as DefaultTolerationSeconds does); the user's does not.
  { name: 'update removes a toleration', method: 'PATCH', url: `${NS}/pods/base`, type: MERGE, body: '{"spec":{"tolerations":[]}}', code: 422, msg: /existing toleration can not be modified/ },
  { name: 'update raises activeDeadlineSeconds', method: 'PATCH', url: `${NS}/pods/base`, type: MERGE, body: '{"spec":{"activeDeadlineSeconds":999}}', code: 422, msg: /must be less than or equal to previous value/ },
  { name: 'update changes the grace period', method: 'PATCH', url: `${NS}/pods/base`, type: MERGE, body: '{"spec":{"terminationGracePeriodSeconds":5}}', code: 422 },
];

test('hostile and wrongly typed requests: 4xx Status, nothing stored, no prototype touched', { skip }, async () => {
  const { Etcd3 } = await import('etcd3');
  const { startEtcd } = await import('../../../testutil/etcd.ts');
  const { buildServer } = await import('../../server.ts');
  const { bootstrap } = await import('../../bootstrap.ts');
  const etcd = await startEtcd();
  const client = new Etcd3({ hosts: etcd.endpoint });
  const log = quietLogger('test');
  const { registry, app, storage } = buildServer({ etcd: client, serviceCIDR: '10.96.0.0/12', log });
  try {
    await bootstrap(registry, '10.96.0.0/12', log);
    const send = (r: { method: string; url: string; type?: string; body: string }) =>
      app.inject({ method: r.method as 'POST', url: r.url, headers: { 'content-type': r.type ?? 'application/json' }, payload: r.body });
    const base = await send({ method: 'POST', url: `${NS}/pods`, body: podBody({ containers: [container], activeDeadlineSeconds: 60, tolerations: [{ key: 'team', operator: 'Exists', effect: 'NoSchedule' }] }, { name: 'base', labels: { a: 'b' } }) });
    assert.equal(base.statusCode, 201, base.body);
    const snapshot = async (): Promise<{ rev: string; kv: Record<string, string> }> => ({
      rev: await storage.currentRevision(), kv: await client.getAll().prefix('/registry/').strings(),
    });
    const protoBefore = Object.getOwnPropertyNames(Object.prototype).sort();
    const before = await snapshot();
    for (const r of rejected) {
      const res = await send(r);
      const body = JSON.parse(res.body) as { kind?: string; code?: number; message?: string };
      assert.equal(res.statusCode, r.code, `${r.name}: ${res.body}`);
      assert.equal(body.kind, 'Status', r.name);
      assert.equal(body.code, r.code, r.name);
      if (r.msg) assert.match(body.message ?? '', r.msg, r.name);
      assert.deepEqual(await snapshot(), before, `${r.name}: etcd unchanged`);
      assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), protoBefore, `${r.name}: Object.prototype untouched`);
    }
    assert.equal(await storage.get('/registry/configmaps/default/42'), undefined);
    const pb = await app.inject({ method: 'POST', url: `${NS}/configmaps`, headers: { 'content-type': 'application/vnd.kubernetes.protobuf' }, payload: protobufConfigMapAt(2n ** 62n) });
    assert.equal(pb.statusCode, 400, pb.body);
    assert.match((JSON.parse(pb.body) as { message: string }).message, /time out of range/);
    assert.deepEqual(await snapshot(), before, 'protobuf time 2^62: etcd unchanged');
    const pbOk = await app.inject({ method: 'POST', url: `${NS}/configmaps?dryRun=All`, headers: { 'content-type': 'application/vnd.kubernetes.protobuf' }, payload: protobufConfigMapAt(1763788800n) });
    assert.equal(pbOk.statusCode, 201, `the same body with an ordinary time is accepted: ${pbOk.body}`);
    // A top-level __proto__ key is plain data (Kubernetes would drop it as an unknown field), never the prototype.
    const top = await send({ method: 'PATCH', url: `${NS}/pods/base`, type: SMP, body: '{"__proto__":{"polluted":"yes"},"metadata":{"labels":{"c":"d"}}}' });
    assert.ok(top.statusCode < 500, top.body);
    assert.equal(({} as { polluted?: unknown }).polluted, undefined);
    assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), protoBefore);
    // Allowed pod updates still pass: a new image, a lower deadline, an added toleration.
    const ok = await send({ method: 'PATCH', url: `${NS}/pods/base`, type: SMP, body: '{"spec":{"activeDeadlineSeconds":30,"containers":[{"name":"c","image":"nginx:2"}]}}' });
    assert.equal(ok.statusCode, 200, ok.body);
    // And a normal create still works.
    const normal = await send({ method: 'POST', url: `${NS}/pods`, body: podBody({ containers: [container] }, { name: 'normal', labels: { app: 'x' } }) });
    assert.equal(normal.statusCode, 201, normal.body);
  } finally {
    await app.close();
    client.close();
    await etcd.stop();
  }
});
