import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/object.ts';
import { testDefs } from '../routes/core.test-helper.ts';
import { finalizerAddError, keepSystemMeta, nextGeneration, updateMetaError } from './update-meta.ts';

const [namespaces, , pods, deployments] = testDefs();

const stored: KubeObject = {
  kind: 'Pod', apiVersion: 'v1',
  metadata: { name: 'p', namespace: 'default', uid: 'u-1', resourceVersion: '10', creationTimestamp: '2026-01-01T00:00:00Z', generation: 2 },
};

test('updateMetaError: the URL names the object; uid is a precondition', () => {
  const cases: Array<[string, KubeObject, number | undefined, RegExp?]> = [
    ['same identity', { metadata: { name: 'p', namespace: 'default', uid: 'u-1' } }, undefined],
    ['fields left out', { metadata: {} }, undefined],
    ['no metadata', {}, undefined],
    ['other name', { metadata: { name: 'q' } }, 400, /the name of the object \(q\) does not match the name on the URL \(p\)/],
    ['other namespace', { metadata: { namespace: 'other' } }, 400, /namespace of the provided object does not match/],
    ['other uid', { metadata: { uid: 'u-2' } }, 409, /Precondition failed: UID in precondition: u-2, UID in object meta: u-1/],
  ];
  for (const [name, wanted, code, msg] of cases) {
    const err = updateMetaError(pods, wanted, stored);
    assert.equal(err?.code, code, name);
    if (msg) assert.match(err!.message, msg, name);
  }
  assert.equal(updateMetaError(namespaces, { metadata: { namespace: 'ignored' } }, { metadata: { name: 'p' } }), undefined, 'cluster-scoped: namespace not compared');
});

test('keepSystemMeta: a client cannot change the system fields', () => {
  const cases: Array<[string, KubeObject, KubeObject, KubeObject['metadata']]> = [
    [
      'client values replaced by stored ones, others kept',
      { metadata: { name: 'p', uid: 'x', creationTimestamp: '1999-01-01T00:00:00Z', generation: 99, resourceVersion: '3', deletionTimestamp: '2030-01-01T00:00:00Z', labels: { a: 'b' } } },
      stored,
      { name: 'p', namespace: 'default', uid: 'u-1', creationTimestamp: '2026-01-01T00:00:00Z', generation: 2, resourceVersion: '10', labels: { a: 'b' } },
    ],
    [
      'deletion fields kept from a deleting object',
      { metadata: {} },
      { metadata: { ...stored.metadata, deletionTimestamp: '2026-01-02T00:00:00Z', deletionGracePeriodSeconds: 30 } },
      { name: 'p', namespace: 'default', uid: 'u-1', creationTimestamp: '2026-01-01T00:00:00Z', generation: 2, resourceVersion: '10', deletionTimestamp: '2026-01-02T00:00:00Z', deletionGracePeriodSeconds: 30 },
    ],
  ];
  for (const [name, next, cur, want] of cases) {
    keepSystemMeta(pods, next, cur);
    assert.deepEqual(JSON.parse(JSON.stringify(next.metadata)), want, name);
    assert.equal(next.kind, 'Pod', name);
    assert.equal(next.apiVersion, 'v1', name);
  }
});

test('finalizerAddError: no new finalizer on an object being deleted', () => {
  const deleting = (finalizers: string[]): KubeObject => ({ metadata: { name: 'p', deletionTimestamp: '2026-01-01T00:00:00Z', finalizers } });
  const cases: Array<[string, KubeObject, KubeObject, boolean]> = [
    ['not deleting: adding is fine', { metadata: { finalizers: ['a', 'b'] } }, { metadata: { name: 'p', finalizers: ['a'] } }, false],
    ['deleting: removing is fine', { metadata: { finalizers: [] } }, deleting(['a']), false],
    ['deleting: keeping is fine', { metadata: { finalizers: ['a'] } }, deleting(['a']), false],
    ['deleting: adding is refused', { metadata: { finalizers: ['a', 'new'] } }, deleting(['a']), true],
  ];
  for (const [name, next, cur, refused] of cases) {
    const err = finalizerAddError(pods, next, cur);
    assert.equal(err?.code, refused ? 422 : undefined, name);
    if (refused) assert.match(err!.message, /no new finalizers can be added if the object is being deleted/);
  }
});

test('nextGeneration: bumped only by spec changes of resources that track it', () => {
  const withSpec = (gen: number | undefined, spec: unknown): KubeObject => ({ metadata: { name: 'd', generation: gen }, spec } as KubeObject);
  const cases: Array<[string, typeof pods, KubeObject, KubeObject, number | undefined]> = [
    ['spec change bumps', deployments, withSpec(undefined, { replicas: 2 }), withSpec(3, { replicas: 1 }), 4],
    ['same spec keeps', deployments, withSpec(undefined, { replicas: 1 }), withSpec(3, { replicas: 1 }), 3],
    ['missing stored generation counts as 1', deployments, withSpec(undefined, { replicas: 2 }), withSpec(undefined, { replicas: 1 }), 2],
    ['resource without bumpsGeneration keeps', pods, withSpec(undefined, { x: 2 }), withSpec(1, { x: 1 }), 1],
  ];
  for (const [name, def, next, cur, want] of cases) assert.equal(nextGeneration(def, next, cur), want, name);
});
