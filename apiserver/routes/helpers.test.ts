import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResourceStore } from '../registry/store.ts';
import { testDefs } from './core.test-helper.ts';
import { resolveResourcePath } from './path.ts';
import { formatLabelSelector, toScale } from './scale.ts';
import { includeObjectOf, toTable, wantsTable } from './table.ts';

const defs = testDefs();
const stores = new Map(defs.map((d) => [d.resource, { def: d } as unknown as ResourceStore]));
const lookup = (r: string): ResourceStore | undefined => stores.get(r);
const res = (path: string) => {
  const t = resolveResourcePath(path.split('/').filter(Boolean), lookup);
  return t && { r: t.store.def.resource, ns: t.namespace, name: t.name, sub: t.subresource, watch: t.watchPrefix };
};

test('resolveResourcePath', () => {
  const cases: Array<[string, ReturnType<typeof res>]> = [
    ['pods', { r: 'pods', ns: undefined, name: undefined, sub: undefined, watch: false }],
    ['namespaces/default/pods', { r: 'pods', ns: 'default', name: undefined, sub: undefined, watch: false }],
    ['namespaces/default/pods/web', { r: 'pods', ns: 'default', name: 'web', sub: undefined, watch: false }],
    ['namespaces/default/pods/web/status', { r: 'pods', ns: 'default', name: 'web', sub: 'status', watch: false }],
    ['namespaces/default/pods/web/binding', { r: 'pods', ns: 'default', name: 'web', sub: 'binding', watch: false }],
    ['namespaces', { r: 'namespaces', ns: undefined, name: undefined, sub: undefined, watch: false }],
    ['namespaces/default', { r: 'namespaces', ns: undefined, name: 'default', sub: undefined, watch: false }],
    ['namespaces/default/status', { r: 'namespaces', ns: undefined, name: 'default', sub: 'status', watch: false }],
    ['nodes/n1', { r: 'nodes', ns: undefined, name: 'n1', sub: undefined, watch: false }],
    ['watch/namespaces/default/pods', { r: 'pods', ns: 'default', name: undefined, sub: undefined, watch: true }],
    ['watch/nodes/n1', { r: 'nodes', ns: undefined, name: 'n1', sub: undefined, watch: true }],
    ['pods/web', undefined],
    ['namespaces/default/pods/web/scale', undefined],
    ['namespaces/default/pods/web/status/extra', undefined],
    ['widgets', undefined],
    ['watch/namespaces/default/pods/web/status', undefined],
    ['', undefined],
  ];
  for (const [path, want] of cases) assert.deepEqual(res(path), want, path);
});

test('formatLabelSelector and toScale', () => {
  assert.equal(formatLabelSelector(undefined), '');
  assert.equal(formatLabelSelector({ matchLabels: { a: 'b', c: 'd' } }), 'a=b,c=d');
  assert.equal(formatLabelSelector({ matchExpressions: [
    { key: 'x', operator: 'In', values: ['2', '1'] }, { key: 'y', operator: 'NotIn', values: ['z'] },
    { key: 'e', operator: 'Exists' }, { key: 'n', operator: 'DoesNotExist' },
  ] }), 'x in (1,2),y notin (z),e,!n');
  const s = toScale({ metadata: { name: 'd', namespace: 'ns', resourceVersion: '5' }, spec: { replicas: 0, selector: { matchLabels: { app: 'd' } } }, status: { replicas: 2 } } as never);
  assert.deepEqual([s.kind, s.apiVersion, s.spec.replicas, s.status.replicas, s.status.selector, s.metadata?.resourceVersion], ['Scale', 'autoscaling/v1', 0, 2, 'app=d', '5']);
});

test('wantsTable and includeObject', () => {
  assert.equal(wantsTable('application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json'), true);
  assert.equal(wantsTable('application/json; as=Table; g=meta.k8s.io; v=v1beta1'), true);
  assert.equal(wantsTable('application/json'), false);
  assert.equal(wantsTable('application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io'), false);
  assert.equal(wantsTable(undefined), false);
  assert.equal(includeObjectOf('Object'), 'Object');
  assert.equal(includeObjectOf('None'), 'None');
  assert.equal(includeObjectOf(undefined), 'Metadata');
});

test('toTable adds the Name column and honours omitNameColumn and includeObject', () => {
  const pods = defs.find((d) => d.resource === 'pods')!;
  const pod = { metadata: { name: 'p', namespace: 'ns', labels: { a: 'b' } }, spec: { nodeName: 'n' }, status: { phase: 'Running' } };
  const t = toTable(pods, [pod], { resourceVersion: '7', includeObject: 'None' });
  assert.deepEqual(t.columnDefinitions.map((c) => c.name), ['Name', 'Status', 'Node']);
  assert.deepEqual(t.rows, [{ cells: ['p', 'Running', 'n'] }]);
  assert.deepEqual(t.metadata, { resourceVersion: '7' });
  const m = toTable(pods, [pod]);
  assert.deepEqual(m.rows[0].object, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: pod.metadata });
  const noName = toTable({ ...pods, table: { ...pods.table, omitNameColumn: true } }, [pod]);
  assert.deepEqual(noName.columnDefinitions.map((c) => c.name), ['Status', 'Node']);
  assert.deepEqual(noName.rows[0].cells, ['Running', 'n']);
});
