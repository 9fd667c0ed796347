import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1';
import { buildNodeInfos } from './framework/nodeinfo.ts';
import { decide, formatFailureMessage, selectHost } from './decide.ts';
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
