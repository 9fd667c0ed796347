import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1';
import { buildNodeInfos } from './framework/nodeinfo.ts';
import { decide, formatFailureMessage, numFeasibleNodesToFind, selectHost } from './decide.ts';
import { skip, success } from './framework/types.ts';
import { defaultRegistry } from './plugins/registry.ts';
import { makeNode, makePod } from './testing.ts';

function hostPortPod(name: string): Pod {
  const p = makePod(name);
  p.spec!.containers[0].ports = [{ containerPort: 80, hostPort: 8080 }];
  return p;
}

test('formatFailureMessage matches kube-scheduler wording and ordering', () => {
  const cases: [number, [string, number][], string][] = [
    [1, [['Insufficient cpu', 1]], '0/1 nodes are available: 1 Insufficient cpu.'],
    [3, [['node(s) had untolerated taint {gpu: true}', 1], ['Insufficient cpu', 2]], '0/3 nodes are available: 1 node(s) had untolerated taint {gpu: true}, 2 Insufficient cpu.'],
    [2, [['Insufficient memory', 1], ['Insufficient cpu', 1]], '0/2 nodes are available: 1 Insufficient cpu, 1 Insufficient memory.'],
    [0, [], 'no nodes available to schedule pods'],
  ];
  for (const [n, r, want] of cases) assert.equal(formatFailureMessage(n, new Map(r)), want);
});

test('decide picks a feasible node or explains why none fits', () => {
  const cases: { name: string; pod: Pod; nodes: Node[]; bound?: Pod[]; want: string }[] = [
    { name: 'single node fits', pod: makePod('p', { cpu: '1' }), nodes: [makeNode('n1')], want: 'fit n1' },
    { name: 'least allocated wins', pod: makePod('p', { cpu: '1' }), nodes: [makeNode('busy'), makeNode('idle')], bound: [makePod('x', { cpu: '3', nodeName: 'busy' })], want: 'fit idle' },
    { name: 'bigger node wins', pod: makePod('p', { cpu: '1', memory: '1Gi' }), nodes: [makeNode('small', { cpu: '2', memory: '2Gi' }), makeNode('big', { cpu: '8', memory: '16Gi' })], want: 'fit big' },
    { name: 'filters skip unfit nodes', pod: makePod('p', { nodeSelector: { disk: 'ssd' } }), nodes: [makeNode('a'), makeNode('b', { labels: { disk: 'ssd' } })], want: 'fit b' },
    { name: 'insufficient cpu', pod: makePod('p', { cpu: '5' }), nodes: [makeNode('n1')], want: 'fail 0/1 nodes are available: 1 Insufficient cpu.' },
    {
      name: 'mixed reasons',
      pod: makePod('p', { cpu: '3' }),
      nodes: [makeNode('a', { unschedulable: true }), makeNode('b', { ready: 'False' }), makeNode('c', { cpu: '2' }), makeNode('d', { cpu: '1', memory: '1Gi' }), makeNode('e', { taints: [{ key: 'k', value: 'v', effect: 'NoExecute' }] })],
      want: "fail 0/5 nodes are available: 1 node(s) had untolerated taint {k: v}, 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }, 1 node(s) were unschedulable, 2 Insufficient cpu.",
    },
    { name: 'assumed/bound pods count', pod: makePod('p', { cpu: '2' }), nodes: [makeNode('n1', { cpu: '3' })], bound: [makePod('x', { cpu: '2', nodeName: 'n1' })], want: 'fail 0/1 nodes are available: 1 Insufficient cpu.' },
    { name: 'no nodes', pod: makePod('p'), nodes: [], want: 'fail no nodes available to schedule pods' },
    { name: 'host port taken on one node', pod: hostPortPod('p'), nodes: [makeNode('a'), makeNode('b')], bound: [{ ...hostPortPod('x'), spec: { ...hostPortPod('x').spec!, nodeName: 'a' } }], want: 'fit b' },
  ];
  for (const c of cases) {
    const d = decide(c.pod, buildNodeInfos(c.nodes, c.bound ?? []), defaultRegistry(), () => 0.5);
    assert.equal(d.kind === 'fit' ? `fit ${d.node}` : `fail ${d.message}`, c.want, c.name);
  }
});

test('ties are broken randomly among the best nodes only', () => {
  const scores = [{ name: 'a', score: 50 }, { name: 'b', score: 90 }, { name: 'c', score: 90 }, { name: 'd', score: 10 }];
  assert.equal(selectHost(scores, () => 0.99), 'b', 'rand high keeps the first best');
  assert.equal(selectHost(scores, () => 0), 'c', 'rand 0 replaces with the later tie');
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) seen.add(selectHost(scores, Math.random));
  assert.deepEqual([...seen].sort(), ['b', 'c']);
});

test('numFeasibleNodesToFind follows kube: all nodes under 100, adaptive 50 - n/125 (min 5 %), never under 100', () => {
  const cases: [number, number, number][] = [
    // [percentage, nodes, want]
    [0, 0, 0],
    [0, 50, 50],
    [0, 99, 99],
    [0, 100, 100],
    [0, 200, 100], // 48 % of 200 = 96 → at least 100
    [0, 1000, 420], // 50 - 8 = 42 %
    [0, 5000, 500], // 50 - 40 = 10 %
    [0, 6000, 300], // 50 - 48 = 2 % → 5 %
    [30, 1000, 300],
    [1, 1000, 100],
    [100, 1000, 1000],
    [150, 1000, 1000],
  ];
  for (const [pct, n, want] of cases) assert.equal(numFeasibleNodesToFind(pct, n), want, `${pct}% of ${n}`);
});

test('decide filters from the start index, wraps, and stops once enough nodes fit', () => {
  const nodes = Array.from({ length: 200 }, (_, i) => makeNode(`n${i}`));
  const infos = buildNodeInfos(nodes, []);
  const cases: { name: string; start: number; pct?: number; processed: number; first: string; last: string }[] = [
    { name: 'adaptive on 200 nodes checks 100', start: 0, processed: 100, first: 'n0', last: 'n99' },
    { name: 'wraps around the end', start: 150, processed: 100, first: 'n150', last: 'n49' },
    { name: 'a start past the end is taken modulo', start: 350, processed: 100, first: 'n150', last: 'n49' },
    { name: '100 % checks every node', start: 10, pct: 100, processed: 200, first: 'n10', last: 'n9' },
  ];
  for (const c of cases) {
    const d = decide(makePod('p'), infos, defaultRegistry(), () => 0.5, { startIndex: c.start, percentageOfNodesToScore: c.pct });
    assert.equal(d.kind, 'fit', c.name);
    if (d.kind !== 'fit') continue;
    assert.equal(d.processed, c.processed, c.name);
    assert.deepEqual([d.scores[0].name, d.scores[d.scores.length - 1].name], [c.first, c.last], c.name);
  }
});

test('unfit nodes do not count towards the feasible target; all nodes are checked before giving up', () => {
  const nodes = Array.from({ length: 300 }, (_, i) => makeNode(`n${i}`, { cpu: i % 2 === 0 ? '1' : '8' }));
  const d = decide(makePod('p', { cpu: '2' }), buildNodeInfos(nodes, []), defaultRegistry(), () => 0.5);
  assert.equal(d.kind, 'fit');
  assert.equal(d.processed, 288, '48 % of 300 = 144 feasible nodes, every other one fits');
  const none = decide(makePod('p', { cpu: '16' }), buildNodeInfos(nodes, []), defaultRegistry(), () => 0.5);
  assert.equal(none.kind === 'unschedulable' ? none.message : '', '0/300 nodes are available: 300 Insufficient cpu.');
  assert.equal(none.processed, 300);
});

test('a preFilter Skip leaves the filter out for that pod only', () => {
  let calls = 0;
  const counting = { name: 'Counting', preFilter: (_s: unknown, pod: Pod) => (pod.spec?.nodeSelector ? undefined : skip), filter: () => { calls++; return success; } };
  const registry = { filters: [counting], scorers: [] };
  const infos = buildNodeInfos([makeNode('a'), makeNode('b')], []);
  decide(makePod('plain'), infos, registry, () => 0.5);
  assert.equal(calls, 0);
  decide(makePod('picky', { nodeSelector: { x: 'y' } }), infos, registry, () => 0.5);
  assert.equal(calls, 2);
});
