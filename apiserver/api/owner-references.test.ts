import { test } from 'node:test';
import assert from 'node:assert/strict';
import { controllerRef, newControllerRef } from './owner-references.ts';
import { microTime, rfc3339 } from './time.ts';

test('controllerRef finds the reference with controller: true; newControllerRef builds one', () => {
  const ref = newControllerRef({ metadata: { name: 'web', uid: 'u1' } }, 'apps/v1', 'ReplicaSet');
  assert.deepEqual(ref, { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'u1', controller: true, blockOwnerDeletion: true });
  assert.equal(controllerRef({ ownerReferences: [{ ...ref, controller: false, uid: 'u0' }, ref] })?.uid, 'u1');
  assert.equal(controllerRef({ ownerReferences: [{ ...ref, controller: undefined }] }), undefined);
  assert.equal(controllerRef(undefined), undefined);
});

test('meta/v1 Time and MicroTime wire forms', () => {
  const ms = Date.UTC(2026, 10, 22, 3, 33, 35, 123);
  assert.equal(rfc3339(ms), '2026-11-22T03:33:35Z');
  assert.equal(microTime(ms), '2026-11-22T03:33:35.123000Z');
});
