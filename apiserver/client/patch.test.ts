import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergePatch, strategicMergePatch } from './patch.ts';

test('merge and strategic patches', () => {
  assert.deepEqual(mergePatch({ a: 1, b: { c: 2, d: 3 }, l: [1, 2] }, { b: { c: null, e: 4 }, l: [3] }), { a: 1, b: { d: 3, e: 4 }, l: [3] });
  const cur = { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] } };
  const patched = strategicMergePatch(cur, {
    $setElementOrder: { containers: [{ name: 'a' }, { name: 'b' }] },
    spec: { containers: [{ name: 'b', image: 'z' }, { name: 'a', $patch: 'delete' }] },
  });
  assert.deepEqual(patched, { spec: { containers: [{ name: 'b', image: 'z' }] } });
});

test('the fake client patches reach no prototype', async () => {
  const { applyJsonPatch } = await import('./patch.ts');
  const before = Object.getOwnPropertyNames(Object.prototype).sort();
  const objectBefore = Object.getOwnPropertyNames(Object).sort();
  const cur = { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'a' }] } };
  const patches = ['{"__proto__":{"polluted":1}}', '{"metadata":{"labels":{"__proto__":{"polluted":1}}}}', '{"spec":{"containers":[{"name":"a","__proto__":{"polluted":1}}]}}'];
  for (const p of patches) {
    mergePatch(cur, JSON.parse(p));
    strategicMergePatch(cur, JSON.parse(p));
  }
  for (const ops of ['[{"op":"add","path":"/constructor/polluted","value":1}]', '[{"op":"copy","from":"/constructor","path":"/x"}]']) {
    assert.throws(() => applyJsonPatch(cur, JSON.parse(ops)));
  }
  assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), before);
  assert.deepEqual(Object.getOwnPropertyNames(Object).sort(), objectBefore);
  assert.equal(({} as { polluted?: unknown }).polluted, undefined);
});
