import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1';
import type { ReplicaSet } from 'kubernetes-types/apps/v1';
import { planReplicas, rankPodsForDeletion, POD_DELETION_COST } from './plan.ts';

interface PodSpec_ {
  name: string;
  node?: string;
  phase?: string;
  ready?: boolean;
  readySince?: string;
  restarts?: number;
  created?: string;
  cost?: number;
}

function pod(s: PodSpec_): Pod {
  return {
    metadata: {
      name: s.name,
      namespace: 'default',
      creationTimestamp: s.created,
      annotations: s.cost === undefined ? undefined : { [POD_DELETION_COST]: String(s.cost) },
    },
    spec: { containers: [{ name: 'c' }], nodeName: s.node },
    status: {
      phase: s.phase ?? 'Running',
      conditions: s.ready ? [{ type: 'Ready', status: 'True', lastTransitionTime: s.readySince ?? '2024-01-01T00:00:00Z' }] : [{ type: 'Ready', status: 'False' }],
      containerStatuses: [{ name: 'c', image: 'x', imageID: '', ready: Boolean(s.ready), restartCount: s.restarts ?? 0 }],
    },
  };
}

const rs = (replicas: number | undefined): ReplicaSet => ({ metadata: { name: 'web', namespace: 'default' }, spec: { replicas, selector: { matchLabels: { a: 'b' } } } });

test('planReplicas: create shortfall, delete surplus, no-op when equal', () => {
  const three = ['a', 'b', 'c'].map((n) => pod({ name: n, node: 'n1', ready: true }));
  const cases: Array<{ name: string; replicas: number | undefined; pods: Pod[]; create: number; del: number }> = [
    { name: 'scale from zero', replicas: 3, pods: [], create: 3, del: 0 },
    { name: 'default replicas is 1', replicas: undefined, pods: [], create: 1, del: 0 },
    { name: 'equal', replicas: 3, pods: three, create: 0, del: 0 },
    { name: 'surplus', replicas: 1, pods: three, create: 0, del: 2 },
    { name: 'scale to zero', replicas: 0, pods: three, create: 0, del: 3 },
    { name: 'partial', replicas: 5, pods: three, create: 2, del: 0 },
  ];
  for (const c of cases) {
    const plan = planReplicas(rs(c.replicas), c.pods);
    assert.equal(plan.create, c.create, c.name);
    assert.equal(plan.delete.length, c.del, c.name);
  }
});

test('planReplicas: burst cap of 500 on creates and deletes', () => {
  assert.equal(planReplicas(rs(2000), []).create, 500);
  const many = Array.from({ length: 700 }, (_v, i) => pod({ name: `p${i}` }));
  assert.equal(planReplicas(rs(0), many).delete.length, 500);
  assert.equal(planReplicas(rs(10), [], 4).create, 4);
});

test('rankPodsForDeletion: Kubernetes ActivePods ordering, one rule at a time', () => {
  const cases: Array<{ rule: string; first: PodSpec_; second: PodSpec_ }> = [
    { rule: 'unassigned before assigned', first: { name: 'x', phase: 'Pending' }, second: { name: 'y', node: 'n1', phase: 'Pending' } },
    { rule: 'Pending before Running', first: { name: 'x', node: 'n1', phase: 'Pending' }, second: { name: 'y', node: 'n2', phase: 'Running' } },
    { rule: 'Pending before Unknown', first: { name: 'x', node: 'n1', phase: 'Pending' }, second: { name: 'y', node: 'n2', phase: 'Unknown' } },
    { rule: 'Unknown before Running', first: { name: 'x', node: 'n1', phase: 'Unknown' }, second: { name: 'y', node: 'n2', phase: 'Running' } },
    { rule: 'not ready before ready', first: { name: 'x', node: 'n1' }, second: { name: 'y', node: 'n2', ready: true } },
    { rule: 'lower deletion cost first', first: { name: 'x', node: 'n1', ready: true, cost: -5 }, second: { name: 'y', node: 'n2', ready: true } },
    { rule: 'ready for less time first', first: { name: 'x', node: 'n1', ready: true, readySince: '2024-01-02T00:00:00Z' }, second: { name: 'y', node: 'n2', ready: true, readySince: '2024-01-01T00:00:00Z' } },
    { rule: 'more restarts first', first: { name: 'x', node: 'n1', restarts: 4 }, second: { name: 'y', node: 'n2', restarts: 1 } },
    { rule: 'newer first', first: { name: 'x', node: 'n1', created: '2024-01-02T00:00:00Z' }, second: { name: 'y', node: 'n2', created: '2024-01-01T00:00:00Z' } },
    { rule: 'no creation time first', first: { name: 'x', node: 'n1' }, second: { name: 'y', node: 'n2', created: '2024-01-01T00:00:00Z' } },
  ];
  for (const c of cases) {
    const a = pod(c.first);
    const b = pod(c.second);
    assert.deepEqual(rankPodsForDeletion([b, a]).map((p) => p.metadata?.name), ['x', 'y'], c.rule);
    assert.deepEqual(rankPodsForDeletion([a, b]).map((p) => p.metadata?.name), ['x', 'y'], c.rule + ' (input order reversed)');
  }
});

test('rankPodsForDeletion: pods doubled up on a node go before a lone pod', () => {
  const pods = [pod({ name: 'lone', node: 'n1', ready: true }), pod({ name: 'd1', node: 'n2', ready: true }), pod({ name: 'd2', node: 'n2', ready: true })];
  const order = rankPodsForDeletion(pods).map((p) => p.metadata?.name);
  assert.equal(order[2], 'lone');
});

test('planReplicas deletes the least valuable pods', () => {
  const pods = [
    pod({ name: 'good', node: 'n1', ready: true, created: '2024-01-01T00:00:00Z' }),
    pod({ name: 'pending', phase: 'Pending' }),
    pod({ name: 'notready', node: 'n2' }),
  ];
  const plan = planReplicas(rs(1), pods);
  assert.deepEqual(plan.delete.map((p) => p.metadata?.name), ['pending', 'notready']);
});
