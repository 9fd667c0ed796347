import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as protoLoader from '@grpc/proto-loader';
import { CRI_PROTO_PATH } from '../../kubelet/cri/grpc.ts';
import { protoJSON } from './assets.ts';

const opts = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };
const etcdProto = join(dirname(dirname(createRequire(import.meta.url).resolve('etcd3'))), 'proto', 'rpc.proto');

/** Every method of every service in `def`: its path and streaming, by fully qualified name. */
function methods(def: protoLoader.PackageDefinition): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(def)) {
    if ('format' in v) continue; // a message or enum type
    for (const [m, d] of Object.entries(v as protoLoader.ServiceDefinition)) out[`${name}.${m}`] = `${d.path} ${String(d.requestStream)} ${String(d.responseStream)}`;
  }
  return out;
}

for (const [label, file, method, sample] of [
  ['CRI', CRI_PROTO_PATH, 'runtime.v1.RuntimeService.RunPodSandbox', { config: { metadata: { name: 'p', uid: 'u', namespace: 'ns', attempt: 1 }, labels: { a: 'b' }, linux: { security_context: { namespace_options: { network: 'NODE' } } } }, runtime_handler: 'runc' }],
  ['etcd3', etcdProto, 'etcdserverpb.KV.Range', { key: Buffer.from('/registry/pods/'), range_end: Buffer.from('/registry/pods0'), limit: 500, sort_order: 'ASCEND', revision: '12' }],
] as const) {
  test(`the embedded ${label} proto (protobufjs JSON through fromJSON) defines the services and encodes as loadSync of the .proto does`, () => {
    const fromFile = protoLoader.loadSync(file, opts);
    const embedded = protoLoader.fromJSON(JSON.parse(JSON.stringify(protoJSON(file))) as Parameters<typeof protoLoader.fromJSON>[0], opts);
    const want = methods(fromFile);
    assert.ok(Object.keys(want).length > 10);
    assert.deepEqual(methods(embedded), want);
    const [svc, m] = [method.slice(0, method.lastIndexOf('.')), method.slice(method.lastIndexOf('.') + 1)];
    const a = (fromFile[svc] as protoLoader.ServiceDefinition)[m];
    const b = (embedded[svc] as protoLoader.ServiceDefinition)[m];
    const bytes = a.requestSerialize(sample);
    assert.ok(bytes.length > 10);
    assert.deepEqual(b.requestSerialize(sample), bytes);
    assert.deepEqual(b.requestDeserialize(bytes), a.requestDeserialize(bytes));
  });
}
