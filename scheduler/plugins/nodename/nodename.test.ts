import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState } from '../../framework/types.ts';
import { makeNode, makePod, nodeInfoOf } from '../../testing.ts';
import { nodeName } from './nodename.ts';

test('NodeName filter', () => {
  const cases: { name: string; podNode?: string; reasons: string[] }[] = [
    { name: 'no nodeName', reasons: [] },
    { name: 'same node', podNode: 'n1', reasons: [] },
    { name: 'other node', podNode: 'n2', reasons: ["node(s) didn't match the requested node name"] },
  ];
  for (const c of cases) {
    const st = nodeName.filter(new CycleState(), makePod('p', { nodeName: c.podNode }), nodeInfoOf(makeNode('n1')));
    assert.deepEqual(st.reasons, c.reasons, c.name);
  }
});
