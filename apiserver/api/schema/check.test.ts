import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../errors.ts';
import { builtinCatalog, checkAndPrune, parseFieldValidation, warningHeader, type KindSchema } from './index.ts';

const catalog = builtinCatalog();
const pod = catalog.kind({ group: '', version: 'v1', kind: 'Pod' })!;
const deployment = catalog.kind({ group: 'apps', version: 'v1', kind: 'Deployment' })!;
const prefix = (k: string): string => `${k} in version "v1" cannot be handled as a ${k}: `;

function rejects(kind: KindSchema, obj: unknown, message: string): void {
  assert.throws(() => checkAndPrune(kind, obj, 'Warn'), (e: unknown) => {
    assert.ok(e instanceof StatusError);
    assert.equal(e.code, 400);
    assert.equal(e.status.reason, 'BadRequest');
    assert.equal(e.message, prefix(kind.gvk.kind) + message);
    return true;
  });
}

const podWith = (spec: unknown, metadata: unknown = { name: 'p' }): unknown => ({ apiVersion: 'v1', kind: 'Pod', metadata, spec });
const container = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ name: 'c', image: 'i', ...extra });

test('wrongly typed fields are 400 decode errors with the Go decoder message', () => {
  const table: Array<[string, KindSchema, unknown, string]> = [
    ['containers as an object', pod, podWith({ containers: { name: 'c' } }), 'json: cannot unmarshal object into Go struct field PodSpec.spec.containers of type []v1.Container'],
    ['metadata as a string', pod, podWith({ containers: [container()] }, 'x'), 'json: cannot unmarshal string into Go struct field Pod.metadata of type v1.ObjectMeta'],
    ['name as a number', pod, podWith({ containers: [container()] }, { name: 42 }), 'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.name of type string'],
    ['labels as a number', pod, podWith({ containers: [container()] }, { name: 'p', labels: 5 }), 'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type map[string]string'],
    ['a label value as a bool', pod, podWith({ containers: [container()] }, { name: 'p', labels: { a: true } }), 'json: cannot unmarshal bool into Go struct field ObjectMeta.metadata.labels of type string'],
    ['finalizers as a string', pod, podWith({ containers: [container()] }, { name: 'p', finalizers: 'x' }), 'json: cannot unmarshal string into Go struct field ObjectMeta.metadata.finalizers of type []string'],
    ['ownerReference kind as a number', pod, podWith({ containers: [container()] }, { name: 'p', ownerReferences: [{ kind: 5 }] }), 'json: cannot unmarshal number into Go struct field OwnerReference.metadata.ownerReferences.kind of type string'],
    ['container port as a string', pod, podWith({ containers: [container({ ports: [{ containerPort: '80' }] })] }), 'json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32'],
    ['replicas beyond int32', deployment, { spec: { replicas: 2147483648 } }, 'json: cannot unmarshal number 2147483648 into Go struct field DeploymentSpec.spec.replicas of type int32'],
    ['replicas not an integer', deployment, { spec: { replicas: 1.5 } }, 'json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32'],
    ['cpu as a bool', pod, podWith({ containers: [container({ resources: { limits: { cpu: true } } })] }), "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"],
    // A 32,000-character value used to make the quantity regex backtrack for seconds; the scan is linear.
    ['a 32,000-character cpu', pod, podWith({ containers: [container({ resources: { limits: { cpu: '1'.repeat(32_000) + 'x' } } })] }), "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"],
    ['memory as words', pod, podWith({ containers: [container({ resources: { requests: { memory: 'lots' } } })] }), "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"],
    ['an IntOrString as a bool', deployment, { spec: { strategy: { rollingUpdate: { maxSurge: true } } } }, 'json: cannot unmarshal bool into Go value of type int32'],
    ['a Time as a number', pod, podWith({ containers: [container()] }, { name: 'p', creationTimestamp: 5 }), 'json: cannot unmarshal number into Go value of type string'],
    ['hostNetwork as a string', pod, podWith({ containers: [container()], hostNetwork: 'yes' }), 'json: cannot unmarshal string into Go struct field PodSpec.spec.hostNetwork of type bool'],
    ['nested template containers', deployment, { spec: { template: { spec: { containers: [container({ env: 'x' })] } } } }, 'json: cannot unmarshal string into Go struct field Container.spec.template.spec.containers.env of type []v1.EnvVar'],
  ];
  for (const [, kind, obj, message] of table) rejects(kind, obj, message);
});

test('well-typed values pass unchanged: numbers as quantities, ints and strings as IntOrString, nulls dropped', () => {
  const obj = {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', labels: { a: 'b' }, annotations: null },
    spec: { replicas: 3, strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } }, template: { spec: { containers: [container({ resources: { limits: { cpu: 2, memory: '1Gi' } } })] } } },
  };
  const { value, warnings } = checkAndPrune(deployment, obj, 'Strict');
  assert.deepEqual(warnings, []);
  const expected = structuredClone(obj) as Record<string, unknown> & { metadata: Record<string, unknown> };
  delete expected.metadata.annotations;
  assert.deepEqual(value, expected);
  assert.notEqual(value, obj, 'the result is a copy');
  assert.ok('annotations' in obj.metadata, 'the input is untouched');
});

test('unknown fields are pruned; Warn returns warnings, Ignore nothing, Strict rejects listing all', () => {
  const obj = { metadata: { name: 'p', colour: 'red' }, spec: { foo: 1, containers: [container({ bogus: true })] } };
  const want = { metadata: { name: 'p' }, spec: { containers: [container()] } };
  const warn = checkAndPrune(pod, obj, 'Warn');
  assert.deepEqual(warn.value, want);
  assert.deepEqual(warn.warnings, ['unknown field "metadata.colour"', 'unknown field "spec.foo"', 'unknown field "spec.containers[0].bogus"'], 'in document order');
  const ignore = checkAndPrune(pod, obj, 'Ignore');
  assert.deepEqual([ignore.value, ignore.warnings], [want, []]);
  assert.throws(() => checkAndPrune(pod, obj, 'Strict'), (e: unknown) => e instanceof StatusError && e.code === 400
    && e.message.startsWith(`${prefix('Pod')}strict decoding error: unknown field "`)
    && ['metadata.colour', 'spec.foo', 'spec.containers[0].bogus'].every((f) => e.message.includes(`unknown field "${f}"`)));
  assert.equal(warningHeader('unknown field "spec.foo"'), '299 - "unknown field \\"spec.foo\\""');
});

test('__proto__, constructor and prototype never reach a prototype', () => {
  const body = JSON.parse('{"metadata":{"name":"p","__proto__":{"polluted":1},"constructor":{"x":1},"labels":{"__proto__":"v","prototype":"w"}},"spec":{"containers":[{"name":"c","image":"i","__proto__":{"x":1}}]}}') as unknown;
  const { value, warnings } = checkAndPrune(pod, body, 'Warn');
  const v = value as { metadata: Record<string, unknown>; spec: { containers: Array<Record<string, unknown>> } };
  assert.equal(Object.getPrototypeOf(v.metadata), Object.prototype);
  assert.equal(Object.getPrototypeOf(v.spec.containers[0]), Object.prototype);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.hasOwn(v.metadata, '__proto__'), false);
  assert.equal(Object.hasOwn(v.metadata, 'constructor'), false);
  const labels = v.metadata.labels as Record<string, unknown>;
  assert.deepEqual(Object.keys(labels), ['__proto__', 'prototype'], 'map keys are own data properties');
  assert.equal(Object.getPrototypeOf(labels), Object.prototype);
  assert.deepEqual(warnings.slice().sort(), ['unknown field "metadata.__proto__"', 'unknown field "metadata.constructor"', 'unknown field "spec.containers[0].__proto__"']);
});

test('10,000 levels of nesting (free-form managedFields, unknown fields) neither overflow nor get walked', () => {
  let deep: unknown = {};
  for (let i = 0; i < 10_000; i++) deep = { [`f:${i}`]: deep };
  const obj = { metadata: { name: 'p', managedFields: [{ manager: 'm', fieldsV1: deep }] }, spec: { containers: [container()], extra: deep } };
  const { value, warnings } = checkAndPrune(pod, obj, 'Warn');
  const mf = (value as { metadata: { managedFields: Array<{ fieldsV1: unknown }> } }).metadata.managedFields[0]!;
  assert.equal(mf.fieldsV1, deep, 'free-form content is kept as sent');
  assert.deepEqual(warnings, ['unknown field "spec.extra"']);
  let arr: unknown = [];
  for (let i = 0; i < 10_000; i++) arr = [arr];
  rejects(pod, podWith({ containers: arr }), 'json: cannot unmarshal array into Go struct field PodSpec.spec.containers of type v1.Container');
});

test('fieldValidation: default Warn, the three directives, anything else 422 on the options kind', () => {
  assert.equal(parseFieldValidation(undefined, 'CreateOptions'), 'Warn');
  assert.equal(parseFieldValidation('', 'PatchOptions'), 'Warn');
  for (const d of ['Strict', 'Warn', 'Ignore'] as const) assert.equal(parseFieldValidation(d, 'UpdateOptions'), d);
  assert.throws(() => parseFieldValidation('strict', 'CreateOptions'), (e: unknown) => e instanceof StatusError && e.code === 422
    && e.message === 'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "strict": supported values: "", "Ignore", "Strict", "Warn"');
});

test('every served kind has a schema', () => {
  const kinds: Array<[string, string, string]> = [['', 'v1', 'Pod'], ['', 'v1', 'Namespace'], ['', 'v1', 'Node'], ['', 'v1', 'Service'], ['', 'v1', 'Endpoints'], ['', 'v1', 'Event'], ['', 'v1', 'ConfigMap'], ['', 'v1', 'Secret'], ['', 'v1', 'ComponentStatus'], ['apps', 'v1', 'Deployment'], ['apps', 'v1', 'ReplicaSet'], ['discovery.k8s.io', 'v1', 'EndpointSlice'], ['coordination.k8s.io', 'v1', 'Lease'], ['autoscaling', 'v1', 'Scale'], ['batch', 'v1', 'Job']];
  for (const [group, version, kind] of kinds) assert.ok(catalog.kind({ group, version, kind }), `${group}/${version} ${kind}`);
  assert.equal(catalog.kind({ group: 'storage.k8s.io', version: 'v1', kind: 'StorageClass' }), undefined);
});
