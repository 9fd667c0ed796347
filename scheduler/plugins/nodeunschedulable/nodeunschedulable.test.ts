import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Toleration } from 'kubernetes-types/core/v1';
import { CycleState } from '../../framework/types.ts';
import { makeNode, makePod, nodeInfoOf } from '../../testing.ts';
import { nodeUnschedulable } from './nodeunschedulable.ts';

test('NodeUnschedulable filter', () => {
  const tol: Toleration = { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' };
  const cases: { name: string; cordoned: boolean; tolerations?: Toleration[]; reasons: string[] }[] = [
    { name: 'schedulable node', cordoned: false, reasons: [] },
    { name: 'cordoned node', cordoned: true, reasons: ['node(s) were unschedulable'] },
    { name: 'cordoned, but tolerated', cordoned: true, tolerations: [tol], reasons: [] },
  ];
  for (const c of cases) {
    const st = nodeUnschedulable.filter(new CycleState(), makePod('p', { tolerations: c.tolerations }), nodeInfoOf(makeNode('n', { unschedulable: c.cordoned })));
    assert.deepEqual(st.reasons, c.reasons, c.name);
  }
});
