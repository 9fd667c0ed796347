import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Toleration } from 'kubernetes-types/core/v1';
import { CycleState } from '../../framework/types.ts';
import { makeNode, makePod, nodeInfoOf } from '../../testing.ts';
import { nodeReady } from './nodeready.ts';

test('NodeReady filter', () => {
  const notReadyTol: Toleration = { key: 'node.kubernetes.io/not-ready', operator: 'Exists' };
  const cases: { name: string; ready: 'True' | 'False' | 'Unknown' | null; tolerations?: Toleration[]; reasons: string[] }[] = [
    { name: 'ready', ready: 'True', reasons: [] },
    { name: 'not ready', ready: 'False', reasons: ['node(s) had untolerated taint {node.kubernetes.io/not-ready: }'] },
    { name: 'unknown', ready: 'Unknown', reasons: ['node(s) had untolerated taint {node.kubernetes.io/unreachable: }'] },
    { name: 'no condition yet', ready: null, reasons: ['node(s) had untolerated taint {node.kubernetes.io/not-ready: }'] },
    { name: 'not ready, tolerated', ready: 'False', tolerations: [notReadyTol], reasons: [] },
    { name: 'unknown, tolerate-all', ready: 'Unknown', tolerations: [{ operator: 'Exists' }], reasons: [] },
  ];
  for (const c of cases) {
    const st = nodeReady.filter(new CycleState(), makePod('p', { tolerations: c.tolerations }), nodeInfoOf(makeNode('n', { ready: c.ready })));
    assert.deepEqual(st.reasons, c.reasons, c.name);
  }
});
