import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertMetadataTypes, metadataTypeErrors, validateFinalizers, validateMeta, validateOwnerReferences } from './meta.ts';
import { StatusError } from './errors.ts';
import type { KubeObject } from './object.ts';

test('metadataTypeErrors: wrongly typed metadata fields, in the schema wording', () => {
  const cases: Array<[unknown, string[]]> = [
    [undefined, []],
    [{ name: 'a', labels: { a: 'b' }, finalizers: ['x'], generation: 1 }, []],
    [{ name: null, labels: null, finalizers: null }, []],
    ['x', ['metadata']],
    [5, ['metadata']],
    [[], ['metadata']],
    [{ name: 42 }, ['metadata.name']],
    [{ generateName: 5 }, ['metadata.generateName']],
    [{ namespace: {} }, ['metadata.namespace']],
    [{ labels: 5 }, ['metadata.labels']],
    [{ labels: ['a'] }, ['metadata.labels']],
    [{ labels: { a: 5 } }, ['metadata.labels[a]']],
    [{ annotations: 'x' }, ['metadata.annotations']],
    [{ annotations: { a: true } }, ['metadata.annotations[a]']],
    [{ finalizers: 'x' }, ['metadata.finalizers']],
    [{ finalizers: [1] }, ['metadata.finalizers[0]']],
    [{ ownerReferences: {} }, ['metadata.ownerReferences']],
    [{ ownerReferences: [5] }, ['metadata.ownerReferences[0]']],
    [{ ownerReferences: [{ kind: 5 }] }, ['metadata.ownerReferences[0].kind']],
    [{ ownerReferences: [{ controller: 'yes' }] }, ['metadata.ownerReferences[0].controller']],
    [{ generation: 1.5 }, ['metadata.generation']],
    [{ generation: 2 ** 60 }, ['metadata.generation']],
  ];
  for (const [meta, fields] of cases) assert.deepEqual(metadataTypeErrors(meta).map((c) => c.field), fields, JSON.stringify(meta));
  assert.equal(metadataTypeErrors({ name: 42 })[0]!.message, 'Invalid value: "integer": metadata.name in body must be of type string: "integer"');
});

test('assertMetadataTypes throws 422 Invalid naming the kind', () => {
  assert.doesNotThrow(() => assertMetadataTypes({ metadata: { name: 'a' } }, 'ConfigMap', ''));
  assert.throws(() => assertMetadataTypes({ metadata: { name: 42 } }, 'ConfigMap', ''), (e: unknown) => e instanceof StatusError && e.code === 422 && e.status.reason === 'Invalid' && /^ConfigMap "" is invalid: metadata\.name: Invalid value/.test(e.message));
  assert.throws(() => assertMetadataTypes({ metadata: 'x' }, 'Pod', ''), (e: unknown) => e instanceof StatusError && e.code === 422);
});

test('validateOwnerReferences follows Kubernetes ValidateOwnerReferences', () => {
  const ok = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1', controller: true };
  const cases: Array<[unknown[], string[]]> = [
    [[ok], []],
    [[{ ...ok, controller: false }, { ...ok, uid: 'u2' }], []],
    [[{ kind: 'X' }], ['metadata.ownerReferences.apiVersion', 'metadata.ownerReferences.name', 'metadata.ownerReferences.uid']],
    [[{ ...ok, apiVersion: 'apps/' }], ['metadata.ownerReferences.apiVersion']],
    [[{ ...ok, kind: '' }], ['metadata.ownerReferences.kind']],
    [[{ ...ok, apiVersion: 'v1', kind: 'Event' }], ['metadata.ownerReferences']],
    [[ok, { ...ok, uid: 'u2', name: 'other' }], ['metadata.ownerReferences']],
  ];
  for (const [refs, fields] of cases) assert.deepEqual(validateOwnerReferences(refs as never).map((c) => c.field), fields, JSON.stringify(refs));
  const two = validateOwnerReferences([ok, { ...ok, uid: 'u2', name: 'other' }]);
  assert.match(two[0]!.message, /Only one reference can have Controller set to true\. Found "true" in references for ReplicaSet\/rs and ReplicaSet\/other/);
  assert.equal(validateOwnerReferences([{ apiVersion: 'v1', kind: 'X', name: 'n', uid: '' }])[0]!.message, 'Invalid value: "": uid must not be empty');
});

test('validateFinalizers: qualified names, not orphan together with foregroundDeletion', () => {
  assert.deepEqual(validateFinalizers(['kubernetes.io/pvc-protection', 'foregroundDeletion']), []);
  assert.equal(validateFinalizers(['bad finalizer']).length, 1);
  assert.equal(validateFinalizers(['orphan', 'foregroundDeletion'])[0]!.message, 'Invalid value: ["orphan","foregroundDeletion"]: finalizer orphan and foregroundDeletion cannot be both set');
});

test('validateMeta is total over any metadata value', () => {
  for (const m of ['x', 5, null, [], { name: 42 }, { labels: 5 }, { finalizers: 'x' }, { ownerReferences: [{ kind: 5 }] }, { ownerReferences: 'x' }]) {
    const causes = validateMeta({ metadata: m } as unknown as KubeObject, false);
    if (m !== null) assert.ok(causes.length > 0, JSON.stringify(m));
  }
  assert.deepEqual(validateMeta({ metadata: { name: 'a', generation: -1 } }, false).map((c) => c.field), ['metadata.generation']);
});
