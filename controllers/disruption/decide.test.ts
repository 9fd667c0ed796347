import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1';
import type { PodDisruptionBudget, PodDisruptionBudgetSpec } from 'kubernetes-types/policy/v1';
import { rfc3339 } from '../../apiserver/api/time.ts';
import { budgetCounts, countHealthy, DELETION_TIMEOUT_MS, pendingDisruptions, STALE_POD_DISRUPTION_TIMEOUT_MS, staleDisruptionInMs, syncBudget, type ScaleLookup } from './decide.ts';

const NOW = Date.parse('2026-01-01T00:00:00Z');

function pod(name: string, opts: { ready?: boolean; owner?: string; deleting?: boolean } = {}): Pod {
  const metadata: Pod['metadata'] = {
    name, namespace: 'ns', labels: { app: 'web' }, resourceVersion: '1',
    ...(opts.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: opts.owner, uid: `uid-${opts.owner}`, controller: true }] } : {}),
    ...(opts.deleting ? { deletionTimestamp: rfc3339(NOW) } : {}),
  };
  return { metadata, status: { phase: 'Running', conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] } };
}

function pdb(spec: PodDisruptionBudgetSpec, status?: PodDisruptionBudget['status'], generation = 1): PodDisruptionBudget {
  return { metadata: { name: 'b', namespace: 'ns', generation }, spec: { selector: { matchLabels: { app: 'web' } }, ...spec }, ...(status ? { status } : {}) };
}

/** Scales by controller name: rs-a 4, rs-b 6; anything else unknown. */
const scaleByName: Record<string, number> = { 'rs-a': 4, 'rs-b': 6 };
const scales: ScaleLookup = (ref) => {
  const scale = scaleByName[ref.name];
  return scale === undefined ? undefined : { uid: ref.uid, scale };
};

test('expectedPods and desiredHealthy follow minAvailable / maxUnavailable as kube rounds them', () => {
  const three = [pod('a', { owner: 'rs-a' }), pod('b', { owner: 'rs-a' }), pod('c', { owner: 'rs-a' })];
  const mixed = [pod('a', { owner: 'rs-a' }), pod('b', { owner: 'rs-b' }), pod('c')];
  const cases: Array<{ name: string; spec: PodDisruptionBudgetSpec; pods: Pod[]; expected: number; desired: number; unmanaged?: string[] }> = [
    { name: 'int minAvailable: expected = pod count', spec: { minAvailable: 2 }, pods: three, expected: 3, desired: 2 },
    { name: 'int minAvailable above the pod count', spec: { minAvailable: 5 }, pods: three, expected: 3, desired: 5 },
    { name: 'percent minAvailable of the controller scale, rounded up', spec: { minAvailable: '50%' }, pods: three, expected: 4, desired: 2 },
    { name: 'percent minAvailable 30% of 4 rounds up to 2', spec: { minAvailable: '30%' }, pods: three, expected: 4, desired: 2 },
    { name: 'int maxUnavailable against the scale', spec: { maxUnavailable: 1 }, pods: three, expected: 4, desired: 3 },
    { name: 'percent maxUnavailable 30% of 4 rounds up to 2', spec: { maxUnavailable: '30%' }, pods: three, expected: 4, desired: 2 },
    { name: 'maxUnavailable above the scale floors desired at 0', spec: { maxUnavailable: 9 }, pods: three, expected: 4, desired: 0 },
    { name: 'two controllers sum their scales; an unmanaged pod is ignored', spec: { maxUnavailable: '10%' }, pods: mixed, expected: 10, desired: 9, unmanaged: ['c'] },
    { name: 'neither set', spec: {}, pods: three, expected: 0, desired: 0 },
  ];
  for (const c of cases) {
    const got = budgetCounts(pdb(c.spec), c.pods, scales);
    assert.deepEqual([got.expectedPods, got.desiredHealthy, got.unmanaged], [c.expected, c.desired, c.unmanaged ?? []], c.name);
  }
});

test('a managed pod whose controller is not found is an error (the budget then fails safe)', () => {
  assert.throws(() => budgetCounts(pdb({ maxUnavailable: 1 }), [pod('a', { owner: 'gone' })], scales), /found no controllers for pod "a"/);
  const sync = syncBudget(pdb({ maxUnavailable: 1 }, { currentHealthy: 3, desiredHealthy: 2, disruptionsAllowed: 1, expectedPods: 3, observedGeneration: 1 }), [pod('a', { owner: 'gone' })], scales, NOW);
  assert.equal(sync.status?.disruptionsAllowed, 0);
  assert.deepEqual(sync.status?.conditions?.map((c) => [c.type, c.status, c.reason, c.message]), [['DisruptionAllowed', 'False', 'SyncFailed', 'found no controllers for pod "a"']]);
});

test('currentHealthy counts Ready pods not being deleted and not pending an eviction', () => {
  const recent = rfc3339(NOW - 1000);
  const old = rfc3339(NOW - DELETION_TIMEOUT_MS - 1000);
  const pods = [pod('a'), pod('b', { ready: false }), pod('c', { deleting: true }), pod('d'), pod('e')];
  const cases: Array<{ name: string; disrupted: Record<string, string>; want: number }> = [
    { name: 'no evictions pending', disrupted: {}, want: 3 },
    { name: 'a recent eviction is not healthy', disrupted: { d: recent }, want: 2 },
    { name: 'an eviction past the timeout counts again', disrupted: { d: old }, want: 3 },
  ];
  for (const c of cases) assert.equal(countHealthy(pods, c.disrupted, NOW), c.want, c.name);
});

test('pending disruptions: expired ones are dropped and reported, deleting pods leave the map, the earliest deadline is the recheck', () => {
  const early = NOW - 60_000;
  const late = NOW - 10_000;
  const status = { currentHealthy: 0, desiredHealthy: 0, disruptionsAllowed: 0, expectedPods: 0, disruptedPods: { a: rfc3339(early), b: rfc3339(late), c: rfc3339(NOW - DELETION_TIMEOUT_MS - 1), d: rfc3339(late), gone: rfc3339(late) } };
  const got = pendingDisruptions(pdb({ minAvailable: 1 }, status), [pod('a'), pod('b'), pod('c'), pod('d', { deleting: true })], NOW);
  assert.deepEqual(got.disrupted, { a: rfc3339(early), b: rfc3339(late) });
  assert.deepEqual(got.expired, ['c']);
  assert.equal(got.recheckAtMs, early + DELETION_TIMEOUT_MS);
});

test('syncBudget: disruptionsAllowed and the DisruptionAllowed condition', () => {
  const ready3 = [pod('a'), pod('b'), pod('c')];
  const cases: Array<{ name: string; spec: PodDisruptionBudgetSpec; pods: Pod[]; allowed: number; healthy: number; cond: [string, string] }> = [
    { name: 'minAvailable 2 of 3 Ready: one disruption', spec: { minAvailable: 2 }, pods: ready3, allowed: 1, healthy: 3, cond: ['True', 'SufficientPods'] },
    { name: 'minAvailable 3 of 3: none', spec: { minAvailable: 3 }, pods: ready3, allowed: 0, healthy: 3, cond: ['False', 'InsufficientPods'] },
    { name: 'one not Ready: 2 healthy, minAvailable 2: none', spec: { minAvailable: 2 }, pods: [pod('a'), pod('b'), pod('c', { ready: false })], allowed: 0, healthy: 2, cond: ['False', 'InsufficientPods'] },
    { name: 'no pods: none even with minAvailable 0', spec: { minAvailable: 0 }, pods: [], allowed: 0, healthy: 0, cond: ['False', 'InsufficientPods'] },
    { name: 'minAvailable 0%: all healthy pods may go', spec: { minAvailable: '0%' }, pods: [pod('a', { owner: 'rs-a' }), pod('b', { owner: 'rs-a' })], allowed: 2, healthy: 2, cond: ['True', 'SufficientPods'] },
  ];
  for (const c of cases) {
    const s = syncBudget(pdb(c.spec, undefined, 3), c.pods, scales, NOW);
    assert.equal(s.status?.disruptionsAllowed, c.allowed, c.name);
    assert.equal(s.status?.currentHealthy, c.healthy, c.name);
    assert.equal(s.status?.observedGeneration, 3, c.name);
    const cond = s.status?.conditions?.find((x) => x.type === 'DisruptionAllowed');
    assert.deepEqual([cond?.status, cond?.reason, cond?.observedGeneration, cond?.lastTransitionTime], [...c.cond, 3, rfc3339(NOW)], c.name);
    assert.equal(s.noPods, c.pods.length === 0, c.name);
  }
});

test('syncBudget writes nothing when the status already agrees, and keeps lastTransitionTime when only counts change', () => {
  const pods = [pod('a'), pod('b'), pod('c')];
  const first = syncBudget(pdb({ minAvailable: 1 }), pods, scales, NOW);
  const stored = pdb({ minAvailable: 1 }, first.status);
  assert.equal(syncBudget(stored, pods, scales, NOW + 5000).status, undefined);
  const later = syncBudget(stored, pods.slice(0, 2), scales, NOW + 5000);
  assert.equal(later.status?.disruptionsAllowed, 1);
  assert.equal(later.status?.conditions?.[0]?.lastTransitionTime, rfc3339(NOW));
  const bumped = syncBudget({ ...stored, metadata: { ...stored.metadata, generation: 2 } }, pods, scales, NOW + 5000);
  assert.equal(bumped.status?.observedGeneration, 2);
});

test('staleDisruptionInMs: which DisruptionTarget conditions are reset, and when', () => {
  const target = (status: string, reason: string, agoMs: number) => ({ type: 'DisruptionTarget', status, reason, lastTransitionTime: rfc3339(NOW - agoMs) });
  const withCond = (c: ReturnType<typeof target>, extra: { phase?: string; deleting?: boolean } = {}): Pod => {
    const base = pod('a', { deleting: extra.deleting });
    return { ...base, status: { phase: extra.phase ?? 'Running', conditions: [c] } };
  };
  const cases: Array<{ name: string; pod: Pod; want: number | undefined }> = [
    { name: 'no condition', pod: pod('a'), want: undefined },
    { name: 'set a minute ago: one minute left', pod: withCond(target('True', 'EvictionByEvictionAPI', 60_000)), want: STALE_POD_DISRUPTION_TIMEOUT_MS - 60_000 },
    { name: 'older than the timeout: now', pod: withCond(target('True', 'EvictionByEvictionAPI', STALE_POD_DISRUPTION_TIMEOUT_MS + 1)), want: 0 },
    { name: 'already False', pod: withCond(target('False', 'EvictionByEvictionAPI', 600_000)), want: undefined },
    { name: 'set by the kubelet', pod: withCond(target('True', 'TerminationByKubelet', 600_000)), want: undefined },
    { name: 'pod being deleted', pod: withCond(target('True', 'EvictionByEvictionAPI', 600_000), { deleting: true }), want: undefined },
    { name: 'terminal pod', pod: withCond(target('True', 'EvictionByEvictionAPI', 600_000), { phase: 'Failed' }), want: undefined },
  ];
  for (const c of cases) assert.equal(staleDisruptionInMs(c.pod, NOW), c.want, c.name);
});
