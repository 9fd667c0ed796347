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
