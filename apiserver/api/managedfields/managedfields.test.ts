/** Table tests of the field manager: sets, FieldsV1, extraction, compare, update, apply, conflicts, options. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../object.ts';
import { StatusError } from '../errors.ts';
import { FieldSet, keyPE, pathString, type Path } from './fieldpath.ts';
import { decodeFieldsV1, encodeFieldsV1 } from './fieldsv1.ts';
import { kindListTypes, listTypeOf } from './list-types.ts';

const lt = kindListTypes('apps', 'v1', 'Deployment');
/** Pod-shaped documents (spec.containers at the top). */
const podLt = kindListTypes('', 'v1', 'Pod');
import { toFieldSet } from './values.ts';
import { compareObjects } from './compare.ts';
import { applyConfig, recordUpdate, type Writer } from './operations.ts';
import { decodeManagers } from './entries.ts';
import { managerFromUserAgent, validateFieldManagerParams, invalidOptions } from './options.ts';

const paths = (s: FieldSet): string[] => s.paths().map(pathString);
const W = (manager: string, now = '2026-01-01T00:00:00Z'): Writer => ({ manager, apiVersion: 'apps/v1', subresource: '', now });

function deployment(replicas: number, image = 'nginx:1', extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      replicas, selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image, ports: [{ containerPort: 80 }] }] } },
      ...extra,
    },
  } as KubeObject;
}

const managers = (o: KubeObject): Array<[string, string, string[]]> => {
  const m = decodeManagers(o.metadata?.managedFields);
  assert.ok(typeof m !== 'string', String(m));
  return [...m.values()].map((e) => [e.manager, e.operation, paths(e.set)]);
};

test('pathString spells paths as structured-merge-diff does', () => {
  const cases: Array<[Path, string]> = [
    [['f:spec', 'f:replicas'], '.spec.replicas'],
    [['f:spec', 'f:containers', keyPE({ name: 'nginx' }), 'f:image'], '.spec.containers[name="nginx"].image'],
    [['f:ports', keyPE({ protocol: 'TCP', containerPort: 80 })], '.ports[containerPort=80,protocol="TCP"]'],
    [['f:metadata', 'f:finalizers', 'v:"a/b"'], '.metadata.finalizers[="a/b"]'],
    [['f:x', 'i:3'], '.x[3]'],
  ];
  for (const [p, want] of cases) assert.equal(pathString(p), want);
});

test('FieldSet operations', () => {
  const a = new FieldSet([['f:a'], ['f:b', 'f:c'], ['f:d']]);
  const b = new FieldSet([['f:b', 'f:c'], ['f:e']]);
  assert.deepEqual(paths(a.union(b)), ['.a', '.b.c', '.d', '.e']);
  assert.deepEqual(paths(a.intersection(b)), ['.b.c']);
  assert.deepEqual(paths(a.difference(b)), ['.a', '.d']);
  assert.ok(a.hasPrefix(['f:b']));
  assert.ok(!a.hasPrefix(['f:c']));
  assert.ok(new FieldSet([['f:x']]).equals(new FieldSet([['f:x']])));
});

test('FieldsV1 encodes members as {} and inner members with "."', () => {
  const set = new FieldSet([['f:metadata', 'f:labels'], ['f:metadata', 'f:labels', 'f:app'], ['f:spec', 'f:replicas']]);
  const tree = encodeFieldsV1(set);
  assert.equal(JSON.stringify(tree), '{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:replicas":{}}}');
  const back = decodeFieldsV1(JSON.parse(JSON.stringify(tree)));
  assert.ok(back instanceof FieldSet && back.equals(set));
  for (const bad of [[], 'x', { 'x:y': {} }, { 'f:a': 5 }, { 'k:{nope': {} }]) assert.equal(typeof decodeFieldsV1(bad), 'string', JSON.stringify(bad));
});

test('toFieldSet: leaves, list-map items by key (ports with protocol), sets by value, atomic lists whole', () => {
  const obj = {
    metadata: { labels: { app: 'web' }, finalizers: ['a', 'b'], annotations: {} },
    spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80 }], args: ['x', 'y'] }] },
  };
  assert.deepEqual(paths(toFieldSet(obj, podLt)), [
    '.metadata.annotations',
    '.metadata.finalizers[="a"]',
    '.metadata.finalizers[="b"]',
    '.metadata.labels.app',
    '.spec.containers[name="c"]',
    '.spec.containers[name="c"].args',
    '.spec.containers[name="c"].image',
    '.spec.containers[name="c"].name',
    '.spec.containers[name="c"].ports[containerPort=80,protocol="TCP"]',
    '.spec.containers[name="c"].ports[containerPort=80,protocol="TCP"].containerPort',
  ]);
  // A keyed list whose item lacks the key is owned whole (atomic).
  assert.deepEqual(paths(toFieldSet({ spec: { containers: [{ image: 'i' }] } }, podLt)), ['.spec.containers']);
});

test('compareObjects: added subtrees with their inner nodes, modified leaves, removed subtrees', () => {
  const lhs = { spec: { replicas: 1, paused: true, containers: [{ name: 'a', image: 'x' }] } };
  const rhs = { spec: { replicas: 2, strategy: { rollingUpdate: { maxSurge: 1 } }, containers: [{ name: 'a', image: 'y' }, { name: 'b', image: 'z' }] } };
  const c = compareObjects(lhs, rhs, podLt);
  assert.deepEqual(paths(c.modified), ['.spec.containers[name="a"].image', '.spec.replicas']);
  assert.deepEqual(paths(c.added), ['.spec.containers[name="b"]', '.spec.containers[name="b"].image', '.spec.containers[name="b"].name', '.spec.strategy', '.spec.strategy.rollingUpdate', '.spec.strategy.rollingUpdate.maxSurge']);
  assert.deepEqual(paths(c.removed), ['.spec.paused']);
  assert.ok(compareObjects(lhs, lhs, podLt).added.isEmpty());
});

test('recordUpdate on create: the creator owns every field it set, server metadata excluded', () => {
  const created = recordUpdate(undefined, { ...deployment(2), metadata: { name: 'web', uid: 'u', resourceVersion: '5', labels: { app: 'web' } } } as KubeObject, W('kubectl-create'), lt);
  const entries = created.metadata?.managedFields ?? [];
  assert.equal(entries.length, 1);
  assert.deepEqual({ ...entries[0], fieldsV1: undefined }, { manager: 'kubectl-create', operation: 'Update', apiVersion: 'apps/v1', time: '2026-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: undefined });
  const f = entries[0].fieldsV1 as Record<string, Record<string, unknown>>;
  assert.deepEqual(Object.keys(f), ['f:metadata', 'f:spec']);
  assert.deepEqual(f['f:metadata'], { 'f:labels': { '.': {}, 'f:app': {} } });
  const containers = ((((f['f:spec']['f:template'] as Record<string, Record<string, unknown>>)['f:spec'])['f:containers']) as Record<string, Record<string, unknown>>);
  assert.deepEqual(Object.keys(containers['k:{"name":"nginx"}']), ['.', 'f:image', 'f:name', 'f:ports']);
  assert.deepEqual(containers['k:{"name":"nginx"}']['f:ports'], { '.': {}, 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } });
});

test('recordUpdate: an update takes changed fields from other managers, removed fields leave everyone, empty managers drop', () => {
  const live = recordUpdate(undefined, deployment(2), W('creator'), lt);
  const scaled = recordUpdate(live, { ...deployment(5), metadata: live.metadata } as KubeObject, W('scaler', '2026-01-02T00:00:00Z'), lt);
  assert.deepEqual(managers(scaled).map(([m, op, p]) => [m, op, p.filter((x) => x.startsWith('.spec.replicas'))]), [['creator', 'Update', []], ['scaler', 'Update', ['.spec.replicas']]]);
  // Same manager again: entry merged, time bumped.
  const again = recordUpdate(scaled, { ...deployment(6), metadata: scaled.metadata } as KubeObject, W('scaler', '2026-01-03T00:00:00Z'), lt);
  assert.equal(again.metadata?.managedFields?.find((e) => e.manager === 'scaler')?.time, '2026-01-03T00:00:00Z');
  // No change: nothing recorded, times kept.
  const same = recordUpdate(again, again, W('other', '2026-01-04T00:00:00Z'), lt);
  assert.deepEqual(same.metadata?.managedFields, again.metadata?.managedFields);
  // The scaler's only field is removed by someone else: the scaler is dropped.
  const spec = { ...(deployment(0) as { spec: Record<string, unknown> }).spec };
  delete spec.replicas;
  const removed = recordUpdate(again, { ...again, spec } as KubeObject, W('editor'), lt);
  assert.deepEqual(managers(removed).map(([m]) => m), ['creator']);
});

test('recordUpdate: client-sent managedFields are the base; [{}] clears them; [] keeps the live ones', () => {
  const live = recordUpdate(undefined, deployment(2), W('creator'), lt);
  const cleared = recordUpdate(live, { ...live, metadata: { ...live.metadata, managedFields: [{}] } } as KubeObject, W('x'), lt);
  assert.equal(cleared.metadata?.managedFields, undefined);
  const kept = recordUpdate(live, { ...live, metadata: { ...live.metadata, managedFields: [] } } as KubeObject, W('x'), lt);
  assert.deepEqual(kept.metadata?.managedFields, live.metadata?.managedFields);
  const garbage = recordUpdate(live, { ...live, metadata: { ...live.metadata, managedFields: [{ manager: 'm', fieldsType: 'FieldsV2' }] } } as unknown as KubeObject, W('x'), lt);
  assert.deepEqual(garbage.metadata?.managedFields, live.metadata?.managedFields);
});

function applied(r: KubeObject | StatusError): KubeObject {
  if (r instanceof StatusError) assert.fail(r.message);
  return r;
}

test('applyConfig creates, then conflicts with another manager changing its field (exact kube message), force takes ownership', () => {
  const created = applied(applyConfig(undefined, deployment(2), W('first'), { force: false, kind: 'Deployment' }, lt));
  assert.deepEqual(managers(created).map(([m, op]) => [m, op]), [['first', 'Apply']]);
  const r = applyConfig(created, deployment(3), W('second'), { force: false, kind: 'Deployment' }, lt);
  assert.ok(r instanceof StatusError);
  assert.equal(r.code, 409);
  assert.equal(r.status.reason, 'Conflict');
  assert.equal(r.message, 'Apply failed with 1 conflict: conflict with "first": .spec.replicas');
  assert.deepEqual(r.status.details?.causes, [{ reason: 'FieldManagerConflict', message: 'conflict with "first"', field: '.spec.replicas' }]);
  const forced = applied(applyConfig(created, deployment(3), W('second'), { force: true, kind: 'Deployment' }, lt));
  assert.equal((forced as { spec: { replicas: number } }).spec.replicas, 3);
  const ms = managers(forced);
  assert.ok(!ms.find(([m]) => m === 'first')![2].includes('.spec.replicas'));
  assert.ok(ms.find(([m]) => m === 'second')![2].includes('.spec.replicas'));
  // Same values from another applier: shared ownership, no conflict.
  const shared = applied(applyConfig(created, deployment(2), W('third'), { force: false, kind: 'Deployment' }, lt));
  assert.ok(managers(shared).every(([, , p]) => p.includes('.spec.replicas')));
});

test('applyConfig conflict with an Update manager names it with its apiVersion; several conflicts are listed per manager', () => {
  const live = recordUpdate(undefined, deployment(2), W('kubectl-client-side-apply'), lt);
  const r = applyConfig(live, deployment(3, 'nginx:2'), W('ssa'), { force: false, kind: 'Deployment' }, lt);
  assert.ok(r instanceof StatusError);
  assert.equal(r.message, 'Apply failed with 2 conflicts: conflicts with "kubectl-client-side-apply" using apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name="nginx"].image');
});

test('applyConfig removes fields the applier dropped, unless another manager owns them', () => {
  const withPaused = (p: boolean): KubeObject => deployment(2, 'nginx:1', { paused: p, minReadySeconds: 5 });
  const first = applied(applyConfig(undefined, withPaused(true), W('a'), { force: false, kind: 'Deployment' }, lt));
  const dropped = applied(applyConfig(first, deployment(2), W('a'), { force: false, kind: 'Deployment' }, lt));
  const spec = (dropped as { spec: Record<string, unknown> }).spec;
  assert.equal(spec.paused, undefined);
  assert.equal(spec.minReadySeconds, undefined);
  // b also applies minReadySeconds: when a drops it, it stays.
  const both = applied(applyConfig(first, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { minReadySeconds: 5 } }, W('b'), { force: false, kind: 'Deployment' }, lt));
  const kept = applied(applyConfig(both, deployment(2), W('a'), { force: false, kind: 'Deployment' }, lt));
  assert.equal((kept as { spec: Record<string, unknown> }).spec.minReadySeconds, 5);
  assert.equal((kept as { spec: Record<string, unknown> }).spec.paused, undefined);
  // A dropped container goes; a dropped label goes, an unowned label stays.
  const two = deployment(2);
  (two as { spec: { template: { spec: { containers: unknown[] } } } }).spec.template.spec.containers.push({ name: 'side', image: 'busybox' });
  const withSide = applied(applyConfig(first, two, W('a'), { force: false, kind: 'Deployment' }, lt));
  const noSide = applied(applyConfig(withSide, deployment(2), W('a'), { force: false, kind: 'Deployment' }, lt));
  assert.deepEqual((noSide as { spec: { template: { spec: { containers: Array<{ name: string }> } } } }).spec.template.spec.containers.map((c) => c.name), ['nginx']);
});

test('applyConfig merges list-map items by key and keeps items owned by others', () => {
  const base = applied(applyConfig(undefined, deployment(2), W('a'), { force: false, kind: 'Deployment' }, lt));
  const sidecar = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { template: { spec: { containers: [{ name: 'side', image: 'busybox' }] } } } };
  const merged = applied(applyConfig(base, sidecar, W('b'), { force: false, kind: 'Deployment' }, lt));
  const names = (o: KubeObject): string[] => (o as { spec: { template: { spec: { containers: Array<{ name: string }> } } } }).spec.template.spec.containers.map((c) => c.name);
  assert.deepEqual(names(merged).sort(), ['nginx', 'side']);
  const reapplied = applied(applyConfig(merged, deployment(2), W('a'), { force: false, kind: 'Deployment' }, lt));
  assert.deepEqual(names(reapplied).sort(), ['nginx', 'side']);
});

test('applyConfig: a re-apply that changes nothing returns the live object as is', () => {
  const live = applied(applyConfig(undefined, deployment(2), W('a'), { force: false, kind: 'Deployment' }, lt));
  const again = applied(applyConfig(live, deployment(2), W('a', '2027-01-01T00:00:00Z'), { force: false, kind: 'Deployment' }, lt));
  assert.deepEqual(again, live);
});

test('applyConfig rejects a wrong apiVersion, a wrong kind and managedFields with 400', () => {
  const cases: Array<[unknown, string]> = [
    [{ ...deployment(1), apiVersion: 'apps/v2' }, 'Incorrect version specified in apply patch. Specified patch version: apps/v2, expected: apps/v1'],
    [{ ...deployment(1), kind: 'ReplicaSet' }, 'Incorrect kind specified in apply patch. Specified patch kind: ReplicaSet, expected: Deployment'],
    [{ ...deployment(1), metadata: { name: 'web', managedFields: [] } }, 'metadata.managedFields must be nil'],
  ];
  for (const [config, message] of cases) {
    const r = applyConfig(undefined, config, W('a'), { force: false, kind: 'Deployment' }, lt);
    assert.ok(r instanceof StatusError);
    assert.equal(r.code, 400);
    assert.equal(r.message, message);
  }
});

test('field manager options: required for apply, force only with apply, length and printable checks; user agent prefix', () => {
  const msg = (kind: 'PatchOptions' | 'CreateOptions', p: Parameters<typeof validateFieldManagerParams>[1]): string | undefined => {
    const causes = validateFieldManagerParams(kind, p);
    return causes.length ? invalidOptions(kind, causes).message : undefined;
  };
  assert.equal(msg('PatchOptions', { apply: true }), 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
  assert.equal(msg('PatchOptions', { apply: false, forceGiven: true }), 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch');
  assert.equal(msg('CreateOptions', { fieldManager: 'x'.repeat(129) }), 'CreateOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not be longer than 128');
  assert.equal(msg('CreateOptions', { fieldManager: 'a\u0007' }), 'CreateOptions.meta.k8s.io "" is invalid: fieldManager: Invalid value: "a\\u0007": invalid character U+0007 (at position 1)');
  assert.equal(msg('CreateOptions', { fieldManager: 'kubectl-create' }), undefined);
  assert.equal(managerFromUserAgent('kubectl/v1.33.0 (linux/amd64) kubernetes/abc'), 'kubectl');
  assert.equal(managerFromUserAgent('kube\u0001-controller-manager/v1'), 'kube-controller-manager');
  assert.equal(managerFromUserAgent('y'.repeat(300)), 'y'.repeat(128));
  assert.equal(managerFromUserAgent(undefined), '');
});

test('Update entries are capped at 10: the oldest merge into "ancient-changes"', () => {
  let obj = recordUpdate(undefined, deployment(0), W('m00', '2026-01-01T00:00:00Z'), lt);
  for (let i = 1; i < 13; i++) {
    const next = { ...obj, metadata: { ...obj.metadata, annotations: { ...obj.metadata?.annotations, [`k${i}`]: 'v' } } } as KubeObject;
    obj = recordUpdate(obj, next, W(`m${String(i).padStart(2, '0')}`, `2026-01-01T00:00:${String(i).padStart(2, '0')}Z`), lt);
  }
  const names = managers(obj).map(([m]) => m);
  assert.equal(names.length, 10);
  assert.ok(names.includes('ancient-changes'));
  assert.ok(!names.includes('m00') && names.includes('m12'));
});

test('a first apply to an object without managers conflicts with "before-first-apply"', () => {
  const legacy = { ...deployment(2), metadata: { name: 'web' } } as KubeObject;
  const r = applyConfig(legacy, deployment(3), W('a'), { force: false, kind: 'Deployment' }, lt);
  assert.ok(r instanceof StatusError);
  assert.equal(r.message, 'Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas');
});

test('an apply by "kubectl" takes fields from a client-side apply whose last-applied configuration still matches, and rewrites the annotation', () => {
  const LA = 'kubectl.kubernetes.io/last-applied-configuration';
  const csa = (replicas: number): KubeObject => {
    const d = deployment(replicas);
    return { ...d, metadata: { ...d.metadata, annotations: { [LA]: JSON.stringify(deployment(2)) } } } as KubeObject;
  };
  const live = recordUpdate(undefined, csa(2), W('kubectl-client-side-apply'), lt);
  const taken = applied(applyConfig(live, deployment(3), W('kubectl'), { force: false, kind: 'Deployment' }, lt));
  assert.equal((taken as { spec: { replicas: number } }).spec.replicas, 3);
  assert.equal(taken.metadata?.annotations?.[LA], JSON.stringify(deployment(3)));
  // Another manager name gets the conflict.
  assert.ok(applyConfig(live, deployment(3), W('other'), { force: false, kind: 'Deployment' }, lt) instanceof StatusError);
  // Live drifted from the annotation for this field (someone scaled): that field conflicts.
  const drifted = recordUpdate(live, { ...csa(5), metadata: live.metadata } as KubeObject, W('kubectl-client-side-apply', '2026-01-02T00:00:00Z'), lt);
  assert.ok(applyConfig(drifted, deployment(3), W('kubectl'), { force: false, kind: 'Deployment' }, lt) instanceof StatusError);
});

test('hostile input: __proto__ keys stay own data, deep nesting is owned as a leaf or refused with 400, never a crash', async () => {
  const { applyToObject, stampManagedFields } = await import('./index.ts');
  const t = { kind: 'ConfigMap', group: '', apiVersion: 'v1', now: 0 };
  const config = JSON.parse('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","labels":{"__proto__":{"polluted":"yes"}}},"data":{"__proto__":"x"}}') as unknown;
  const live = applyToObject(undefined, config, { fieldManager: 'm' }, t);
  const again = applyToObject(live, config, { fieldManager: 'n' }, t);
  assert.equal(Object.keys(Object.prototype).length, 0);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.ok(Object.prototype.hasOwnProperty.call(again.metadata?.labels, '__proto__'));
  for (const depth of [3000, 20000]) {
    let v: unknown = 'x';
    for (let i = 0; i < depth; i++) v = { a: v };
    const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'deep' }, data: v } as KubeObject;
    for (const run of [() => stampManagedFields(undefined, obj, { fieldManager: 'm' }, t), () => applyToObject(undefined, obj, { fieldManager: 'm' }, t)]) {
      try {
        run();
      } catch (e) {
        assert.ok(e instanceof StatusError && e.code === 400, String(e));
      }
    }
  }
});

test('the manager: fieldManager, else the user agent program, else (the server\'s own writes) skiff-apiserver', async () => {
  const { stampManagedFields } = await import('./index.ts');
  const t = { kind: 'ConfigMap', group: '', apiVersion: 'v1', now: 0 };
  const cases: Array<[Parameters<typeof stampManagedFields>[2], string]> = [
    [{ fieldManager: 'fm', userAgent: 'ua/1' }, 'fm'],
    [{ userAgent: 'kubectl-edit/v1.33 (linux)' }, 'kubectl-edit'],
    [{ userAgent: '' }, ''],
    [{}, 'skiff-apiserver'],
  ];
  for (const [o, want] of cases) {
    const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' } } as KubeObject;
    stampManagedFields(undefined, obj, o, t);
    assert.equal(obj.metadata?.managedFields?.[0]?.manager, want, JSON.stringify(o));
  }
});

test('list types come from the served schema (x-kubernetes-list-type / map keys, else the patch merge key)', () => {
  const pod = kindListTypes('', 'v1', 'Pod');
  const cases: Array<[readonly string[], unknown]> = [
    [['spec', 'containers'], { type: 'map', keys: ['name'] }],
    [['spec', 'containers', 'ports'], { type: 'map', keys: ['containerPort', 'protocol'], defaults: { protocol: 'TCP' } }],
    [['spec', 'containers', 'env'], { type: 'map', keys: ['name'] }],
    [['spec', 'containers', 'args'], { type: 'atomic' }],
    [['metadata', 'finalizers'], { type: 'set' }],
    [['spec', 'nosuchfield'], { type: 'atomic' }],
  ];
  for (const [path, want] of cases) assert.deepEqual(pod(path), want, path.join('.'));
  assert.deepEqual(lt(['spec', 'template', 'spec', 'containers']), { type: 'map', keys: ['name'] });
  assert.deepEqual(listTypeOf(undefined), { type: 'atomic' });
  assert.deepEqual(kindListTypes('example.com', 'v1', 'Unknown')(['spec', 'items']), { type: 'atomic' });
});
