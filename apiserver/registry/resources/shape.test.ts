import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileShape, fitsShape, list, map, obj, shapeCauses, type Shape } from './shape.ts';
import { shapes } from './shapes.ts';
import { guardResource } from './guard.ts';
import { podsResource } from './pods.ts';
import { StatusError } from '../../api/errors.ts';

test('shapeCauses table: JSON types, int32/int64 ranges, paths', () => {
  const s = obj({ a: 'string', n: 'int32', big: 'int64', q: 'quantity', is: 'intstr', b: 'bool', l: list(obj({ x: 'string' })), m: map('string') });
  const cases: Array<[unknown, string[]]> = [
    [{}, []],
    [{ a: 'x', n: 2147483647, big: 2 ** 53 - 1, q: '1Gi', is: 'http', b: false, l: [{ x: 'y' }], m: { k: 'v' } }, []],
    [{ q: 5, is: 8080 }, []],
    [{ a: null, l: null }, []],
    [{ a: 5 }, ['a: Invalid value: "integer": a in body must be of type string: "integer"']],
    [{ n: 2 ** 31 }, ['n: Invalid value: 2147483648: must be between -2147483648 and 2147483647, inclusive']],
    [{ n: -(2 ** 31) - 1 }, ['n: Invalid value: -2147483649: must be between -2147483648 and 2147483647, inclusive']],
    [{ n: 1.5 }, ['n: Invalid value: "number": n in body must be of type integer: "number"']],
    [{ n: '5' }, ['n: Invalid value: "string": n in body must be of type integer: "string"']],
    [{ big: 2 ** 62 }, [`big: Invalid value: ${2 ** 62}: must be between ${Number.MIN_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}, inclusive`]],
    [{ q: true }, ['q: Invalid value: "boolean": q in body must be of type string: "boolean"']],
    [{ is: 1.5 }, ['is: Invalid value: "number": is in body must be of type integer: "number"']],
    [{ b: 'true' }, ['b: Invalid value: "string": b in body must be of type boolean: "string"']],
    [{ l: { x: 'y' } }, ['l: Invalid value: "object": l in body must be of type array: "object"']],
    [{ l: [5, { x: 1 }] }, ['l[0]: Invalid value: "integer": l[0] in body must be of type object: "integer"', 'l[1].x: Invalid value: "integer": l[1].x in body must be of type string: "integer"']],
    [{ m: { k: 1 } }, ['m[k]: Invalid value: "integer": m[k] in body must be of type string: "integer"']],
    [{ m: [] }, ['m: Invalid value: "array": m in body must be of type object: "array"']],
    ['x', [': Invalid value: "string":  in body must be of type object: "string"']],
  ];
  for (const [v, want] of cases) {
    assert.deepEqual(shapeCauses(v, s).map((c) => `${c.field}: ${c.message}`), want, JSON.stringify(v));
    assert.deepEqual(compileShape(s).causes(structuredClone(v)).map((c) => `${c.field}: ${c.message}`), want, `compiled: ${JSON.stringify(v)}`);
  }
});

test('a compiled shape gives checkShape\'s causes, fit and dropped nulls on every value of a small generated set', () => {
  const shape = obj({ a: 'string', n: 'int32', q: 'quantity', is: 'intstr', any: 'any', l: list(obj({ x: 'string', y: list('int64') })), m: map(obj({ z: 'bool' })), o: obj({ p: obj({ s: 'string' }) }) });
  const leaves: unknown[] = [null, 'x', 5, 1.5, 2 ** 40, true, [], {}, [null], { x: null }, { x: 5, y: [1, null, 'a'] }, { z: true }, { z: 1 }, { p: { s: 1 } }, { p: null }, { s: 'a' }];
  const keys = ['a', 'n', 'q', 'is', 'any', 'l', 'm', 'o', 'other', '__proto__'];
  let seed = 7;
  const rnd = (k: number): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % k; };
  const value = (depth: number): unknown => {
    const r = rnd(10);
    if (depth > 2 || r < 5) return leaves[rnd(leaves.length)];
    if (r < 7) return Array.from({ length: rnd(3) }, () => value(depth + 1));
    const o: Record<string, unknown> = {};
    for (let i = rnd(4); i > 0; i--) Object.defineProperty(o, keys[rnd(keys.length)]!, { value: value(depth + 1), enumerable: true, writable: true, configurable: true });
    return o;
  };
  const compiled = compileShape(shape);
  for (let i = 0; i < 3000; i++) {
    const v = value(0);
    const [a, b, c] = [structuredClone(v), structuredClone(v), structuredClone(v)];
    assert.deepEqual(compiled.causes(a), shapeCauses(b, shape), JSON.stringify(v));
    assert.deepEqual(a, b, `same nulls dropped: ${JSON.stringify(v)}`);
    assert.equal(compiled.fits(c), fitsShape(v, shape), JSON.stringify(v));
    assert.deepEqual(c, v, 'fits changes nothing');
  }
});

test('compileShape compiles a shared sub-shape once and checks every served kind as checkShape does', () => {
  for (const [resource, shape] of Object.entries(shapes) as Array<[string, Shape]>) {
    const bad = { spec: { containers: [{ name: 5 }], replicas: 'x', template: { spec: { containers: 'x' } } }, status: { phase: 1 } };
    assert.deepEqual(compileShape(shape).causes(structuredClone(bad)), shapeCauses(structuredClone(bad), shape), resource);
  }
});

test('null fields are dropped, as Go decodes JSON null', () => {
  const v: Record<string, unknown> = { a: null, b: 'x' };
  assert.deepEqual(shapeCauses(v, obj({ a: 'string', b: 'string' })), []);
  assert.deepEqual(v, { b: 'x' });
});

test('the guarded pod strategy answers the issue\'s wrongly typed bodies with 422 causes', () => {
  const def = guardResource(podsResource(), shapes.pods);
  const cases: Array<[unknown, string]> = [
    [{ containers: { name: 'c', image: 'i' } }, 'spec.containers'],
    [{ containers: [{ name: 'c', image: 'i', resources: { requests: { cpu: true } } }] }, 'spec.containers[0].resources.requests[cpu]'],
    [{ containers: [{ name: 'c', image: 5 }] }, 'spec.containers[0].image'],
    [{ containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 2 ** 31 }] }] }, 'spec.containers[0].ports[0].containerPort'],
    [{ containers: [{ name: 'c', image: 'i' }], terminationGracePeriodSeconds: 1.5 }, 'spec.terminationGracePeriodSeconds'],
    [{ containers: [{ name: 'c', image: 'i' }], tolerations: 'x' }, 'spec.tolerations'],
    ['x', 'spec'],
  ];
  for (const [spec, field] of cases) {
    const pod = { metadata: { name: 'p' }, spec } as never;
    assert.throws(() => def.strategy.prepareForCreate!(pod), (e: unknown) => e instanceof StatusError && e.code === 422 && e.status.details?.causes?.[0]?.field === field, JSON.stringify(spec));
    assert.equal(def.strategy.validate!(pod)[0]!.field, field);
    assert.deepEqual(def.table.cells(pod, 0), def.table.columns.map(() => '<unknown>'));
  }
});

test('activeDeadlineSeconds must be between 1 and MaxInt32 on create', () => {
  const def = guardResource(podsResource(), shapes.pods);
  for (const [v, ok] of [[1, true], [2147483647, true], [0, false], [2147483648, false]] as const) {
    const pod = { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }], activeDeadlineSeconds: v } } as never;
    def.strategy.prepareForCreate!(pod);
    const causes = def.strategy.validate!(pod).filter((c) => c.field === 'spec.activeDeadlineSeconds');
    assert.equal(causes.length === 0, ok, String(v));
  }
});

test('integer rules of deployments and leases (ValidateDeploymentSpec, ValidateLeaseSpec)', async () => {
  const { validateDeployment } = await import('./workloads.ts');
  const { validateLease } = await import('./leases.ts');
  const dep = (spec: Record<string, unknown>) => ({
    metadata: { name: 'd' },
    spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i', imagePullPolicy: 'Always' as const }] } }, ...spec },
  });
  const fields = (spec: Record<string, unknown>) => validateDeployment(dep(spec) as never).map((c) => `${c.field}: ${c.message}`);
  assert.deepEqual(fields({ progressDeadlineSeconds: 600, minReadySeconds: 10 }), []);
  assert.deepEqual(fields({ progressDeadlineSeconds: 10, minReadySeconds: 10 }), ['spec.progressDeadlineSeconds: Invalid value: 10: must be greater than minReadySeconds']);
  assert.deepEqual(fields({ replicas: -1 }), ['spec.replicas: Invalid value: -1: must be greater than or equal to 0']);
  const lease = (spec: Record<string, unknown>) => validateLease({ metadata: { name: 'l' }, spec } as never).map((c) => c.field);
  assert.deepEqual(lease({ leaseDurationSeconds: 40, leaseTransitions: 0 }), []);
  assert.deepEqual(lease({ leaseDurationSeconds: 0, leaseTransitions: -1 }), ['spec.leaseDurationSeconds', 'spec.leaseTransitions']);
});
