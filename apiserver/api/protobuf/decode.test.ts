import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../errors.ts';
import { decodeKubernetesProtobuf, PROTOBUF_MAGIC } from './decode.ts';
import { readFields, toInt64 } from './wire.ts';

// A tiny protobuf writer for building fixtures.
function varint(n: bigint): Buffer {
  let v = BigInt.asUintN(64, n);
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return Buffer.from(out);
}
const tag = (no: number, wire: number): Buffer => varint(BigInt((no << 3) | wire));
const int = (no: number, n: number): Buffer => Buffer.concat([tag(no, 0), varint(BigInt(n))]);
const bytes = (no: number, b: Buffer): Buffer => Buffer.concat([tag(no, 2), varint(BigInt(b.length)), b]);
const str = (no: number, s: string): Buffer => bytes(no, Buffer.from(s));
const msg = (no: number, ...parts: Buffer[]): Buffer => bytes(no, Buffer.concat(parts));
const entry = (no: number, k: string, v: Buffer): Buffer => msg(no, str(1, k), bytes(2, v));
const envelope = (apiVersion: string, kind: string, raw: Buffer): Buffer =>
  Buffer.concat([PROTOBUF_MAGIC, msg(1, str(1, apiVersion), str(2, kind)), bytes(2, raw), str(3, ''), str(4, '')]);

const isCode = (code: number) => (e: unknown): boolean => e instanceof StatusError && e.code === code;

test('wire reader: varints, negative int64, fields', () => {
  const buf = Buffer.concat([int(1, 150), int(2, -1), str(3, 'hi')]);
  const f = readFields(buf);
  assert.deepEqual(f.map((x) => x.no), [1, 2, 3]);
  assert.equal(toInt64(f[0].value as bigint), 150);
  assert.equal(toInt64(f[1].value as bigint), -1);
  assert.equal((f[2].value as Buffer).toString(), 'hi');
});

test('decodes a Namespace as kubectl create namespace sends it', () => {
  const ns = Buffer.concat([msg(1, str(1, 'foo'), str(2, ''), msg(8)), msg(2), msg(3, str(1, ''))]);
  assert.deepEqual(decodeKubernetesProtobuf(envelope('v1', 'Namespace', ns)), {
    apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'foo' }, spec: {}, status: {},
  });
});

test('decodes a Deployment: maps, int-or-string, quantities, pointer zeros, times', () => {
  const container = Buffer.concat([
    str(1, 'web'), str(2, 'nginx'), str(5, ''), msg(6, int(3, 80), str(4, 'TCP'), int(2, 0)),
    msg(8, entry(1, 'cpu', str(1, '100m'))),
    int(16, 0), int(18, 1),
  ]);
  const spec = Buffer.concat([
    int(1, 0),
    msg(2, entry(1, 'app', Buffer.from('web'))),
    msg(3, msg(1, entry(11, 'app', Buffer.from('web')), msg(8, int(1, 0))), msg(2, msg(2, container), int(4, 30), str(6, 'ClusterFirst'))),
    msg(4, str(1, 'RollingUpdate'), msg(2, msg(1, int(1, 1), str(3, '25%')), msg(2, int(1, 0), int(2, 2)))),
    int(5, 0),
  ]);
  const meta = msg(1, str(1, 'web'), msg(8, int(1, 1763788800)), int(10, 0));
  const out = decodeKubernetesProtobuf(envelope('apps/v1', 'Deployment', Buffer.concat([meta, msg(2, spec), msg(3)])));
  assert.deepEqual(out, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', creationTimestamp: '2025-11-22T05:20:00Z', deletionGracePeriodSeconds: 0 },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80, protocol: 'TCP' }], resources: { limits: { cpu: '100m' } }, tty: true }],
          terminationGracePeriodSeconds: 30,
          dnsPolicy: 'ClusterFirst',
        },
      },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: 2 } },
    },
    status: {},
  });
});

test('Secret data (bytes map) becomes base64', () => {
  const secret = Buffer.concat([msg(1, str(1, 's')), entry(2, 'p', Buffer.from([0, 1, 2])), str(3, 'Opaque')]);
  assert.deepEqual(decodeKubernetesProtobuf(envelope('v1', 'Secret', secret)), {
    apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { p: 'AAEC' }, type: 'Opaque',
  });
});

test('ServiceAccount and TokenRequest, as kubectl create serviceaccount / create token send them', () => {
  const sa = Buffer.concat([msg(1, str(1, 'robot'), str(3, 'default'))]);
  assert.deepEqual(decodeKubernetesProtobuf(envelope('v1', 'ServiceAccount', sa)), { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot', namespace: 'default' } });
  const tr = Buffer.concat([msg(1, str(1, 'robot')), msg(2, str(1, 'vault'), int(4, 600), msg(3, str(1, 'Pod'), str(2, 'v1'), str(3, 'web'))), msg(3)]);
  assert.deepEqual(decodeKubernetesProtobuf(envelope('authentication.k8s.io/v1', 'TokenRequest', tr)), {
    apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: { name: 'robot' },
    spec: { audiences: ['vault'], expirationSeconds: 600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web' } }, status: {},
  });
});

test('refuses what it cannot decode faithfully', () => {
  assert.throws(() => decodeKubernetesProtobuf(Buffer.from('{"a":1}')), isCode(400));
  assert.throws(() => decodeKubernetesProtobuf(envelope('batch/v1', 'CronJob', Buffer.alloc(0))), isCode(415));
  assert.throws(() => decodeKubernetesProtobuf(envelope('v1', 'Namespace', msg(1, str(99, 'x')))), isCode(415), 'unknown field');
  assert.throws(() => decodeKubernetesProtobuf(envelope('v1', 'Namespace', Buffer.from([0x0a, 0x05, 0x01]))), isCode(400), 'truncated');
  assert.throws(() => decodeKubernetesProtobuf(envelope('v1', 'Namespace', int(1, 5))), isCode(400), 'wrong wire type');
});

test('out-of-range times and integers are 400, not a RangeError (500)', () => {
  const cm = (meta: Buffer): Buffer => envelope('v1', 'ConfigMap', msg(1, str(1, 'c'), meta));
  for (const seconds of [2 ** 62, 253402300800, -62135596801]) {
    assert.throws(() => decodeKubernetesProtobuf(cm(msg(8, int(1, seconds)))), (e: unknown) => isCode(400)(e) && /time out of range/.test((e as Error).message), String(seconds));
  }
  assert.throws(() => decodeKubernetesProtobuf(cm(msg(8, int(1, 1763788800), int(2, 1e9)))), isCode(400));
  assert.equal(decodeKubernetesProtobuf(cm(msg(8, int(1, 253402300799)))).metadata?.creationTimestamp, '9999-12-31T23:59:59Z');
  assert.throws(() => decodeKubernetesProtobuf(cm(int(7, 2 ** 60))), (e: unknown) => isCode(400)(e) && /out of range/.test((e as Error).message));
});

test('int32 fields keep the low 32 bits, as protobuf decoders do', () => {
  const spec = Buffer.concat([int(1, 2 ** 32 + 3)]);
  const d = decodeKubernetesProtobuf(envelope('apps/v1', 'Deployment', Buffer.concat([msg(1, str(1, 'd')), msg(2, spec)]))) as { spec?: { replicas?: number } };
  assert.equal(d.spec?.replicas, 3);
  const neg = decodeKubernetesProtobuf(envelope('apps/v1', 'Deployment', Buffer.concat([msg(1, str(1, 'd')), msg(2, int(1, -5))]))) as { spec?: { replicas?: number } };
  assert.equal(neg.spec?.replicas, -5);
});

test('map keys are plain own keys: __proto__ in a ConfigMap reaches no prototype', () => {
  const before = Object.getOwnPropertyNames(Object.prototype).sort();
  const raw = Buffer.concat([msg(1, str(1, 'c'), entry(11, '__proto__', Buffer.from('x'))), entry(2, '__proto__', Buffer.from('polluted')), entry(2, 'a', Buffer.from('b'))]);
  const cm = decodeKubernetesProtobuf(envelope('v1', 'ConfigMap', raw)) as { data?: Record<string, string> };
  assert.deepEqual(Object.keys(cm.data ?? {}), ['__proto__', 'a']);
  assert.equal(JSON.stringify(cm.data), '{"__proto__":"polluted","a":"b"}');
  assert.equal(Object.getPrototypeOf(cm.data), Object.prototype);
  assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), before);
});

test('a map with many entries decodes in one pass', () => {
  const entries = Array.from({ length: 50000 }, (_, i) => entry(2, `k${i}`, Buffer.from('v')));
  const cm = decodeKubernetesProtobuf(envelope('v1', 'ConfigMap', Buffer.concat([msg(1, str(1, 'c')), ...entries]))) as { data?: Record<string, string> };
  assert.equal(Object.keys(cm.data ?? {}).length, 50000);
});

test('ObjectMeta.managedFields (as kubectl ≥ 1.32 PUTs an object it read back): entries with time and fieldsV1 JSON', () => {
  const fields = JSON.stringify({ 'f:metadata': { 'f:labels': { 'f:a': {} } } });
  const mf = msg(17, str(1, 'kubectl'), str(2, 'Update'), str(3, 'v1'), msg(4, int(1, 1764633600)), str(6, 'FieldsV1'), msg(7, str(1, fields)), str(8, 'status'));
  const ns = Buffer.concat([msg(1, str(1, 'foo'), mf), msg(2), msg(3)]);
  assert.deepEqual(decodeKubernetesProtobuf(envelope('v1', 'Namespace', ns)), {
    apiVersion: 'v1', kind: 'Namespace', spec: {}, status: {},
    metadata: {
      name: 'foo',
      managedFields: [{
        manager: 'kubectl', operation: 'Update', apiVersion: 'v1', time: '2025-12-02T00:00:00Z', fieldsType: 'FieldsV1',
        fieldsV1: { 'f:metadata': { 'f:labels': { 'f:a': {} } } }, subresource: 'status',
      }],
    },
  });
  const bad = Buffer.concat([msg(1, str(1, 'foo'), msg(17, msg(7, str(1, '{not json')))), msg(2), msg(3)]);
  assert.throws(() => decodeKubernetesProtobuf(envelope('v1', 'Namespace', bad)), isCode(400));
});

test('decodes an Ingress as kubectl create ingress sends it: the inline IngressRuleValue lands in the rule', () => {
  const backend = msg(2, msg(4, str(1, 'web'), msg(2, int(2, 80))));
  const rule = Buffer.concat([str(1, 'web.home.lan'), msg(2, msg(1, msg(1, str(1, '/'), str(3, 'Prefix'), backend)))]);
  const spec = Buffer.concat([msg(2, str(1, 'web.home.lan'), str(2, 'web-tls')), msg(3, rule)]);
  const ing = Buffer.concat([msg(1, str(1, 'web')), msg(2, spec), msg(3, msg(1))]);
  assert.deepEqual(decodeKubernetesProtobuf(envelope('networking.k8s.io/v1', 'Ingress', ing)), {
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web' },
    spec: {
      tls: [{ hosts: ['web.home.lan'], secretName: 'web-tls' }],
      rules: [{ host: 'web.home.lan', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }],
    },
    status: { loadBalancer: {} },
  });
});
