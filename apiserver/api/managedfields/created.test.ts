/**
 * The create fast path (created.ts) against recordUpdate's general path
 * (compareObjects + FieldSet + encodeFieldsV1): byte-for-byte equal
 * managedFields, and whole objects, for generated Pod, Deployment, Service
 * and ConfigMap shapes, including keyed lists with repeated or missing keys,
 * port keys with the protocol default, sets, atomic lists, empty objects,
 * inherited key names (`__proto__`, `constructor`) and deep nesting.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { KubeObject } from '../object.ts';
import { createdFieldsV1 } from './created.ts';
import { decodeManagers } from './entries.ts';
import { kindListTypes, type ListTypes } from './list-types.ts';
import { WriteMemo } from './memo.ts';
import { recordByComparison, recordedEntries, recordUpdate, type Writer } from './operations.ts';

/** An object with exactly these own entries (`__proto__` included, as JSON.parse makes it). */
const objOf = (entries: Array<[string, unknown]>): Record<string, unknown> => Object.fromEntries(entries) as Record<string, unknown>;

const key = fc.constantFrom('a', 'b', 'name', 'image', '__proto__', 'constructor', 'toString', '', 'x\u0000y', 'é', 'Z', 'port');
const scalar = fc.oneof(fc.string({ maxLength: 3 }), fc.integer({ min: -2, max: 3 }), fc.boolean(), fc.constant(null));
const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('list'), tie('object')),
  list: fc.array(tie('value'), { maxLength: 3 }),
  object: fc.array(fc.tuple(key, tie('value')), { maxLength: 3 }).map(objOf),
}));
/** Sometimes a field, sometimes absent; entries with undefined are dropped. */
const opt = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(a, { nil: undefined });
const rec = (fields: Record<string, fc.Arbitrary<unknown>>, junk = true): fc.Arbitrary<Record<string, unknown>> =>
  fc.tuple(fc.record(fields, { requiredKeys: [] }), junk ? fc.array(fc.tuple(key, value), { maxLength: 2 }) : fc.constant([])).map(([r, extra]) => {
    const entries = Object.entries(r).filter(([, v]) => v !== undefined);
    return objOf([...extra, ...entries]);
  });
const small = fc.constantFrom('a', 'b', 'nginx', 'x');
const strMap = fc.array(fc.tuple(fc.oneof(small, key), fc.oneof(small, scalar)), { maxLength: 3 }).map(objOf);
const list = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<unknown> => fc.oneof(fc.array(a, { maxLength: 4 }), value);
const port = rec({ containerPort: fc.constantFrom(80, 443, 8080), protocol: opt(fc.constantFrom('TCP', 'UDP')), name: opt(small), port: fc.constantFrom(80, 443), targetPort: opt(fc.oneof(fc.constantFrom(80), small)) });
const env = rec({ name: opt(small), value: opt(small), valueFrom: opt(value) });
const container = rec({
  name: opt(small), image: opt(small), args: opt(fc.array(small, { maxLength: 3 })), command: opt(list(small)),
  ports: opt(list(port)), env: opt(list(env)), volumeMounts: opt(list(rec({ mountPath: opt(small), name: opt(small) }))), resources: opt(value),
});
const podSpec = rec({
  containers: opt(list(container)), initContainers: opt(list(container)), volumes: opt(list(rec({ name: opt(small), emptyDir: opt(fc.constant({})) }))),
  tolerations: opt(list(value)), nodeSelector: opt(strMap), imagePullSecrets: opt(list(rec({ name: opt(small) }))),
});
const meta = rec({
  name: opt(fc.oneof(small, value)), namespace: opt(small), uid: opt(small), resourceVersion: opt(small), generation: opt(fc.integer()), creationTimestamp: opt(small),
  generateName: opt(small), labels: opt(strMap), annotations: opt(strMap), finalizers: opt(list(fc.oneof(small, value))),
  ownerReferences: opt(list(rec({ uid: opt(small), name: opt(small), kind: opt(small) }))),
  managedFields: opt(fc.oneof(fc.constant([]), fc.constant(null), fc.constant('x'), fc.constant([{}]), fc.constant([{ manager: 'm', operation: 'Update', fieldsV1: { 'f:data': {} } }]), fc.constant([{ fieldsV1: { bad: {} } }]))),
});
const status = opt(fc.oneof(value, rec({ phase: opt(small), conditions: opt(list(rec({ type: opt(small), status: opt(small) }))), podIP: opt(small) })));
const template = rec({ metadata: opt(meta), spec: opt(podSpec) });

interface Shape { apiVersion: string; kind: string; group: string; spec: fc.Arbitrary<Record<string, unknown>> }
const shapes: Shape[] = [
  { group: '', apiVersion: 'v1', kind: 'Pod', spec: rec({ metadata: opt(meta), spec: opt(fc.oneof(podSpec, value)), status }) },
  { group: 'apps', apiVersion: 'apps/v1', kind: 'Deployment', spec: rec({ metadata: opt(meta), spec: opt(rec({ replicas: opt(fc.integer()), selector: opt(rec({ matchLabels: opt(strMap), matchExpressions: opt(list(value)) })), template: opt(template) })), status }) },
  { group: '', apiVersion: 'v1', kind: 'Service', spec: rec({ metadata: opt(meta), spec: opt(rec({ ports: opt(list(port)), selector: opt(strMap), clusterIPs: opt(list(small)), type: opt(small) })), status }) },
  { group: '', apiVersion: 'v1', kind: 'ConfigMap', spec: rec({ metadata: opt(meta), data: opt(strMap), binaryData: opt(strMap), immutable: opt(fc.boolean()) }) },
];

const reset = fc.constantFrom<Writer['reset']>(undefined, [], [['f:status']], [['f:spec']], [['f:metadata', 'f:labels']], [[]]);
const writer = fc.record({ manager: fc.constantFrom('kubectl-create', 'm'), apiVersion: fc.constant('v1'), subresource: fc.constantFrom('', 'status', 'scale'), now: fc.constant('2026-01-01T00:00:00Z'), reset }, { requiredKeys: ['manager', 'apiVersion', 'subresource', 'now'] });

/** What recordUpdate did before the fast path: the sent managers (when they count) as the base, then the comparison. */
function general(next: KubeObject, w: Writer, lts: ListTypes): KubeObject {
  const sent = decodeManagers(next.metadata?.managedFields);
  const managers = w.subresource === '' && typeof sent !== 'string' && sent.size > 0 ? sent : new Map();
  return recordByComparison(undefined, next, managers, w, lts);
}

/** Both paths' outcome, as text: the object they return, or the error they throw. */
function outcome(f: () => KubeObject): string {
  try {
    return JSON.stringify(f());
  } catch (e) {
    return `threw ${String(e)}`;
  }
}

for (const s of shapes) {
  test(`create fast path equals the general path byte for byte: ${s.kind}`, () => {
    const lts = kindListTypes(s.group, s.apiVersion.split('/').pop()!, s.kind);
    // A store's memo, kept across runs (so most lookups are answered from memory), and one so small its tables keep refilling.
    const memos = [new WriteMemo(lts), new WriteMemo(lts, { listPaths: 3, fieldNames: 5 })];
    const obj = fc.tuple(s.spec, fc.boolean()).map(([o, typed]) => (typed ? objOf([['apiVersion', s.apiVersion], ['kind', s.kind], ...Object.entries(o)]) : o));
    let fastRuns = 0;
    fc.assert(fc.property(obj, writer, (o, w) => {
      const next = o as KubeObject;
      const sent = decodeManagers(next.metadata?.managedFields);
      const counts = w.subresource === '' && typeof sent !== 'string' && sent.size > 0;
      if (!counts && createdFieldsV1(o, lts, w.reset) !== null) fastRuns++;
      const before = JSON.stringify(next);
      const fast = outcome(() => recordUpdate(undefined, next, w, lts));
      const slow = outcome(() => general(next, w, lts));
      assert.equal(fast, slow);
      for (const m of memos) assert.equal(outcome(() => recordUpdate(undefined, next, w, m.listTypes, m)), fast, 'a WriteMemo changes nothing');
      const entries = outcome(() => ({ metadata: { managedFields: recordedEntries(undefined, next, w, lts, memos[0]) } }) as KubeObject);
      assert.equal(entries, fast.startsWith('threw') ? fast : JSON.stringify({ metadata: { managedFields: (JSON.parse(fast) as KubeObject).metadata?.managedFields } }), 'recordedEntries gives what recordUpdate sets');
      assert.equal(JSON.stringify(next), before, 'the input is not mutated');
    }), { numRuns: 1500 });
    // Not vacuous: most generated creates take the fast path (the rest check that the fallback is the general path).
    assert.ok(fastRuns > 300, `only ${fastRuns} of 1500 runs took the fast path`);
  });
}

test('the fast path applies to an ordinary create and leaves inherited top-level names to the general path', () => {
  const lts = kindListTypes('', 'v1', 'Pod');
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80 }, { containerPort: 80, protocol: 'UDP' }] }] } };
  const tree = createdFieldsV1(pod, lts, [['f:status']]);
  assert.notEqual(tree, null);
  const w: Writer = { manager: 'm', apiVersion: 'v1', subresource: '', now: 'now', reset: [['f:status']] };
  assert.deepEqual(recordUpdate(undefined, pod, w, lts).metadata?.managedFields?.[0]?.fieldsV1, tree);
  assert.equal(JSON.stringify(tree), JSON.stringify(general(pod, w, lts).metadata?.managedFields?.[0]?.fieldsV1));
  assert.equal(createdFieldsV1(JSON.parse('{"__proto__":{"a":1}}') as Record<string, unknown>, lts), null);
  assert.equal(createdFieldsV1({ constructor: 1 }, lts), null);
  assert.equal(createdFieldsV1({ metadata: { name: 'p' }, spec: {} }, lts), undefined);
});

/** Every list keyed by name, every list keyed by port+protocol (TCP default), every list a set. */
const everyList: ListTypes[] = [
  () => ({ type: 'map', keys: ['name'] }),
  () => ({ type: 'map', keys: ['port', 'protocol'], defaults: { protocol: 'TCP' } }),
  () => ({ type: 'set' }),
];

test('create fast path equals the general path for any value when every list is keyed or a set', () => {
  const item = fc.oneof(small, rec({ name: opt(small), port: opt(fc.constantFrom(80, 443)), protocol: opt(fc.constantFrom('TCP', 'UDP')) }));
  const deepish = fc.letrec((tie) => ({
    v: fc.oneof({ depthSize: 'small' }, item, fc.array(tie('v'), { maxLength: 3 }), fc.array(fc.tuple(key, tie('v')), { maxLength: 3 }).map(objOf)),
  })).v;
  fc.assert(fc.property(fc.array(fc.tuple(fc.oneof(key, fc.constantFrom('metadata', 'spec', 'status', 'kind')), deepish), { maxLength: 4 }).map(objOf), fc.constantFrom(0, 1, 2), writer, (o, i, w) => {
    assert.equal(outcome(() => recordUpdate(undefined, o as KubeObject, w, everyList[i])), outcome(() => general(o as KubeObject, w, everyList[i])));
  }), { numRuns: 2000 });
});

test('create fast path equals the general path past the depth cap', () => {
  const w: Writer = { manager: 'm', apiVersion: 'v1', subresource: '', now: 'now' };
  for (const lts of [kindListTypes('', 'v1', 'ConfigMap'), ...everyList]) {
    for (let start = 0; start < 4; start++) {
      let deep: unknown = { leaf: [1, { x: {} }] };
      for (let i = start; i < 140; i++) deep = i % 3 === 0 ? [{ name: `n${i}`, port: 80, d: deep }, 'v'] : i % 3 === 1 ? { [`k${i}`]: deep, e: {} } : { __proto__x: deep, l: [{ name: 'a' }, { name: 'b', port: 1 }] };
      for (const o of [{ data: deep }, { metadata: { labels: deep } }, { spec: deep }]) {
        assert.equal(outcome(() => recordUpdate(undefined, o as KubeObject, w, lts)), outcome(() => general(o as KubeObject, w, lts)));
      }
    }
  }
});
