import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease, LeaseSpec } from 'kubernetes-types/coordination/v1';
import { decideLease, leaseSeconds, observe, recordText, releaseSpec, type Observation } from './leaderelection-decide.ts';
import { microTime } from '../api/time.ts';

const T0 = Date.parse('2026-12-02T00:00:00Z');
const ME = 'host-a_1111';
const OTHER = 'host-b_2222';
const DUR = 15_000;

const lease = (spec: LeaseSpec): Lease => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'kube-scheduler', namespace: 'kube-system', resourceVersion: '7' }, spec });
const held = (holder: string, renewedAt: number, transitions = 3): Lease => lease({
  holderIdentity: holder, leaseDurationSeconds: 15, acquireTime: microTime(T0 - 60_000), renewTime: microTime(renewedAt), leaseTransitions: transitions,
});
const seen = (l: Lease, atMs: number): Observation => observe(l, atMs);

const cases: Array<{ name: string; lease: Lease | undefined; previous?: Observation; nowMs: number; want: string; spec?: Partial<LeaseSpec>; expiresAtMs?: number; observedAt?: number; holder?: string; leaseDurationMs?: number }> = [
  {
    name: 'no Lease: create it holding, transitions 0',
    lease: undefined, nowMs: T0, want: 'create',
    spec: { holderIdentity: ME, leaseDurationSeconds: 15, acquireTime: microTime(T0), renewTime: microTime(T0), leaseTransitions: 0 },
  },
  {
    name: 'first sight of a held Lease: wait a full duration from now, whatever its renewTime says',
    lease: held(OTHER, T0 - 3_600_000), nowMs: T0, want: 'wait', holder: OTHER, expiresAtMs: T0 + DUR, observedAt: T0,
  },
  {
    name: 'unchanged since first seen, duration not yet over: wait',
    lease: held(OTHER, T0), previous: seen(held(OTHER, T0), T0), nowMs: T0 + DUR - 1, want: 'wait', expiresAtMs: T0 + DUR, observedAt: T0,
  },
  {
    name: 'unchanged for the full duration: take over, transitions + 1, acquireTime now',
    lease: held(OTHER, T0), previous: seen(held(OTHER, T0), T0), nowMs: T0 + DUR, want: 'acquire',
    spec: { holderIdentity: ME, leaseDurationSeconds: 15, acquireTime: microTime(T0 + DUR), renewTime: microTime(T0 + DUR), leaseTransitions: 4 },
  },
  {
    name: 'renewed by its holder since last seen: the wait restarts from now',
    lease: held(OTHER, T0 + 2_000), previous: seen(held(OTHER, T0), T0), nowMs: T0 + DUR + 5, want: 'wait', expiresAtMs: T0 + DUR + 5 + DUR, observedAt: T0 + DUR + 5,
  },
  {
    name: 'released (no holder): take it at once',
    lease: lease({ holderIdentity: '', leaseDurationSeconds: 1, leaseTransitions: 5, renewTime: microTime(T0) }), nowMs: T0, want: 'acquire',
    spec: { holderIdentity: ME, leaseTransitions: 6, acquireTime: microTime(T0) },
  },
  {
    name: 'holderIdentity absent: take it at once, transitions from 0',
    lease: lease({}), nowMs: T0, want: 'acquire', spec: { holderIdentity: ME, leaseTransitions: 1 },
  },
  {
    name: 'we hold it: renew, keeping acquireTime and transitions',
    lease: held(ME, T0), previous: seen(held(ME, T0), T0), nowMs: T0 + 2_000, want: 'renew',
    spec: { holderIdentity: ME, leaseDurationSeconds: 15, acquireTime: microTime(T0 - 60_000), renewTime: microTime(T0 + 2_000), leaseTransitions: 3 },
  },
  {
    name: 'we hold it even long after our last renewal (nobody took it): renew',
    lease: held(ME, T0), previous: seen(held(ME, T0), T0), nowMs: T0 + 10 * DUR, want: 'renew', spec: { renewTime: microTime(T0 + 10 * DUR) },
  },
  {
    name: 'we held it and someone else took it over: lost',
    lease: held(OTHER, T0 + 100, 4), previous: seen(held(ME, T0), T0), nowMs: T0 + 200, want: 'lost', holder: OTHER,
  },
  {
    name: 'we held it and someone cleared the holder: lost (stricter than client-go)',
    lease: lease({ holderIdentity: '', leaseTransitions: 3 }), previous: seen(held(ME, T0), T0), nowMs: T0 + 200, want: 'lost', holder: '',
  },
  {
    name: 'a sub-second lease still writes leaseDurationSeconds 1 (validation needs > 0)',
    lease: undefined, nowMs: T0, leaseDurationMs: 500, want: 'create', spec: { leaseDurationSeconds: 1 },
  },
];

for (const c of cases) {
  test(`decideLease: ${c.name}`, () => {
    const d = decideLease(c.lease, c.previous, { identity: ME, leaseDurationMs: c.leaseDurationMs ?? DUR, nowMs: c.nowMs });
    assert.equal(d.action, c.want);
    if (c.spec) {
      assert.ok('spec' in d);
      for (const [k, v] of Object.entries(c.spec)) assert.deepEqual(d.spec[k as keyof LeaseSpec], v, k);
    }
    if (c.expiresAtMs !== undefined) assert.equal(d.action === 'wait' ? d.expiresAtMs : undefined, c.expiresAtMs);
    if (c.holder !== undefined) assert.equal(d.action === 'wait' || d.action === 'lost' ? d.holder : undefined, c.holder);
    if (c.observedAt !== undefined) assert.equal('observed' in d ? d.observed.atMs : undefined, c.observedAt);
  });
}

test('decideLease keeps the previous observation object when the record did not change', () => {
  const prev = seen(held(OTHER, T0), T0);
  const d = decideLease(held(OTHER, T0), prev, { identity: ME, leaseDurationMs: DUR, nowMs: T0 + 1 });
  assert.equal('observed' in d ? d.observed : undefined, prev);
});

test('recordText ignores metadata (a resourceVersion change alone is not a renewal) but sees every record field', () => {
  const a = held(OTHER, T0);
  const b = { ...a, metadata: { ...a.metadata, resourceVersion: '99' } };
  assert.equal(recordText(a.spec), recordText(b.spec));
  for (const k of ['holderIdentity', 'leaseDurationSeconds', 'acquireTime', 'renewTime', 'leaseTransitions'] as const) {
    const changed = { ...a.spec, [k]: k === 'holderIdentity' || k.endsWith('Time') ? 'x' : 42 };
    assert.notEqual(recordText(changed), recordText(a.spec), k);
  }
});

test('releaseSpec clears the holder, keeps transitions, sets a 1 s duration and times now', () => {
  const s = releaseSpec(seen(held(ME, T0, 9), T0), T0 + 5);
  assert.deepEqual(s, { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: microTime(T0 + 5), renewTime: microTime(T0 + 5), leaseTransitions: 9 });
});

test('leaseSeconds truncates to whole seconds, at least 1', () => {
  assert.deepEqual([leaseSeconds(15_000), leaseSeconds(1_500), leaseSeconds(999), leaseSeconds(60_999)], [15, 1, 1, 60]);
});
