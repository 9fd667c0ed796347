/**
 * The act half of leader election on a manual clock, over the FakeClient (the
 * real registry, so resourceVersion conflicts are the server's): campaigning,
 * renewing, waiting out a silent holder, losing to another writer, missing
 * the renew deadline, releasing on shutdown, and the Events it records.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease } from 'kubernetes-types/coordination/v1';
import type { Event } from 'kubernetes-types/core/v1';
import type { KubeObject } from '../api/object.ts';
import type { ResourceRef } from './resources.ts';
import { FakeClient, fakeApiError } from '../testing/fake-client.ts';
import { quietLogger } from '../../testutil/log.ts';
import { FakeClock } from './workqueue.ts';
import { Events, Leases } from './resources.ts';
import { createEventRecorder } from './events.ts';
import { LeaderElectionLostError, LeaderElector, runWithLeaderElection, validateTimings, type ElectionOutcome, type LeaderElectorConfig } from './leaderelection.ts';

const log = quietLogger('le');
const TIMINGS = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

/** Lets pending promise chains (FakeClient calls are async) run to their next timer. */
async function settle(): Promise<void> {
  for (let i = 0; i < 30; i++) await new Promise<void>((r) => setImmediate(r));
}

/** Advances the clock `ms` in steps of `step`, settling after each. */
async function advance(clock: FakeClock, ms: number, step = 250): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock.advance(Math.min(step, ms - t));
    await settle();
  }
}

const getLease = (c: FakeClient): Promise<Lease | undefined> => c.tryGet<Lease>(Leases, 'kube-scheduler', 'kube-system');

/** One candidate: its elector, its run promise, and what its callbacks saw. */
function candidate(client: FakeClient, clock: FakeClock, identity: string, over: Partial<LeaderElectorConfig> = {}) {
  const ac = new AbortController();
  const seen = { started: 0, stopped: 0, leaders: [] as string[], leading: undefined as AbortSignal | undefined };
  const elector = new LeaderElector({
    client, namespace: 'kube-system', name: 'kube-scheduler', identity, ...TIMINGS, releaseOnCancel: true, log, clock, random: () => 0,
    callbacks: {
      onStartedLeading: (s) => { seen.started++; seen.leading = s; },
      onStoppedLeading: () => { seen.stopped++; },
      onNewLeader: (id) => { seen.leaders.push(id); },
    },
    ...over,
  });
  let outcome: ElectionOutcome | undefined;
  const done = elector.run(ac.signal).then((o) => { outcome = o; return o; });
  return { elector, ac, seen, done, outcome: () => outcome };
}

test('validateTimings follows client-go NewLeaderElector', () => {
  assert.equal(validateTimings(TIMINGS), undefined);
  assert.equal(validateTimings({ leaseDurationMs: 1_500, renewDeadlineMs: 1_000, retryPeriodMs: 200 }), undefined);
  assert.match(validateTimings({ leaseDurationMs: 10_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 }) ?? '', /leaseDuration must be greater than renewDeadline/);
  assert.match(validateTimings({ leaseDurationMs: 15_000, renewDeadlineMs: 2_400, retryPeriodMs: 2_000 }) ?? '', /retryPeriod\*JitterFactor/);
  assert.match(validateTimings({ leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 0 }) ?? '', /greater than zero/);
  assert.throws(() => new LeaderElector({ ...TIMINGS, renewDeadlineMs: 20_000, client: new FakeClient(), namespace: 'kube-system', name: 'x', identity: 'a', releaseOnCancel: true, log, callbacks: { onStartedLeading: () => {} } }), /leaseDuration must be greater/);
});

test('a lone candidate creates the Lease, leads, renews every retryPeriod, and releases on shutdown', async () => {
  const client = new FakeClient();
  const clock = new FakeClock(Date.parse('2026-12-02T00:00:00Z'));
  const a = candidate(client, clock, 'host-a_1');
  await settle();
  assert.equal(a.seen.started, 1);
  assert.equal(a.elector.isLeader(), true);
  assert.deepEqual(a.seen.leaders, ['host-a_1']);
  const created = await getLease(client);
  assert.equal(created?.spec?.holderIdentity, 'host-a_1');
  assert.equal(created?.spec?.leaseDurationSeconds, 15);
  assert.equal(created?.spec?.leaseTransitions, 0);
  assert.equal(created?.spec?.acquireTime, created?.spec?.renewTime);

  await advance(clock, 2_000);
  const renewed = await getLease(client);
  assert.equal(renewed?.spec?.renewTime, new Date(clock.now()).toISOString().replace('Z', '000Z'));
  assert.equal(renewed?.spec?.acquireTime, created?.spec?.acquireTime, 'acquireTime kept across renewals');
  assert.ok(Number(renewed?.metadata?.resourceVersion) > Number(created?.metadata?.resourceVersion));
  assert.equal(a.elector.healthy(), true);

  a.ac.abort();
  assert.equal(await a.done, 'cancelled');
  assert.equal(a.seen.leading?.aborted, true, 'the leading signal aborts on shutdown');
  assert.equal(a.seen.stopped, 1);
  const released = await getLease(client);
  assert.equal(released?.spec?.holderIdentity, '');
  assert.equal(released?.spec?.leaseDurationSeconds, 1);
  assert.equal(released?.spec?.leaseTransitions, 0);
});

test('a standby waits a full leaseDuration after the last change it saw, then takes over with leaseTransitions + 1', async () => {
  const client = new FakeClient();
  const clock = new FakeClock(Date.parse('2026-12-02T00:00:00Z'));
  const a = candidate(client, clock, 'host-a_1', { releaseOnCancel: false });
  await settle();
  const b = candidate(client, clock, 'host-b_2');
  await advance(clock, 6_000);
  assert.equal(b.seen.started, 0, 'the standby does not lead while the leader renews');
  assert.equal(b.elector.leader(), 'host-a_1');
  assert.equal(b.elector.healthy(), true, 'a standby is healthy');
  assert.deepEqual(b.seen.leaders, ['host-a_1']);

  // Killed: no more renewals and no release. The last renewal B saw was at most one retry ago.
  a.ac.abort();
  await a.done;
  const last = await getLease(client);
  assert.equal(last?.spec?.holderIdentity, 'host-a_1', 'no release without releaseOnCancel');
  const killedAt = clock.now();
  while (b.seen.started === 0 && clock.now() - killedAt < 30_000) await advance(clock, 250, 250);
  const tookMs = clock.now() - killedAt;
  assert.equal(b.seen.started, 1);
  assert.ok(tookMs > TIMINGS.leaseDurationMs - TIMINGS.retryPeriodMs, `not before the lease ran out (${tookMs} ms)`);
  assert.ok(tookMs <= TIMINGS.leaseDurationMs + TIMINGS.retryPeriodMs, `within leaseDuration + retryPeriod (${tookMs} ms)`);
  const taken = await getLease(client);
  assert.equal(taken?.spec?.holderIdentity, 'host-b_2');
  assert.equal(taken?.spec?.leaseTransitions, 1);
  assert.equal(taken?.spec?.acquireTime, taken?.spec?.renewTime);
  assert.deepEqual(b.seen.leaders, ['host-a_1', 'host-b_2']);
  b.ac.abort();
  await b.done;
});

test('after a graceful release the standby takes over on its next retry, not after leaseDuration', async () => {
  const client = new FakeClient();
  const clock = new FakeClock(Date.parse('2026-12-02T00:00:00Z'));
  const a = candidate(client, clock, 'host-a_1');
  await settle();
  const b = candidate(client, clock, 'host-b_2');
  await advance(clock, 4_000);
  a.ac.abort();
  await a.done;
  const releasedAt = clock.now();
  while (b.seen.started === 0 && clock.now() - releasedAt < 30_000) await advance(clock, 250, 250);
  assert.ok(clock.now() - releasedAt <= TIMINGS.retryPeriodMs, `took ${clock.now() - releasedAt} ms`);
  assert.equal((await getLease(client))?.spec?.holderIdentity, 'host-b_2');
  assert.equal((await getLease(client))?.spec?.leaseTransitions, 1);
  b.ac.abort();
  await b.done;
});

test('two candidates starting together: exactly one creates the Lease and leads', async () => {
  const client = new FakeClient();
  const clock = new FakeClock(Date.parse('2026-12-02T00:00:00Z'));
  const a = candidate(client, clock, 'host-a_1');
  const b = candidate(client, clock, 'host-b_2');
  await advance(clock, 6_000);
  assert.equal(a.seen.started + b.seen.started, 1);
  const holder = (await getLease(client))?.spec?.holderIdentity;
  assert.equal(holder, a.seen.started === 1 ? 'host-a_1' : 'host-b_2');
  a.ac.abort();
  b.ac.abort();
  await Promise.all([a.done, b.done]);
});

test('a leader whose Lease another writer took stops leading at its next renewal, and does not release it', async () => {
  const client = new FakeClient();
  const clock = new FakeClock(Date.parse('2026-12-02T00:00:00Z'));
  const a = candidate(client, clock, 'host-a_1');
  await settle();
  const cur = await getLease(client);
  assert.ok(cur);
  await client.update<Lease>(Leases, { ...cur, spec: { ...cur.spec, holderIdentity: 'intruder', leaseTransitions: 1 } });
  await advance(clock, 2_000);
  assert.equal(await a.done, 'lost');
  assert.equal(a.seen.leading?.aborted, true);
  assert.equal(a.seen.stopped, 1);
  assert.equal((await getLease(client))?.spec?.holderIdentity, 'intruder');
});

test('a leader that cannot reach the API for renewDeadline stops leading', async () => {
  const client = new FakeClient();
  const clock = new FakeClock(Date.parse('2026-12-02T00:00:00Z'));
  const a = candidate(client, clock, 'host-a_1');
  await settle();
  client.failOn('get', 'leases', fakeApiError(503, 'ServiceUnavailable', 'etcd is down'), { times: 1000 });
  await advance(clock, 2_000 + 8_000);
  assert.equal(a.outcome(), undefined, 'still retrying inside the renew deadline');
  await advance(clock, 2_500);
  assert.equal(await a.done, 'lost');
  assert.equal(a.seen.leading?.aborted, true);
});

test('a leader whose last renewal is older than leaseDuration + tolerance reports unhealthy (the healthz watchdog)', async () => {
  const client = new FakeClient();
  const clock = new FakeClock(Date.parse('2026-12-02T00:00:00Z'));
  const a = candidate(client, clock, 'host-a_1');
  await settle();
  const renewedAt = clock.now();
  client.failOn('get', 'leases', fakeApiError(503, 'ServiceUnavailable', 'etcd is down'), { times: 1000 });
  client.failOn('update', 'leases', fakeApiError(503, 'ServiceUnavailable', 'etcd is down'), { times: 1000 });
  await advance(clock, 12_500);
  assert.equal(a.outcome(), 'lost');
  // A component that failed to exit on 'lost' still believes the Lease names it: the watchdog catches it.
  assert.equal(a.elector.isLeader(), true);
  assert.equal(a.elector.healthy(1_000), true, `${clock.now() - renewedAt} ms since the last renewal`);
  await advance(clock, 4_000);
  assert.equal(a.elector.healthy(1_000), false, `${clock.now() - renewedAt} ms since the last renewal`);
});

test('the elector records LeaderElection Events on the Lease', async () => {
  const client = new FakeClient();
  const clock = new FakeClock(Date.parse('2026-12-02T00:00:00Z'));
  const recorder = createEventRecorder(client, 'default-scheduler', log, { now: () => clock.now() });
  const a = candidate(client, clock, 'host-a_1', { recorder });
  await settle();
  const cur = await getLease(client);
  assert.ok(cur);
  await client.update<Lease>(Leases, { ...cur, spec: { ...cur.spec, holderIdentity: 'intruder' } });
  await advance(clock, 2_000);
  await a.done;
  await recorder.flush();
  const events = (await client.list<Event>(Events, { namespace: 'kube-system' })).items;
  const messages = events.filter((e) => e.reason === 'LeaderElection' && e.involvedObject.kind === 'Lease' && e.involvedObject.name === 'kube-scheduler').map((e) => e.message).sort();
  assert.deepEqual(messages, ['host-a_1 became leader', 'host-a_1 stopped leading']);
});

test('runWithLeaderElection runs the work only while leading and rejects with LeaderElectionLostError on loss', async () => {
  const client = new FakeClient();
  const clock = new FakeClock(Date.parse('2026-12-02T00:00:00Z'));
  let working: AbortSignal | undefined;
  let workEnded = false;
  const ac = new AbortController();
  const run = runWithLeaderElection({ ...TIMINGS, identity: 'host-a_1', clock }, { client, log, defaultName: 'kube-scheduler' }, ac.signal, async (leading) => {
    working = leading;
    await new Promise<void>((r) => leading.addEventListener('abort', () => r(), { once: true }));
    workEnded = true;
  });
  const settled = run.then(() => 'resolved', (e: unknown) => e);
  await settle();
  assert.equal(working?.aborted, false);
  const cur = await getLease(client);
  assert.ok(cur);
  await client.update<Lease>(Leases, { ...cur, spec: { ...cur.spec, holderIdentity: 'intruder' } });
  await advance(clock, 2_000);
  const err = await settled;
  assert.ok(err instanceof LeaderElectionLostError, String(err));
  assert.match(err.message, /host-a_1 no longer holds lease kube-system\/kube-scheduler/);
  assert.equal(workEnded, true, 'the work has returned before the rejection');
});

test('runWithLeaderElection resolves on shutdown after the work returned, then releases', async () => {
  const client = new FakeClient();
  const clock = new FakeClock(Date.parse('2026-12-02T00:00:00Z'));
  const order: string[] = [];
  const ac = new AbortController();
  const run = runWithLeaderElection({ ...TIMINGS, identity: 'host-a_1', clock, name: 'kube-controller-manager' }, { client, log, defaultName: 'unused' }, ac.signal, async (leading) => {
    await new Promise<void>((r) => leading.addEventListener('abort', () => r(), { once: true }));
    order.push(`work returned, holder ${(await client.get<Lease>(Leases, 'kube-controller-manager', 'kube-system')).spec?.holderIdentity}`);
  });
  await settle();
  ac.abort();
  await run;
  order.push(`released, holder '${(await client.get<Lease>(Leases, 'kube-controller-manager', 'kube-system')).spec?.holderIdentity}'`);
  assert.deepEqual(order, ['work returned, holder host-a_1', "released, holder ''"]);
});

/** A FakeClient whose Lease updates wait for `gate` (a renewal held in flight). */
class GatedClient extends FakeClient {
  gate?: Promise<void>;
  override async update<T extends KubeObject>(ref: ResourceRef, obj: T, namespace?: string): Promise<T> {
    if (ref.resource === 'leases' && this.gate) await this.gate;
    return super.update(ref, obj, namespace);
  }
}

test('a shutdown during a renewal in flight still releases the Lease (no conflict with the renewal)', async () => {
  const client = new GatedClient();
  const clock = new FakeClock(Date.parse('2026-12-02T00:00:00Z'));
  const a = candidate(client, clock, 'host-a_1');
  await settle();
  let open!: () => void;
  client.gate = new Promise<void>((r) => { open = r; });
  await advance(clock, 2_000);
  a.ac.abort();
  await settle();
  open();
  assert.equal(await a.done, 'cancelled');
  assert.equal((await getLease(client))?.spec?.holderIdentity, '');
});
