/**
 * Hostile keys (`__proto__`, `constructor`, `prototype`) in every patch
 * flavour and directive: process-wide prototypes stay untouched, the keys
 * become plain own keys (or the patch is a 4xx Status), and JSON patch
 * builds its own RFC 6902 answers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPatch, decodePatch, type PatchKind } from './index.ts';
import { jsonPatch } from './json-patch.ts';
import { clone, getOwn, jsonEqual, setOwn } from './json-value.ts';
import { StatusError } from '../errors.ts';

const protoNames = (): string[] => Object.getOwnPropertyNames(Object.prototype).sort();
const objectNames = (): string[] => Object.getOwnPropertyNames(Object).sort();
const arrayProtoNames = (): string[] => Object.getOwnPropertyNames(Array.prototype).sort();

const pod = () => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: 'p', labels: { a: '1' }, finalizers: ['f'] },
  spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80 }] }] },
});

/** Raw bodies, as they arrive on the wire, by patch kind. */
const hostile: Array<[PatchKind, string]> = [
  ['strategic', '{"__proto__":{"polluted":"yes"}}'],
  ['strategic', '{"metadata":{"labels":{"__proto__":{"polluted":"yes"}}}}'],
  ['strategic', '{"metadata":{"labels":{"__proto__":"x","constructor":"y"}}}'],
  ['strategic', '{"constructor":{"prototype":{"polluted":"yes"}}}'],
  ['strategic', '{"metadata":{"__proto__":{"$patch":"replace","polluted":"yes"}}}'],
  ['strategic', '{"metadata":{"__proto__":{"$patch":"delete"}}}'],
  ['strategic', '{"metadata":{"$retainKeys":["name","__proto__"],"__proto__":{"polluted":"yes"}}}'],
  ['strategic', '{"metadata":{"$deleteFromPrimitiveList/__proto__":["x"],"$setElementOrder/__proto__":["x"]}}'],
  ['strategic', '{"metadata":{"$deleteFromPrimitiveList/constructor":["x"],"$setElementOrder/toString":["x"]}}'],
  ['strategic', '{"spec":{"containers":[{"name":"c","__proto__":{"polluted":"yes"}}]}}'],
  ['strategic', '{"spec":{"containers":[{"name":"__proto__","image":"x"}],"$setElementOrder/containers":[{"name":"__proto__"}]}}'],
  ['strategic', '{"metadata":{"finalizers":[{"__proto__":{"polluted":"yes"}}]}}'],
  ['apply', '__proto__:\n  polluted: yes\nmetadata:\n  labels:\n    __proto__: {polluted: yes}\n'],
  ['apply', '{"metadata":{"labels":{"constructor":{"prototype":{"polluted":"yes"}}}}}'],
  ['merge', '{"__proto__":{"polluted":"yes"}}'],
  ['merge', '{"metadata":{"labels":{"__proto__":{"polluted":"yes"}}}}'],
  ['merge', '{"constructor":{"prototype":{"polluted":"yes"}}}'],
  ['merge', '{"metadata":{"labels":{"toString":null,"hasOwnProperty":"x"}}}'],
  ['json', '[{"op":"add","path":"/__proto__/polluted","value":"yes"}]'],
  ['json', '[{"op":"add","path":"/__proto__","value":{"polluted":"yes"}}]'],
  ['json', '[{"op":"add","path":"/constructor/prototype/polluted","value":"yes"}]'],
  ['json', '[{"op":"add","path":"/constructor/polluted","value":"yes"}]'],
  ['json', '[{"op":"copy","from":"/constructor","path":"/metadata/labels"}]'],
  ['json', '[{"op":"copy","from":"/metadata/__proto__","path":"/spec/containers/0"}]'],
  ['json', '[{"op":"replace","path":"/spec/containers/length","value":0}]'],
  ['json', '[{"op":"add","path":"/spec/containers/constructor/polluted","value":1}]'],
  ['json', '[{"op":"move","from":"/hasOwnProperty","path":"/x"}]'],
  ['json', '[{"op":"test","path":"/toString","value":null},{"op":"add","path":"/metadata/labels/__proto__","value":{"polluted":"yes"}}]'],
  ['json', '[{"op":"add","path":"/metadata/labels/__proto__","value":{"polluted":"yes"}}]'],
];

test('no hostile patch key reaches a prototype: each becomes a plain own key or a 4xx Status', () => {
  const before = [protoNames(), objectNames(), arrayProtoNames()];
  for (const [kind, raw] of hostile) {
    const orig = pod();
    let out: unknown;
    try {
      out = applyPatch(kind, orig, decodePatch(kind, raw));
    } catch (e) {
      assert.ok(e instanceof StatusError, `${kind} ${raw}: ${String(e)}`);
      assert.ok(e.code >= 400 && e.code < 500, `${kind} ${raw}: ${e.code}`);
    }
    assert.deepEqual([protoNames(), objectNames(), arrayProtoNames()], before, `${kind} ${raw}`);
    assert.equal(({} as { polluted?: unknown }).polluted, undefined, `${kind} ${raw}`);
    assert.deepEqual(orig, pod(), `${kind} ${raw}: original untouched`);
    if (out !== undefined) {
      // Whatever came out is plain JSON: it survives a round trip unchanged and has ordinary prototypes.
      assert.ok(jsonEqual(JSON.parse(JSON.stringify(out)), out), `${kind} ${raw}: round trip`);
      assert.equal(Object.getPrototypeOf(out), Object.prototype, `${kind} ${raw}`);
      const labels = (out as { metadata?: { labels?: object } }).metadata?.labels;
      if (labels && typeof labels === 'object') assert.equal(Object.getPrototypeOf(labels), Object.prototype, `${kind} ${raw}: labels`);
    }
  }
});

test('__proto__ under metadata.labels is an ordinary own label key (as Go maps keep it)', () => {
  const cases: Array<[PatchKind, string]> = [
    ['strategic', '{"metadata":{"labels":{"__proto__":"x"}}}'],
    ['merge', '{"metadata":{"labels":{"__proto__":"x"}}}'],
    ['apply', 'metadata:\n  labels:\n    __proto__: x\n'],
    ['json', '[{"op":"add","path":"/metadata/labels/__proto__","value":"x"}]'],
  ];
  for (const [kind, raw] of cases) {
    const out = applyPatch(kind, pod(), decodePatch(kind, raw)) as { metadata: { labels: Record<string, unknown> } };
    assert.deepEqual(Object.keys(out.metadata.labels), ['a', '__proto__'], kind);
    assert.equal(getOwn(out.metadata.labels, '__proto__'), 'x', kind);
    assert.equal(JSON.stringify(out.metadata.labels), '{"a":"1","__proto__":"x"}', kind);
  }
});

test('a top-level __proto__ object is kept as data, not as the prototype of the result', () => {
  for (const kind of ['strategic', 'merge'] as const) {
    const out = applyPatch(kind, pod(), decodePatch(kind, '{"__proto__":{"polluted":"yes"}}')) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.deepEqual(getOwn(out, '__proto__'), { polluted: 'yes' });
    assert.equal(out.polluted, undefined);
  }
});

test('merge and strategic patches that are not objects are 400', () => {
  for (const kind of ['merge', 'strategic', 'apply'] as const) {
    for (const raw of ['null', '42', '"x"', '[1]', 'true']) {
      assert.throws(() => applyPatch(kind, pod(), decodePatch(kind, raw)), (e: unknown) => e instanceof StatusError && e.code === 400, `${kind} ${raw}`);
    }
  }
});

test('strategic directives of the wrong shape are 400 with the mergepatch messages', () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ metadata: { $patch: 5 } }, /unknown patch type: 5/],
    [{ metadata: { $patch: 'nonsense' } }, /unknown patch type: "nonsense"/],
    [{ metadata: { $retainKeys: 'name' } }, /invalid patch format of retainKeys/],
    [{ metadata: { $retainKeys: [1] } }, /invalid patch format of retainKeys/],
    [{ metadata: { '$deleteFromPrimitiveList/finalizers': 'f' } }, /invalid patch format of primitive list/],
    [{ spec: { '$setElementOrder/containers': { name: 'c' } } }, /invalid patch format of setElementOrder list/],
    [{ spec: { '$setElementOrder/containers': ['c'] } }, /invalid patch format of setElementOrder list/],
    [{ spec: { containers: [{ image: 'x' }] } }, /does not contain declared merge key: name/],
    [{ spec: { containers: [{ constructor: 'x' }] } }, /does not contain declared merge key: name/],
  ];
  for (const [patch, msg] of cases) {
    assert.throws(() => applyPatch('strategic', pod(), patch), (e: unknown) => e instanceof StatusError && e.code === 400 && msg.test(e.message), JSON.stringify(patch));
  }
});

test('strategic patches of surprising but well-formed shapes never throw a non-Status error', () => {
  const shapes: unknown[] = [
    { spec: { containers: { name: 'c' } } }, { spec: { containers: 'x' } }, { spec: 5 }, { metadata: 'x' },
    { metadata: { labels: 5 } }, { metadata: { labels: [1, 2] } }, { metadata: { finalizers: 'x' } },
    { spec: { containers: [1, 'a', null, [2]] } }, { metadata: { finalizers: [{ a: 1 }, ['x']] } },
    { spec: { containers: [{ name: 'c', ports: [{ containerPort: 80, $patch: 'delete' }] }] } },
  ];
  for (const patch of shapes) {
    try {
      applyPatch('strategic', pod(), patch);
    } catch (e) {
      assert.ok(e instanceof StatusError && e.code < 500, `${JSON.stringify(patch)}: ${String(e)}`);
    }
  }
});

test('JSON patch table: RFC 6902 semantics on own keys, Kubernetes messages', () => {
  type Case = { name: string; doc: unknown; ops: unknown; want?: unknown; code?: number; msg?: RegExp };
  const cases: Case[] = [
    { name: 'add to object', doc: { a: {} }, ops: [{ op: 'add', path: '/a/b', value: 1 }], want: { a: { b: 1 } } },
    { name: 'add appends with -', doc: { a: [1] }, ops: [{ op: 'add', path: '/a/-', value: 2 }], want: { a: [1, 2] } },
    { name: 'add inserts at index', doc: { a: [1, 3] }, ops: [{ op: 'add', path: '/a/1', value: 2 }], want: { a: [1, 2, 3] } },
    { name: 'add past the end', doc: { a: [1] }, ops: [{ op: 'add', path: '/a/5', value: 2 }], code: 422, msg: /invalid index/ },
    { name: 'remove', doc: { a: 1, b: 2 }, ops: [{ op: 'remove', path: '/a' }], want: { b: 2 } },
    { name: 'remove missing key', doc: { a: 1 }, ops: [{ op: 'remove', path: '/z' }], code: 422, msg: /Unable to remove nonexistent key: z/ },
    { name: 'remove inherited key', doc: { a: 1 }, ops: [{ op: 'remove', path: '/constructor' }], code: 422 },
    { name: 'replace', doc: { a: 1 }, ops: [{ op: 'replace', path: '/a', value: 2 }], want: { a: 2 } },
    { name: 'replace missing key', doc: { a: 1 }, ops: [{ op: 'replace', path: '/b', value: 2 }], code: 422, msg: /doc is missing key: \/b/ },
    { name: 'replace inherited key', doc: { a: 1 }, ops: [{ op: 'replace', path: '/toString', value: 2 }], code: 422 },
    { name: 'missing parent', doc: {}, ops: [{ op: 'add', path: '/a/b', value: 1 }], code: 422, msg: /add operation does not apply: doc is missing path: "\/a\/b"/ },
    { name: 'parent is a string', doc: { a: 'x' }, ops: [{ op: 'add', path: '/a/b', value: 1 }], code: 422 },
    { name: 'move', doc: { a: 1 }, ops: [{ op: 'move', from: '/a', path: '/b' }], want: { b: 1 } },
    { name: 'move into own child', doc: { a: { b: 1 } }, ops: [{ op: 'move', from: '/a', path: '/a/b/c' }], code: 422 },
    { name: 'copy is deep', doc: { a: { x: 1 } }, ops: [{ op: 'copy', from: '/a', path: '/b' }, { op: 'replace', path: '/b/x', value: 2 }], want: { a: { x: 1 }, b: { x: 2 } } },
    { name: 'copy from missing', doc: {}, ops: [{ op: 'copy', from: '/a', path: '/b' }], code: 422, msg: /missing from path/ },
    { name: 'test passes', doc: { a: [1] }, ops: [{ op: 'test', path: '/a', value: [1] }], want: { a: [1] } },
    { name: 'test fails', doc: { a: 1 }, ops: [{ op: 'test', path: '/a', value: 2 }], code: 422, msg: /testing value \/a failed/ },
    { name: 'escaped tokens', doc: { 'a/b': { '~': 1 } }, ops: [{ op: 'replace', path: '/a~1b/~0', value: 2 }], want: { 'a/b': { '~': 2 } } },
    { name: 'root is not addressable', doc: { a: 1 }, ops: [{ op: 'replace', path: '', value: {} }], code: 422 },
    { name: 'unknown op', doc: {}, ops: [{ op: 'frobnicate', path: '/a' }], code: 422, msg: /Unexpected kind: frobnicate/ },
    { name: 'path of the wrong type', doc: {}, ops: [{ op: 'add', path: 5, value: 1 }], code: 422 },
    { name: 'value missing', doc: {}, ops: [{ op: 'add', path: '/a' }], code: 422 },
    { name: 'leading-zero index', doc: { a: [1, 2] }, ops: [{ op: 'replace', path: '/a/01', value: 3 }], code: 422 },
    { name: 'not a list', doc: {}, ops: { op: 'add' }, code: 400 },
    { name: 'null', doc: {}, ops: null, code: 400 },
    { name: 'operation not an object', doc: {}, ops: [5], code: 400 },
    { name: 'too many operations', doc: { a: 1 }, ops: Array.from({ length: 10001 }, () => ({ op: 'test', path: '/a', value: 1 })), code: 413 },
  ];
  for (const c of cases) {
    const doc = clone(c.doc);
    if (c.code === undefined) {
      assert.deepEqual(jsonPatch(doc, c.ops), c.want, c.name);
    } else {
      assert.throws(() => jsonPatch(doc, c.ops), (e: unknown) => e instanceof StatusError && e.code === c.code && (c.msg === undefined || c.msg.test(e.message)), c.name);
    }
    assert.deepEqual(doc, c.doc, `${c.name}: input untouched`);
  }
});

test('json-value helpers treat __proto__ as data', () => {
  const o: Record<string, unknown> = {};
  setOwn(o, '__proto__', { polluted: 1 });
  assert.equal(Object.getPrototypeOf(o), Object.prototype);
  assert.deepEqual(clone(o), JSON.parse('{"__proto__":{"polluted":1}}'));
  assert.equal(getOwn({}, 'constructor'), undefined);
  assert.ok(!jsonEqual({}, JSON.parse('{"__proto__":{}}')));
  assert.ok(jsonEqual(JSON.parse('{"__proto__":{"a":1}}'), JSON.parse('{"__proto__":{"a":1}}')));
});

test('patches nested deeper than MAX_PATCH_DEPTH are 400, not a stack overflow (500)', async () => {
  const { MAX_PATCH_DEPTH } = await import('./index.ts');
  const { exceedsDepth } = await import('./json-value.ts');
  const nested = (d: number): string => '{"a":'.repeat(d) + '1' + '}'.repeat(d);
  assert.deepEqual([exceedsDepth(1, 0), exceedsDepth({}, 0), exceedsDepth({}, 1), exceedsDepth([[1]], 1), exceedsDepth([[1]], 2)], [false, true, false, true, false]);
  for (const kind of ['merge', 'strategic', 'json', 'apply'] as const) {
    for (const d of [2000, 10000, 100000]) {
      assert.throws(() => decodePatch(kind, nested(d)), (e: unknown) => e instanceof StatusError && e.code === 400, `${kind} ${d}`);
    }
  }
  const ok = decodePatch('merge', nested(MAX_PATCH_DEPTH));
  assert.doesNotThrow(() => applyPatch('merge', {}, ok));
  assert.doesNotThrow(() => applyPatch('strategic', {}, ok));
});

test('a strategic patch that is not an object gets the json.Unmarshal message', () => {
  const cases: Array<[string, string]> = [['42', 'number'], ['"x"', 'string'], ['[1]', 'array'], ['true', 'bool'], ['null', 'null']];
  for (const [raw, word] of cases) {
    assert.throws(() => applyPatch('strategic', pod(), decodePatch('strategic', raw)), (e: unknown) => e instanceof StatusError && e.code === 400 && e.message === `json: cannot unmarshal ${word} into Go value of type map[string]interface {}`, raw);
  }
});
