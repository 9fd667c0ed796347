import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1';
import { CycleState } from '../../framework/types.ts';
import { makeNode, makePod, nodeInfoOf } from '../../testing.ts';
import { leastAllocated, leastRequestedScore } from './leastallocated.ts';

test('leastRequestedScore', () => {
  const cases: [number, number, number][] = [
    [0, 1000, 100],
    [250, 1000, 75],
    [333, 1000, 66],
    [1000, 1000, 0],
    [1200, 1000, 0],
    [10, 0, 0],
  ];
  for (const [req, alloc, want] of cases) assert.equal(leastRequestedScore(req, alloc), want, `${req}/${alloc}`);
});

test('LeastAllocated score averages cpu and memory and counts best-effort pods as 100m/200Mi', () => {
  const cases: { name: string; node: Node; pod: Pod; bound: Pod[]; want: number }[] = [
    // cpu (4000-1000)/4000 = 75, mem (8Gi-2Gi)/8Gi = 75
    { name: 'empty node', node: makeNode('n', { cpu: '4', memory: '8Gi' }), pod: makePod('p', { cpu: '1', memory: '2Gi' }), bound: [], want: 75 },
    // cpu (4000-3000)/4000 = 25, mem (8Gi-4Gi)/8Gi = 50 → 37
    { name: 'partly used', node: makeNode('n', { cpu: '4', memory: '8Gi' }), pod: makePod('p', { cpu: '1', memory: '2Gi' }), bound: [makePod('a', { cpu: '2', memory: '2Gi' })], want: 37 },
    // cpu (1000-100)/1000 = 90, mem (1000Mi-200Mi)/1000Mi = 80 → 85
    { name: 'best-effort pod', node: makeNode('n', { cpu: '1', memory: '1000Mi' }), pod: makePod('p'), bound: [], want: 85 },
  ];
  for (const c of cases) {
    const state = new CycleState();
    leastAllocated.preScore?.(state, c.pod);
    assert.equal(leastAllocated.score(state, c.pod, nodeInfoOf(c.node, c.bound)), c.want, c.name);
  }
});
