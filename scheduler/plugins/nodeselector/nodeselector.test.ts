import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeSelectorTerm } from 'kubernetes-types/core/v1';
import { CycleState } from '../../framework/types.ts';
import { makeNode, makePod, nodeInfoOf } from '../../testing.ts';
import { nodeSelector } from './nodeselector.ts';

const miss = ["node(s) didn't match Pod's node affinity/selector"];

test('NodeSelector filter', () => {
  const node = makeNode('n1', { labels: { disk: 'ssd', zone: 'a', cores: '8' } });
  const cases: { name: string; selector?: Record<string, string>; terms?: NodeSelectorTerm[]; reasons: string[] }[] = [
    { name: 'no constraints', reasons: [] },
    { name: 'selector matches', selector: { disk: 'ssd' }, reasons: [] },
    { name: 'selector value differs', selector: { disk: 'hdd' }, reasons: miss },
    { name: 'selector label absent', selector: { gpu: 'yes' }, reasons: miss },
    { name: 'affinity In', terms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }], reasons: [] },
    { name: 'affinity NotIn', terms: [{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }], reasons: miss },
    { name: 'affinity DoesNotExist', terms: [{ matchExpressions: [{ key: 'gpu', operator: 'DoesNotExist' }] }], reasons: [] },
    { name: 'affinity Gt', terms: [{ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['4'] }] }], reasons: [] },
    { name: 'affinity Lt fails', terms: [{ matchExpressions: [{ key: 'cores', operator: 'Lt', values: ['4'] }] }], reasons: miss },
    { name: 'terms are ORed', terms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z'] }] }, { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }], reasons: [] },
    { name: 'empty term matches nothing', terms: [{}], reasons: miss },
    { name: 'selector AND affinity', selector: { disk: 'ssd' }, terms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] }], reasons: miss },
  ];
  for (const c of cases) {
    const pod = makePod('p', { nodeSelector: c.selector });
    if (c.terms) pod.spec!.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: c.terms } } };
    assert.deepEqual(nodeSelector.filter(new CycleState(), pod, nodeInfoOf(node)).reasons, c.reasons, c.name);
  }
});
