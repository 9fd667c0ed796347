import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPatch, decodePatch, patchKindOf } from './index.ts';
import { mergePatch } from './merge.ts';
import { fieldSchema, itemSchema, listStrategy, type PatchSchema } from './list-strategy.ts';
import { strategicMergePatch } from './strategic.ts';
import { StatusError } from '../errors.ts';
import { builtinCatalog } from '../schema/index.ts';

const catalog = builtinCatalog();
const schemaOf = (group: string, kind: string): PatchSchema => ({ catalog, schema: catalog.kind({ group, version: 'v1', kind })!.schema });
const podSchema = schemaOf('', 'Pod');
const deploymentSchema = schemaOf('apps', 'Deployment');
/** The list strategy at a path of field names (list elements entered implicitly). */
const strategyAt = (root: PatchSchema, path: string[]): ReturnType<typeof listStrategy> => {
  let at: PatchSchema | undefined = root;
  path.forEach((f, i) => {
    at = fieldSchema(at, f);
    if (i < path.length - 1 && at && catalog.resolve(at.schema).type === 'array') at = itemSchema(at);
  });
  return listStrategy(at);
};

test('merge patch (RFC 7386 examples)', () => {
  const cases: Array<[unknown, unknown, unknown]> = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  for (const [orig, patch, want] of cases) assert.deepEqual(mergePatch(orig, patch), want, JSON.stringify([orig, patch]));
});

test('merge patch leaves its input untouched', () => {
  const orig = { a: { b: 1 } };
  mergePatch(orig, { a: { b: 2 } });
  assert.deepEqual(orig, { a: { b: 1 } });
});

test('json patch applies operations and reports failures as 422', () => {
  const out = applyPatch('json', { spec: { replicas: 1 } }, [
    { op: 'replace', path: '/spec/replicas', value: 3 },
    { op: 'add', path: '/metadata', value: { labels: { a: 'b' } } },
  ]);
  assert.deepEqual(out, { spec: { replicas: 3 }, metadata: { labels: { a: 'b' } } });
  assert.throws(() => applyPatch('json', { a: 1 }, [{ op: 'test', path: '/a', value: 2 }]), (e: unknown) => e instanceof StatusError && e.code === 422);
  assert.throws(() => applyPatch('json', { a: 1 }, { op: 'add' }), (e: unknown) => e instanceof StatusError && e.code === 400);
});

test('patchKindOf maps content types and rejects others with 415', () => {
  assert.equal(patchKindOf('application/merge-patch+json'), 'merge');
  assert.equal(patchKindOf('application/json-patch+json; charset=utf-8'), 'json');
  assert.equal(patchKindOf('application/strategic-merge-patch+json'), 'strategic');
  assert.equal(patchKindOf('application/apply-patch+yaml'), 'apply');
  assert.throws(() => patchKindOf('application/json'), (e: unknown) => e instanceof StatusError && e.code === 415);
});

test('decodePatch parses YAML for apply and rejects bad JSON with 400', () => {
  assert.deepEqual(decodePatch('apply', 'kind: Pod\nmetadata:\n  name: x\n'), { kind: 'Pod', metadata: { name: 'x' } });
  assert.throws(() => decodePatch('merge', '{bad'), (e: unknown) => e instanceof StatusError && e.code === 400);
});

test('list strategies come from the schema: container ports vs service ports, sets, atomic lists', () => {
  const table: Array<[PatchSchema, string[], { mergeKey?: string; set: boolean }]> = [
    [deploymentSchema, ['spec', 'template', 'spec', 'containers', 'ports'], { mergeKey: 'containerPort', set: false }],
    [schemaOf('', 'Service'), ['spec', 'ports'], { mergeKey: 'port', set: false }],
    [podSchema, ['spec', 'containers'], { mergeKey: 'name', set: false }],
    [podSchema, ['spec', 'initContainers', 'env'], { mergeKey: 'name', set: false }],
    [podSchema, ['spec', 'volumes'], { mergeKey: 'name', set: false }],
    [podSchema, ['spec', 'containers', 'volumeMounts'], { mergeKey: 'mountPath', set: false }],
    [podSchema, ['status', 'conditions'], { mergeKey: 'type', set: false }],
    [podSchema, ['metadata', 'ownerReferences'], { mergeKey: 'uid', set: false }],
    [podSchema, ['metadata', 'finalizers'], { set: true }],
    [schemaOf('', 'Node'), ['spec', 'podCIDRs'], { set: true }],
    [schemaOf('', 'Node'), ['status', 'addresses'], { mergeKey: 'type', set: false }],
    [podSchema, ['spec', 'tolerations'], { set: false }],
    [podSchema, ['spec', 'containers', 'args'], { set: false }],
    [schemaOf('discovery.k8s.io', 'EndpointSlice'), ['endpoints'], { set: false }],
    [podSchema, ['spec', 'nosuchfield'], { set: false }],
  ];
  for (const [root, path, want] of table) assert.deepEqual(strategyAt(root, path), want, path.join('.'));
});

test('without a schema every list is atomic; applyPatch finds the schema from the document kind', () => {
  const orig = { apiVersion: 'v1', kind: 'Pod', spec: { containers: [{ name: 'a', image: '1' }, { name: 'b', image: '1' }] } };
  const patch = { spec: { containers: [{ name: 'b', image: '2' }] } };
  assert.deepEqual((strategicMergePatch(orig, patch, undefined) as typeof orig).spec.containers, [{ name: 'b', image: '2' }]);
  assert.deepEqual((applyPatch('strategic', orig, patch) as typeof orig).spec.containers, [{ name: 'a', image: '1' }, { name: 'b', image: '2' }]);
  const applied = applyPatch('apply', {}, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { finalizers: ['x'] } }) as { metadata: unknown };
  assert.deepEqual(applied.metadata, { finalizers: ['x'] });
});

test('__proto__ in a patch is data, never a prototype', () => {
  const patch = JSON.parse('{"metadata":{"labels":{"__proto__":{"polluted":"yes"}}},"__proto__":{"polluted":"yes"}}') as unknown;
  for (const out of [strategicMergePatch({}, patch, podSchema), mergePatch({}, patch)] as Array<Record<string, unknown>>) {
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.equal(Object.hasOwn(out, '__proto__'), true);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  }
});

const pod = () => ({
  metadata: { name: 'p', labels: { a: '1', b: '2' }, finalizers: ['x'] },
  spec: {
    containers: [
      { name: 'web', image: 'nginx:1', ports: [{ containerPort: 80 }], env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] },
      { name: 'side', image: 'busybox' },
    ],
    tolerations: [{ key: 't1' }],
  },
});

test('strategic merge patch table', () => {
  const cases: Array<{ name: string; patch: unknown; check: (out: ReturnType<typeof pod>) => void }> = [
    {
      name: 'merges a container by name',
      patch: { spec: { containers: [{ name: 'web', image: 'nginx:2' }] } },
      check: (o) => {
        assert.equal(o.spec.containers.length, 2);
        assert.equal(o.spec.containers[0].image, 'nginx:2');
        assert.deepEqual(o.spec.containers[0].ports, [{ containerPort: 80 }]);
      },
    },
    {
      name: 'adds a new container at the end',
      patch: { spec: { containers: [{ name: 'new', image: 'x' }] } },
      check: (o) => assert.deepEqual(o.spec.containers.map((c) => c.name), ['web', 'side', 'new']),
    },
    {
      name: 'deletes a container with $patch: delete',
      patch: { spec: { containers: [{ name: 'side', $patch: 'delete' }] } },
      check: (o) => assert.deepEqual(o.spec.containers.map((c) => c.name), ['web']),
    },
    {
      name: 'replaces a merge list with $patch: replace',
      patch: { spec: { containers: [{ name: 'only', image: 'y' }, { $patch: 'replace' }] } },
      check: (o) => assert.deepEqual(o.spec.containers, [{ name: 'only', image: 'y' }]),
    },
    {
      name: 'merges env by name and ports by containerPort',
      patch: { spec: { containers: [{ name: 'web', env: [{ name: 'B', value: '3' }], ports: [{ containerPort: 443 }] }] } },
      check: (o) => {
        assert.deepEqual(o.spec.containers[0].env, [{ name: 'A', value: '1' }, { name: 'B', value: '3' }]);
        assert.deepEqual(o.spec.containers[0].ports, [{ containerPort: 80 }, { containerPort: 443 }]);
      },
    },
    {
      name: 'atomic lists replace',
      patch: { spec: { tolerations: [{ key: 't2' }] } },
      check: (o) => assert.deepEqual(o.spec.tolerations, [{ key: 't2' }]),
    },
    {
      name: 'null deletes a key',
      patch: { metadata: { labels: { a: null } } },
      check: (o) => assert.deepEqual(o.metadata.labels, { b: '2' }),
    },
    {
      name: 'finalizers merge as a set and $deleteFromPrimitiveList removes',
      patch: { metadata: { finalizers: ['y', 'x'], '$deleteFromPrimitiveList/finalizers': ['x'] } },
      check: (o) => assert.deepEqual(o.metadata.finalizers, ['y']),
    },
    {
      name: '$patch: replace on a map',
      patch: { metadata: { labels: { $patch: 'replace', c: '3' } } },
      check: (o) => assert.deepEqual(o.metadata.labels, { c: '3' }),
    },
    {
      name: '$patch: delete on a map removes it',
      patch: { metadata: { labels: { $patch: 'delete' } } },
      check: (o) => assert.equal(o.metadata.labels, undefined),
    },
    {
      name: '$retainKeys drops keys not listed',
      patch: { metadata: { $retainKeys: ['name', 'labels'], labels: { z: '9' } } },
      check: (o) => assert.deepEqual(o.metadata, { name: 'p', labels: { a: '1', b: '2', z: '9' } }),
    },
  ];
  for (const c of cases) {
    const orig = pod();
    const out = strategicMergePatch(orig, c.patch, podSchema) as ReturnType<typeof pod>;
    c.check(out);
    assert.deepEqual(orig, pod(), `${c.name}: original untouched`);
  }
});

test('kubectl apply style SMP: $setElementOrder, change and delete', () => {
  // Live object has containers a, b, c; the new config is c, a (b removed, a's image changed).
  const live = {
    metadata: { name: 'd', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } },
    spec: {
      replicas: 2,
      template: {
        spec: {
          containers: [
            { name: 'a', image: 'a:1', ports: [{ containerPort: 80, protocol: 'TCP' }] },
            { name: 'b', image: 'b:1' },
            { name: 'c', image: 'c:1' },
          ],
        },
      },
    },
  };
  const patch = {
    metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"new":true}' } },
    spec: {
      template: {
        spec: {
          '$setElementOrder/containers': [{ name: 'c' }, { name: 'a' }],
          containers: [
            { name: 'a', image: 'a:2', '$setElementOrder/ports': [{ containerPort: 80 }, { containerPort: 8080 }], ports: [{ containerPort: 8080 }] },
            { name: 'b', $patch: 'delete' },
          ],
        },
      },
    },
  };
  const out = strategicMergePatch(live, patch, deploymentSchema) as typeof live;
  assert.deepEqual(out.spec.template.spec.containers, [
    { name: 'c', image: 'c:1' },
    { name: 'a', image: 'a:2', ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 8080 }] },
  ]);
  assert.equal(out.spec.replicas, 2);
  assert.equal(out.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'], '{"new":true}');
});

test('SMP rejects a merge-list element without its merge key', () => {
  assert.throws(() => strategicMergePatch(pod(), { spec: { containers: [{ image: 'x' }] } }, podSchema), (e: unknown) => e instanceof StatusError && e.code === 400);
});
