import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FieldSet, FieldSetBuilder, keyPE } from './fieldpath.ts';
import { encodeFieldsV1 } from './fieldsv1.ts';

test('a built set is not changed by later inserts, and duplicates collapse', () => {
  const b = new FieldSetBuilder();
  b.insert(['f:spec', 'f:replicas']);
  b.insert(['f:spec', 'f:replicas']);
  b.insert([]);
  const first = b.build();
  b.insert(['f:metadata', 'f:labels']);
  assert.deepEqual(first.paths(), [['f:spec', 'f:replicas']]);
  assert.equal(b.build().size, 2);
});

test('union keeps every member of both sides once', () => {
  const a = new FieldSet([['f:a'], ['f:b']]);
  const c = new FieldSet([['f:b'], ['f:c']]);
  assert.deepEqual(a.union(c).paths(), [['f:a'], ['f:b'], ['f:c']]);
});

test('FieldsV1 children come out sorted whatever order the members were added in', () => {
  const set = new FieldSet([['f:z'], ['f:spec', 'f:b'], ['f:spec'], ['f:spec', 'f:a'], ['f:a']]);
  const tree = encodeFieldsV1(set);
  assert.deepEqual(Object.keys(tree), ['f:a', 'f:spec', 'f:z']);
  assert.deepEqual(Object.keys(tree['f:spec']!), ['.', 'f:a', 'f:b']);
});

test('paths that join alike are still distinct members (empty and NUL-holding elements)', () => {
  const tricky = [['f:a\0f:b'], ['f:a', 'f:b'], ['', 'f:a'], ['f:a', ''], ['f:a'], ['\0["f:a"]'], ['f:a\0'], ['f:a', '\0']];
  const set = new FieldSet(tricky);
  assert.equal(set.size, tricky.length);
  for (const p of tricky) assert.ok(set.has(p), JSON.stringify(p));
  assert.ok(!set.has(['f:b']));
  assert.equal(set.difference(new FieldSet([['f:a', 'f:b']])).size, tricky.length - 1);
});

test('keyPE is the key fields sorted by name as JSON (SMD), index-like names in object order', () => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ name: 'c' }, 'k:{"name":"c"}'],
    [{ protocol: 'TCP', containerPort: 80 }, 'k:{"containerPort":80,"protocol":"TCP"}'],
    [{ b: null, a: true, c: { z: 1 } }, 'k:{"a":true,"b":null,"c":{"z":1}}'],
    [{ 'q"uote': 'x"y', skipped: undefined }, 'k:{"q\\"uote":"x\\"y"}'],
    [{ b: 1, '10': 2, '9': 3, __proto__x: 4 }, 'k:{"9":3,"10":2,"__proto__x":4,"b":1}'],
    [{}, 'k:{}'],
  ];
  for (const [key, want] of cases) assert.equal(keyPE(key), want);
});
