import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/object.ts';
import { testDefs } from '../routes/core.test-helper.ts';
import { apiVersionOf, prepareCreate } from './create-meta.ts';

const [namespaces, , pods, deployments] = testDefs();
const stamp = { nowMs: Date.parse('2026-01-01T00:00:00.750Z'), uid: 'u-1' };

test('prepareCreate sets the system metadata and nothing else', () => {
  const cases: Array<{ name: string; def: typeof pods; ns: string | undefined; input: KubeObject; name2?: string; want: KubeObject }> = [
    {
      name: 'namespaced: namespace from the URL, client system fields dropped', def: pods, ns: 'default',
      input: { kind: 'Wrong', metadata: { name: 'p', namespace: 'other', uid: 'mine', resourceVersion: '7', generation: 9, deletionTimestamp: 'x', deletionGracePeriodSeconds: 3, labels: { a: 'b' } } },
      want: { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'p', namespace: 'default', uid: 'u-1', creationTimestamp: '2026-01-01T00:00:00Z', generation: 1, labels: { a: 'b' } } },
    },
    {
      name: 'cluster-scoped: namespace removed', def: namespaces, ns: 'default',
      input: { metadata: { name: 'n', namespace: 'x' } },
      want: { kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'n', uid: 'u-1', creationTimestamp: '2026-01-01T00:00:00Z', generation: 1 } },
    },
    {
      name: 'group resource: apiVersion group/version; generated name replaces', def: deployments, ns: 'd', name2: 'web-abcde',
      input: { metadata: { generateName: 'web-' } },
      want: { kind: 'Deployment', apiVersion: 'apps/v1', metadata: { generateName: 'web-', name: 'web-abcde', namespace: 'd', uid: 'u-1', creationTimestamp: '2026-01-01T00:00:00Z', generation: 1 } },
    },
  ];
  for (const c of cases) {
    const before = structuredClone(c.input);
    const got = prepareCreate(c.def, c.input, c.ns, { ...stamp, name: c.name2 });
    assert.deepEqual(got, c.want, c.name);
    assert.deepEqual(c.input, before, `${c.name}: input untouched`);
  }
});

test('apiVersionOf', () => {
  assert.equal(apiVersionOf({ group: '', version: 'v1' }), 'v1');
  assert.equal(apiVersionOf({ group: 'apps', version: 'v1' }), 'apps/v1');
});
