import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1';
import { planCleanup, planRecreate, planRollout, planScale, isScalingEvent, newRSReplicas } from './rollout.ts';
import { resolveFenceposts, validateRollingUpdate, DESIRED_REPLICAS, MAX_REPLICAS, REVISION } from './util.ts';

function deploy(replicas: number, surge?: number | string, unavailable?: number | string, type = 'RollingUpdate'): Deployment {
  return {
    metadata: { name: 'web', namespace: 'default', generation: 1 },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x' }] } },
      strategy: type === 'RollingUpdate' ? { type, rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } } : { type },
    },
  };
}

function rs(name: string, replicas: number, available: number, created: string, ann: Record<string, string> = {}): ReplicaSet {
  return {
    metadata: { name, namespace: 'default', creationTimestamp: created, annotations: ann, generation: 1 },
    spec: { replicas, selector: { matchLabels: { app: 'web' } } },
    status: { replicas, availableReplicas: available, observedGeneration: 1 },
  };
}

const T1 = '2024-01-01T00:00:00Z';
const T2 = '2024-01-02T00:00:00Z';
const T3 = '2024-01-03T00:00:00Z';

test('resolveFenceposts: surge rounds up, unavailable rounds down, defaults 25%, both 0 → 1', () => {
  const cases: Array<[string, number, number | string | undefined, number | string | undefined, number, number]> = [
    ['defaults on 10', 10, undefined, undefined, 3, 2],
    ['defaults on 4', 4, undefined, undefined, 1, 1],
    ['defaults on 1', 1, undefined, undefined, 1, 0],
    ['25% of 5', 5, '25%', '25%', 2, 1],
    ['ints', 5, 2, 3, 2, 3],
    ['0/0 resolves to unavailable 1', 5, 0, 0, 0, 1],
    ['0%/0%', 5, '0%', '0%', 0, 1],
    ['100% surge', 3, '100%', 0, 3, 0],
    ['numeric string', 3, '2', '1', 2, 1],
  ];
  for (const [name, replicas, s, u, ws, wu] of cases) {
    assert.deepEqual(resolveFenceposts(deploy(replicas, s, u)), { surge: ws, unavailable: wu }, name);
  }
  assert.deepEqual(validateRollingUpdate(deploy(3, 0, 0)), ['may not be 0 when `maxSurge` is 0']);
  assert.deepEqual(validateRollingUpdate(deploy(3, 1, 0)), []);
  assert.throws(() => resolveFenceposts(deploy(3, 'abc', 1)), /invalid value/);
});

test('newRSReplicas: scale up within maxSurge (NewRSNewReplicas)', () => {
  const cases: Array<[string, Deployment, ReplicaSet[], number, number]> = [
    ['fresh deployment', deploy(3, 1, 0), [], 0, 3],
    ['10 old, surge 3', deploy(10, 3, 2), [rs('old', 10, 10, T1)], 0, 3],
    ['at surge limit', deploy(10, 3, 2), [rs('old', 10, 10, T1)], 3, 3],
    ['room after old scaled down', deploy(10, 3, 2), [rs('old', 8, 8, T1)], 3, 5],
    ['never past desired', deploy(10, 3, 2), [rs('old', 0, 0, T1)], 8, 10],
    ['scale down an oversized new RS', deploy(2, 1, 0), [], 5, 2],
    ['recreate: desired at once', deploy(4, undefined, undefined, 'Recreate'), [rs('old', 4, 4, T1)], 0, 4],
  ];
  for (const [name, d, others, cur, want] of cases) assert.equal(newRSReplicas(d, others, cur), want, name);
});

test('planRollout: the rolling update sequence for 10 replicas, maxSurge 3, maxUnavailable 2', () => {
  const d = deploy(10, 3, 2);
  // new RS just created with 0: scale it up to 3 first.
  assert.deepEqual(planRollout(d, rs('new', 0, 0, T2), [rs('old', 10, 10, T1)]), { scaleNewTo: 3, scaleOld: [] });
  // new at 3, none available: old may go to 8 (13 - minAvailable 8 - 3 unavailable new = 2).
  const p = planRollout(d, rs('new', 3, 0, T2), [rs('old', 10, 10, T1)]);
  assert.equal(p.scaleNewTo, undefined);
  assert.deepEqual(p.scaleOld.map((s) => [s.rs.metadata?.name, s.to]), [['old', 8]]);
  // old at 8: new may grow to 5.
  assert.deepEqual(planRollout(d, rs('new', 3, 0, T2), [rs('old', 8, 8, T1)]), { scaleNewTo: 5, scaleOld: [] });
  // new 5 with 3 available: old can drop by 11 available - 8 = 3, but maxScaledDown = 13 - 8 - 2 = 3 → old 5.
  assert.deepEqual(planRollout(d, rs('new', 5, 3, T2), [rs('old', 8, 8, T1)]).scaleOld.map((s) => s.to), [5]);
  // everything new and available: old goes to 0.
  assert.deepEqual(planRollout(d, rs('new', 10, 10, T2), [rs('old', 2, 2, T1)]).scaleOld.map((s) => s.to), [0]);
  // done: nothing to do.
  assert.deepEqual(planRollout(d, rs('new', 10, 10, T2), [rs('old', 0, 0, T1)]), { scaleOld: [] });
});

test('planRollout: maxSurge 1, maxUnavailable 0 never drops below desired available', () => {
  const d = deploy(3, 1, 0);
  assert.deepEqual(planRollout(d, rs('new', 0, 0, T2), [rs('old', 3, 3, T1)]), { scaleNewTo: 1, scaleOld: [] });
  assert.deepEqual(planRollout(d, rs('new', 1, 0, T2), [rs('old', 3, 3, T1)]), { scaleOld: [] }, 'wait for the new pod');
  assert.deepEqual(planRollout(d, rs('new', 1, 1, T2), [rs('old', 3, 3, T1)]).scaleOld.map((s) => s.to), [2]);
});

test('planRollout: unhealthy old replicas are cleaned up first, oldest RS first', () => {
  // surge 0, unavailable 2: the 4 unavailable old pods may go, but only 2 at a time.
  const d = deploy(10, 0, 2);
  const p = planRollout(d, rs('new', 0, 0, T3), [rs('old', 10, 6, T1)]);
  assert.deepEqual(p.scaleOld.map((s) => s.to), [8]);
  // two old RSes: the older one is drained first.
  const d2 = deploy(4, 1, 1);
  const p2 = planRollout(d2, rs('new', 1, 1, T3), [rs('mid', 2, 2, T2), rs('oldest', 2, 2, T1)]);
  assert.deepEqual(p2.scaleOld.map((s) => [s.rs.metadata?.name, s.to]), [['oldest', 0]]);
  // unhealthy pods in the newer old RS go even when the older one is healthy.
  const p3 = planRollout(deploy(4, 0, 1), rs('new', 0, 0, T3), [rs('oldest', 2, 2, T1), rs('mid', 2, 0, T2)]);
  assert.deepEqual(p3.scaleOld.map((s) => [s.rs.metadata?.name, s.to]), [['mid', 1]]);
});

test('planRecreate: old to zero, wait for pods, then new', () => {
  const d = deploy(3, undefined, undefined, 'Recreate');
  assert.deepEqual(planRecreate(d, undefined, [rs('old', 3, 3, T1)], 3).kind, 'scaleOld');
  assert.deepEqual(planRecreate(d, undefined, [rs('old', 0, 0, T1)], 2), { kind: 'waitOldPods' });
  assert.deepEqual(planRecreate(d, undefined, [rs('old', 0, 0, T1)], 0), { kind: 'createNew', replicas: 3 });
  assert.deepEqual(planRecreate(d, rs('new', 0, 0, T2), [rs('old', 0, 0, T1)], 0), { kind: 'scaleNew', to: 3 });
  assert.deepEqual(planRecreate(d, rs('new', 3, 3, T2), [rs('old', 0, 0, T1)], 0), { kind: 'none' });
});

test('planScale: a single RS just resizes; proportional scaling mid-rollout (the documented 10 → 15 example)', () => {
  const one = rs('new', 3, 3, T2, { [DESIRED_REPLICAS]: '3' });
  const d5 = deploy(5, 1, 0);
  assert.equal(isScalingEvent(d5, one, []), true);
  assert.deepEqual(planScale(d5, one, []).map((s) => s.to), [5]);
  assert.equal(isScalingEvent(deploy(3, 1, 0), one, []), false);
  // 10 replicas, maxSurge 3, maxUnavailable 2, a stuck rollout: old 8, new 5. Scaling to 15 adds 3 to old and 2 to new.
  const ann = { [DESIRED_REPLICAS]: '10', [MAX_REPLICAS]: '13' };
  const old = rs('old', 8, 8, T1, ann);
  const nw = rs('new', 5, 0, T2, ann);
  const d15 = deploy(15, 3, 2);
  assert.equal(isScalingEvent(d15, nw, [old]), true);
  const steps = planScale(d15, nw, [old]);
  assert.deepEqual(steps.map((s) => [s.rs.metadata?.name, s.to]).sort(), [['new', 7], ['old', 11]]);
  // scaling down proportionally: 10 → 5 (allowed 8 = 5 + 3) removes 5 of 13.
  const down = planScale(deploy(5, 3, 2), nw, [old]);
  assert.equal(down.reduce((n, s) => n + s.to, 0), 8);
  // a saturated new RS: old ones are zeroed.
  const sat = rs('new', 4, 4, T2, { [DESIRED_REPLICAS]: '4' });
  assert.deepEqual(planScale(deploy(4, 1, 0), sat, [rs('old', 1, 1, T1, { [DESIRED_REPLICAS]: '3' })]).map((s) => [s.rs.metadata?.name, s.to]), [['old', 0]]);
});

test('planCleanup: keeps revisionHistoryLimit fully scaled-down old RSes, deletes the lowest revisions', () => {
  const d = deploy(3, 1, 0);
  d.spec = { ...d.spec!, revisionHistoryLimit: 1 };
  const olds = [rs('r1', 0, 0, T1, { [REVISION]: '1' }), rs('r3', 0, 0, T3, { [REVISION]: '3' }), rs('r2', 0, 0, T2, { [REVISION]: '2' }), rs('live', 1, 1, T1, { [REVISION]: '0' })];
  assert.deepEqual(planCleanup(d, olds).map((r) => r.metadata?.name), ['r1', 'r2']);
  d.spec = { ...d.spec!, revisionHistoryLimit: 0 };
  assert.deepEqual(planCleanup(d, olds).map((r) => r.metadata?.name), ['r1', 'r2', 'r3']);
  d.spec = { ...d.spec!, revisionHistoryLimit: undefined };
  assert.deepEqual(planCleanup(d, olds), []);
});
