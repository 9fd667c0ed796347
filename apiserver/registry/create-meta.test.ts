import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/object.ts';
import { testDefs } from '../routes/core.test-helper.ts';
import { MemoryStorage } from '../storage/memory.ts';
import { apiVersionOf, prepareCreate, stampCreate } from './create-meta.ts';
import { ResourceStore } from './store.ts';
import { strategyContext } from './strategy-context.ts';

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
    const inPlace = structuredClone(before);
    assert.equal(stampCreate(c.def, inPlace, c.ns, { ...stamp, name: c.name2 }), inPlace, `${c.name}: stampCreate returns its argument`);
    assert.deepEqual(inPlace, c.want, `${c.name}: stampCreate is prepareCreate in place`);
  }
});

test('create builds the object in a handed-over input, and in a copy otherwise or when a generated name may be retried', async () => {
  const storage = new MemoryStorage();
  // A kind without a built-in schema, so that the schema check hands `input` itself on (for pods it hands on its pruned copy).
  const widgets = { ...pods, group: 'skiff.test', kind: 'Widget', resource: 'widgets', listKind: 'WidgetList', singular: 'widget' };
  const store = new ResourceStore(widgets, { storage, ctx: strategyContext(storage, { serviceCIDR: '10.96.0.0/12' }) });
  const body = (name: string): KubeObject => ({ apiVersion: 'skiff.test/v1', kind: 'Widget', metadata: { name, namespace: 'ns' }, spec: { containers: [{ name: 'c', image: 'x' }] } } as KubeObject);
  const kept = body('kept');
  const a = await store.create('ns', kept);
  assert.deepEqual(kept, body('kept'), 'not handed over: untouched');
  const given = body('given');
  const b = await store.create('ns', given, {}, true);
  assert.equal(given.metadata?.uid, b.metadata?.uid, 'handed over: built in place');
  const { metadata: ma, ...ra } = a;
  const { metadata: mb, ...rb } = b;
  assert.deepEqual(ra, rb, 'the same object either way');
  assert.deepEqual(Object.keys(ma ?? {}), Object.keys(mb ?? {}));
  const gen = { ...body(''), metadata: { generateName: 'g-', namespace: 'ns' } } as KubeObject;
  const c = await store.create('ns', gen, {}, true);
  assert.match(c.metadata?.name ?? '', /^g-/);
  assert.deepEqual(gen.metadata, { generateName: 'g-', namespace: 'ns' }, 'generateName: copied, so a retry starts from the input');
});

test('apiVersionOf', () => {
  assert.equal(apiVersionOf({ group: '', version: 'v1' }), 'v1');
  assert.equal(apiVersionOf({ group: 'apps', version: 'v1' }), 'apps/v1');
});
