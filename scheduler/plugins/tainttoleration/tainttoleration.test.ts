import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Taint, Toleration } from 'kubernetes-types/core/v1';
import { CycleState } from '../../framework/types.ts';
import { makeNode, makePod, nodeInfoOf } from '../../testing.ts';
import { taintToleration, tolerates } from './tainttoleration.ts';

const gpu: Taint = { key: 'gpu', value: 'true', effect: 'NoSchedule' };

test('tolerates follows core/v1 matching rules', () => {
  const cases: [string, Toleration, Taint, boolean][] = [
    ['equal key/value/effect', { key: 'gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' }, gpu, true],
    ['default operator is Equal', { key: 'gpu', value: 'true' }, gpu, true],
    ['value mismatch', { key: 'gpu', value: 'false' }, gpu, false],
    ['Exists ignores value', { key: 'gpu', operator: 'Exists' }, gpu, true],
    ['empty key + Exists tolerates everything', { operator: 'Exists' }, gpu, true],
    ['effect mismatch', { key: 'gpu', operator: 'Exists', effect: 'NoExecute' }, gpu, false],
    ['key mismatch', { key: 'other', operator: 'Exists' }, gpu, false],
    ['empty value equals absent value', { key: 'k', operator: 'Equal', value: '' }, { key: 'k', effect: 'NoSchedule' }, true],
  ];
  for (const [name, t, taint, want] of cases) assert.equal(tolerates(t, taint), want, name);
});

test('TaintToleration filter', () => {
  const cases: { name: string; taints: Taint[]; tolerations?: Toleration[]; reasons: string[] }[] = [
    { name: 'no taints', taints: [], reasons: [] },
    { name: 'untolerated NoSchedule', taints: [gpu], reasons: ['node(s) had untolerated taint {gpu: true}'] },
    { name: 'untolerated NoExecute without value', taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }], reasons: ['node(s) had untolerated taint {node.kubernetes.io/not-ready: }'] },
    { name: 'PreferNoSchedule is ignored by the filter', taints: [{ key: 'x', effect: 'PreferNoSchedule' }], reasons: [] },
    { name: 'tolerated', taints: [gpu], tolerations: [{ key: 'gpu', operator: 'Exists' }], reasons: [] },
  ];
  for (const c of cases) {
    const st = taintToleration.filter(new CycleState(), makePod('p', { tolerations: c.tolerations }), nodeInfoOf(makeNode('n', { taints: c.taints })));
    assert.deepEqual(st.reasons, c.reasons, c.name);
    assert.equal(st.code, c.reasons.length === 0 ? 'Success' : 'UnschedulableAndUnresolvable', c.name);
  }
});
