import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1';
import { CycleState } from '../../framework/types.ts';
import { makeNode, makePod, nodeInfoOf } from '../../testing.ts';
import { nodeResourcesFit } from './noderesourcesfit.ts';

test('NodeResourcesFit filter', () => {
  const node = makeNode('n', { cpu: '2', memory: '4Gi', pods: '3' });
  const cases: { name: string; pod: Pod; bound: Pod[]; reasons: string[] }[] = [
    { name: 'fits an empty node', pod: makePod('p', { cpu: '1', memory: '1Gi' }), bound: [], reasons: [] },
    { name: 'exactly fills the node', pod: makePod('p', { cpu: '1500m', memory: '3Gi' }), bound: [makePod('a', { cpu: '500m', memory: '1Gi' })], reasons: [] },
    { name: 'cpu short by 1m', pod: makePod('p', { cpu: '1501m' }), bound: [makePod('a', { cpu: '500m' })], reasons: ['Insufficient cpu'] },
    { name: 'memory short', pod: makePod('p', { memory: '2Gi' }), bound: [makePod('a', { memory: '2049Mi' })], reasons: ['Insufficient memory'] },
    { name: 'both short', pod: makePod('p', { cpu: '3', memory: '5Gi' }), bound: [], reasons: ['Insufficient cpu', 'Insufficient memory'] },
    { name: 'requests summed over containers', pod: makePod('p', { cpu: '800m', containers: 3 }), bound: [], reasons: ['Insufficient cpu'] },
    { name: 'too many pods', pod: makePod('p'), bound: [makePod('a'), makePod('b'), makePod('c')], reasons: ['Too many pods'] },
    { name: 'best-effort pod ignores cpu/memory', pod: makePod('p'), bound: [makePod('a', { cpu: '2', memory: '4Gi' })], reasons: [] },
    { name: 'terminal pods free their resources', pod: makePod('p', { cpu: '2' }), bound: [makePod('a', { cpu: '2', phase: 'Succeeded' })], reasons: [] },
  ];
  for (const c of cases) {
    const state = new CycleState();
    nodeResourcesFit.preFilter?.(state, c.pod);
    const st = nodeResourcesFit.filter(state, c.pod, nodeInfoOf(node, c.bound));
    assert.deepEqual(st.reasons, c.reasons, c.name);
    assert.equal(st.code, c.reasons.length ? 'Unschedulable' : 'Success', c.name);
  }
});

test('limits stand in for missing requests, and the largest init container counts', () => {
  const node = makeNode('n', { cpu: '1' });
  const pod = makePod('p');
  pod.spec!.containers[0].resources = { limits: { cpu: '2' } };
  const state = new CycleState();
  assert.deepEqual(nodeResourcesFit.filter(state, pod, nodeInfoOf(node)).reasons, ['Insufficient cpu']);
  const init = makePod('q', { cpu: '100m' });
  init.spec!.initContainers = [{ name: 'init', image: 'x', resources: { requests: { cpu: '1500m' } } }];
  assert.deepEqual(nodeResourcesFit.filter(new CycleState(), init, nodeInfoOf(node)).reasons, ['Insufficient cpu']);
});
