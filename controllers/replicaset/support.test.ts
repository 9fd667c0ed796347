import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1';
import type { ReplicaSet } from 'kubernetes-types/apps/v1';
import { selectorMatches, selectorIsEmpty } from '../../apiserver/api/label-selector.ts';
import { Expectations, EXPECTATIONS_TTL_MS } from './expectations.ts';
import { slowStartBatch } from './slowstart.ts';
import { computeReplicaSetStatus, replicaSetStatusChanged, nextAvailabilityCheckMs } from './status.ts';
import { isPodActive, isPodAvailable } from './podutil.ts';

test('selectorMatches: matchLabels and every operator', () => {
  const labels = { app: 'web', tier: 'fe' };
  const cases: Array<[string, Parameters<typeof selectorMatches>[0], boolean]> = [
    ['undefined matches nothing', undefined, false],
    ['empty matches everything', {}, true],
    ['matchLabels hit', { matchLabels: { app: 'web' } }, true],
    ['matchLabels miss', { matchLabels: { app: 'db' } }, false],
    ['In hit', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe', 'be'] }] }, true],
    ['In missing key', { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }, false],
    ['NotIn hit', { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['be'] }] }, true],
    ['NotIn missing key matches', { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, true],
    ['NotIn miss', { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['fe'] }] }, false],
    ['Exists', { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, true],
    ['DoesNotExist', { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, false],
    ['ANDed', { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['be'] }] }, false],
    ['unknown operator', { matchExpressions: [{ key: 'tier', operator: 'Gt', values: ['1'] }] }, false],
  ];
  for (const [name, sel, want] of cases) assert.equal(selectorMatches(sel, labels), want, name);
  assert.equal(selectorIsEmpty({}), true);
  assert.equal(selectorIsEmpty({ matchLabels: { a: 'b' } }), false);
});

test('Expectations: blocks until observed, TTL releases', () => {
  let now = 1000;
  const e = new Expectations(() => now);
  assert.equal(e.satisfied('ns/rs'), true);
  e.expect('ns/rs', 2, ['ns/p1']);
  assert.equal(e.satisfied('ns/rs'), false);
  e.creationObserved('ns/rs');
  e.creationObserved('ns/rs');
  e.creationObserved('ns/rs');
  assert.deepEqual(e.pending('ns/rs'), { adds: 0, deletes: 1 });
  assert.equal(e.satisfied('ns/rs'), false);
  e.deletionObserved('ns/rs', 'ns/p1');
  e.deletionObserved('ns/rs', 'ns/p1');
  assert.equal(e.satisfied('ns/rs'), true);
  e.expect('ns/rs', 1);
  now += EXPECTATIONS_TTL_MS + 1;
  assert.equal(e.satisfied('ns/rs'), true, 'expired');
  e.delete('ns/rs');
  assert.equal(e.pending('ns/rs'), undefined);
});

test('slowStartBatch: batches 1,2,4,... and stops after a failing batch', async () => {
  const seen: number[] = [];
  const ok = await slowStartBatch(10, 1, async (i) => { seen.push(i); });
  assert.deepEqual(ok, { successes: 10 });
  assert.equal(seen.length, 10);
  let calls = 0;
  const failing = await slowStartBatch(100, 1, async (i) => {
    calls += 1;
    if (i === 4) throw new Error('quota');
  });
  // batches: [0], [1,2], [3..6] fails -> 7 calls, 6 successes
  assert.equal(calls, 7);
  assert.equal(failing.successes, 6);
  assert.equal((failing.error as Error).message, 'quota');
  assert.deepEqual(await slowStartBatch(0, 1, async () => {}), { successes: 0 });
});

test('computeReplicaSetStatus: counts labels, readiness, availability with minReadySeconds', () => {
  const now = Date.parse('2024-01-01T00:01:00Z');
  const rs: ReplicaSet = { metadata: { name: 'r', generation: 3 }, spec: { replicas: 3, minReadySeconds: 30, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b', extra: 'y' } } } } };
  const mk = (name: string, readySince: string | undefined, extra = true): Pod => ({
    metadata: { name, labels: extra ? { a: 'b', extra: 'y' } : { a: 'b' } },
    status: { phase: 'Running', conditions: readySince ? [{ type: 'Ready', status: 'True', lastTransitionTime: readySince }] : [] },
  });
  const pods = [mk('old', '2024-01-01T00:00:00Z'), mk('fresh', '2024-01-01T00:00:50Z'), mk('notready', undefined, false)];
  const s = computeReplicaSetStatus(rs, pods, now);
  assert.deepEqual(s, { replicas: 3, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 1, observedGeneration: 3 });
  assert.equal(replicaSetStatusChanged(undefined, s), true);
  assert.equal(replicaSetStatusChanged({ ...s }, s), false);
  assert.equal(nextAvailabilityCheckMs(rs, pods, now), 20_001);
});

test('isPodActive / isPodAvailable', () => {
  assert.equal(isPodActive({ status: { phase: 'Running' } }), true);
  assert.equal(isPodActive({ status: { phase: 'Failed' } }), false);
  assert.equal(isPodActive({ metadata: { deletionTimestamp: '2024-01-01T00:00:00Z' }, status: { phase: 'Running' } }), false);
  const p: Pod = { status: { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2024-01-01T00:00:00Z' }] } };
  assert.equal(isPodAvailable(p, 0, 0), true);
  assert.equal(isPodAvailable(p, 10, Date.parse('2024-01-01T00:00:05Z')), false);
  assert.equal(isPodAvailable(p, 10, Date.parse('2024-01-01T00:00:10Z')), true);
});

test('computeReplicaSetStatus: ReplicaFailure added on failure, kept once set, removed on success', () => {
  const rs: ReplicaSet = { metadata: { name: 'r', generation: 1 }, spec: { replicas: 1, selector: {} } };
  const failed = computeReplicaSetStatus(rs, [], 0, { reason: 'FailedCreate', message: 'quota' });
  assert.deepEqual(failed.conditions, [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'quota', lastTransitionTime: '1970-01-01T00:00:00Z' }]);
  const again = computeReplicaSetStatus({ ...rs, status: failed }, [], 5000, { reason: 'FailedCreate', message: 'other' });
  assert.equal(replicaSetStatusChanged(failed, again), false, 'an existing failure condition is not rewritten');
  const ok = computeReplicaSetStatus({ ...rs, status: failed }, [], 9000);
  assert.equal(ok.conditions, undefined);
  assert.equal(replicaSetStatusChanged(failed, ok), true);
});
