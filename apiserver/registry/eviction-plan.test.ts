import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1';
import type { LabelSelector } from 'kubernetes-types/meta/v1';
import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from 'kubernetes-types/policy/v1';
import { rfc3339 } from '../api/time.ts';
import { decrementBudget, EVICTION_REFUSED, MAX_DISRUPTED_PODS, planEviction, preconditionError, withDisruptionTarget } from './eviction-plan.ts';

const NOW = Date.parse('2026-01-01T00:00:00Z');

function pod(opts: { phase?: string; ready?: boolean; deleting?: boolean; labels?: Record<string, string> } = {}): Pod {
  return {
    metadata: { name: 'p', namespace: 'ns', resourceVersion: '42', labels: opts.labels ?? { app: 'web' }, ...(opts.deleting ? { deletionTimestamp: rfc3339(NOW) } : {}) },
    status: { phase: opts.phase ?? 'Running', conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
  };
}

function budget(name: string, status: Partial<PodDisruptionBudgetStatus> = {}, extra: { selector?: LabelSelector; policy?: string; generation?: number; namespace?: string } = {}): PodDisruptionBudget {
  return {
    metadata: { name, namespace: extra.namespace ?? 'ns', generation: extra.generation ?? 1 },
    spec: { minAvailable: 2, selector: 'selector' in extra ? extra.selector : { matchLabels: { app: 'web' } }, ...(extra.policy ? { unhealthyPodEvictionPolicy: extra.policy } : {}) },
    status: { currentHealthy: 3, desiredHealthy: 2, disruptionsAllowed: 1, expectedPods: 3, observedGeneration: 1, ...status },
  };
}

test('planEviction: who is deleted directly, who takes a disruption, who is refused', () => {
  const cases: Array<{ name: string; pod: Pod; pdbs: PodDisruptionBudget[]; want: string }> = [
    { name: 'no budget', pod: pod(), pdbs: [], want: 'delete' },
    { name: 'budget of another namespace', pod: pod(), pdbs: [budget('b', {}, { namespace: 'other' })], want: 'delete' },
    { name: 'budget not matching the labels', pod: pod({ labels: { app: 'db' } }), pdbs: [budget('b')], want: 'delete' },
    { name: 'an empty selector covers nothing for eviction', pod: pod(), pdbs: [budget('b', {}, { selector: {} })], want: 'delete' },
    { name: 'a missing selector covers nothing', pod: pod(), pdbs: [budget('b', {}, { selector: undefined })], want: 'delete' },
    { name: 'Succeeded pod ignores the budget', pod: pod({ phase: 'Succeeded' }), pdbs: [budget('b', { disruptionsAllowed: 0 })], want: 'delete' },
    { name: 'Failed pod ignores the budget', pod: pod({ phase: 'Failed' }), pdbs: [budget('b', { disruptionsAllowed: 0 })], want: 'delete' },
    { name: 'Pending pod ignores the budget', pod: pod({ phase: 'Pending' }), pdbs: [budget('b', { disruptionsAllowed: 0 })], want: 'delete' },
    { name: 'terminating pod ignores the budget', pod: pod({ deleting: true }), pdbs: [budget('b', { disruptionsAllowed: 0 })], want: 'delete' },
    { name: 'Ready pod with one budget', pod: pod(), pdbs: [budget('b')], want: 'decrement' },
    { name: 'unready pod, healthy budget: delete guarded by its resourceVersion', pod: pod({ ready: false }), pdbs: [budget('b', { disruptionsAllowed: 0, currentHealthy: 2 })], want: 'delete@42' },
    { name: 'unready pod, unhealthy budget (IfHealthyBudget): must take a disruption', pod: pod({ ready: false }), pdbs: [budget('b', { disruptionsAllowed: 0, currentHealthy: 1 })], want: 'decrement' },
    { name: 'unready pod, desiredHealthy 0: must take a disruption', pod: pod({ ready: false }), pdbs: [budget('b', { currentHealthy: 0, desiredHealthy: 0 })], want: 'decrement' },
    { name: 'unready pod, AlwaysAllow: delete guarded', pod: pod({ ready: false }), pdbs: [budget('b', { disruptionsAllowed: 0, currentHealthy: 0 }, { policy: 'AlwaysAllow' })], want: 'delete@42' },
    { name: 'two budgets', pod: pod(), pdbs: [budget('b'), budget('c')], want: 'refuse 500' },
  ];
  for (const c of cases) {
    const plan = planEviction(c.pod, c.pdbs);
    const got = plan.kind === 'delete' ? (plan.guardResourceVersion ? `delete@${plan.guardResourceVersion}` : 'delete') : plan.kind === 'refuse' ? `refuse ${plan.error.code}` : 'decrement';
    assert.equal(got, c.want, c.name);
  }
  const two = planEviction(pod(), [budget('b'), budget('c')]);
  assert.ok(two.kind === 'refuse');
  assert.equal(two.error.status.message, 'Internal error occurred: This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
});

test('decrementBudget: takes one disruption and records the pod, or refuses as kube', () => {
  const ok = decrementBudget(budget('b', { disruptionsAllowed: 2 }), 'p', NOW);
  assert.ok('pdb' in ok);
  assert.equal(ok.pdb.status?.disruptionsAllowed, 1);
  assert.deepEqual(ok.pdb.status?.disruptedPods, { p: rfc3339(NOW) });
  assert.equal(ok.pdb.status?.conditions, undefined, 'the condition is only touched when the last disruption goes');

  const last = decrementBudget(budget('b', { disruptionsAllowed: 1, conditions: [{ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '', lastTransitionTime: rfc3339(0) }] }), 'p', NOW);
  assert.ok('pdb' in last);
  assert.equal(last.pdb.status?.disruptionsAllowed, 0);
  assert.deepEqual(last.pdb.status?.conditions?.map((c) => [c.status, c.reason, c.lastTransitionTime]), [['False', 'InsufficientPods', rfc3339(NOW)]]);

  const refusals: Array<{ name: string; pdb: PodDisruptionBudget; code: number; cause?: string }> = [
    { name: 'no disruption allowed', pdb: budget('b', { disruptionsAllowed: 0, currentHealthy: 2 }), code: 429, cause: 'The disruption budget b needs 2 healthy pods and has 2 currently' },
    { name: 'status older than the spec', pdb: budget('b', {}, { generation: 2 }), code: 429, cause: 'The disruption budget b is still being processed by the server.' },
    { name: 'negative disruptionsAllowed', pdb: budget('b', { disruptionsAllowed: -1 }), code: 403 },
    { name: 'too many unconfirmed evictions', pdb: budget('b', { disruptedPods: Object.fromEntries(Array.from({ length: MAX_DISRUPTED_PODS + 1 }, (_, i) => [`x${i}`, rfc3339(NOW)])) }), code: 403 },
  ];
  for (const r of refusals) {
    const got = decrementBudget(r.pdb, 'p', NOW);
    assert.ok('error' in got, r.name);
    assert.equal(got.error.code, r.code, r.name);
    if (r.code === 429) {
      assert.equal(got.error.status.reason, 'TooManyRequests', r.name);
      assert.equal(got.error.status.message, EVICTION_REFUSED, r.name);
      assert.deepEqual(got.error.status.details?.causes, [{ reason: 'DisruptionBudget', message: r.cause }], r.name);
    }
  }
});

test('withDisruptionTarget adds or refreshes the condition; preconditionError checks uid and resourceVersion', () => {
  const added = withDisruptionTarget(pod(), NOW);
  assert.deepEqual(added.status?.conditions?.map((c) => [c.type, c.status, c.reason, c.lastTransitionTime]), [['Ready', 'True', undefined, undefined], ['DisruptionTarget', 'True', 'EvictionByEvictionAPI', rfc3339(NOW)]]);
  const again = withDisruptionTarget(added, NOW + 5000);
  assert.equal(again.status?.conditions?.[1]?.lastTransitionTime, rfc3339(NOW), 'same status: the transition time stays');
  const flipped = withDisruptionTarget({ ...pod(), status: { conditions: [{ type: 'DisruptionTarget', status: 'False', lastTransitionTime: rfc3339(0) }] } }, NOW);
  assert.deepEqual(flipped.status?.conditions, [{ type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting', lastTransitionTime: rfc3339(NOW) }]);
  const p = { ...pod(), metadata: { ...pod().metadata, uid: 'u1' } };
  assert.equal(preconditionError(p, undefined), undefined);
  assert.equal(preconditionError(p, { uid: 'u1', resourceVersion: '42' }), undefined);
  assert.equal(preconditionError(p, { uid: 'u2' })?.code, 409);
  assert.match(preconditionError(p, { resourceVersion: '41' })?.status.message ?? '', /Precondition failed: ResourceVersion in precondition: 41, ResourceVersion in object meta: 42/);
});
