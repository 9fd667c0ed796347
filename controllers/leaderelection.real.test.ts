/**
 * Two controller-managers with leader election, each its own process, against
 * the real API server on etcd: exactly one holds kube-system/kube-controller-manager
 * and acts (a Deployment's pods are created once, never more than asked);
 * SIGKILL of the leader (no release) → the standby takes over once the lease
 * runs out and completes a scale-up, creating the new pods only after it took
 * the Lease; SIGTERM of a leader releases the Lease, and the standby takes
 * over well before the lease would have run out. In-process: a leader whose
 * Lease another writer takes makes runControllerManager reject (kube exits).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1';
import type { Lease } from 'kubernetes-types/coordination/v1';
import type { Pod } from 'kubernetes-types/core/v1';
import { Deployments, Leases, Pods, ReplicaSets } from '../apiserver/client/resources.ts';
import { LeaderElectionLostError } from '../apiserver/client/leaderelection.ts';
import { runControllerManager } from './main.ts';
import { createInformer } from '../apiserver/client/informer.ts';
import type { ApiClient } from '../apiserver/client/types.ts';
import { freePort } from '../testutil/etcd.ts';
import { leaseHeldBy, readLease, spawnLeaderChild, type ChildSpec, type LeaderChild } from '../testutil/leader-child.ts';
import { quietLogger, startApiServerOrSkip } from '../testutil/real-api.ts';
import { waitFor } from '../testutil/wait.ts';

const log = quietLogger('test');

const lease = (c: ApiClient): Promise<Lease | undefined> => readLease(c, 'kube-controller-manager');

const heldBy = (c: ApiClient, holder: string, ms: number): Promise<Lease> => leaseHeldBy(c, 'kube-controller-manager', holder, ms);

const healthz = async (port: number): Promise<number> => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status ?? 0;

function deployment(replicas: number): Deployment {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } } },
  };
}

/** Watches the Deployment's live pods and remembers the most ever seen at once. */
function podCounter(c: ApiClient, signal: AbortSignal) {
  const pods = createInformer<Pod>(c, Pods, { namespace: 'default' }, log);
  let max = 0;
  const live = (): Pod[] => pods.list().filter((p) => p.metadata?.labels?.app === 'web' && !p.metadata.deletionTimestamp);
  const track = (): void => { max = Math.max(max, live().length); };
  pods.addHandlers({ onAdd: track, onUpdate: track, onDelete: track });
  pods.start(signal);
  return { live, max: () => max };
}

test('controller-manager leader election: one leader acts; kill -9 → the standby takes over and scales up; SIGTERM releases at once', { timeout: 120_000 }, async (t) => {
  const api = await startApiServerOrSkip(t);
  if (!api) return;
  const c = api.client;
  const ac = new AbortController();
  const children: LeaderChild[] = [];
  // Short, with some slack for a busy machine: a leader stalled longer than renewDeadline would lose the lease.
  const timings = { leaseDurationMs: 2_000, renewDeadlineMs: 1_500, retryPeriodMs: 250 };
  const start = async (identity: string, over: Partial<ChildSpec> = {}): Promise<{ child: LeaderChild; port: number }> => {
    const port = await freePort();
    const child = spawnLeaderChild({ component: 'controller-manager', apiUrl: api.url, identity, healthzPort: port, ...timings, ...over });
    children.push(child);
    return { child, port };
  };
  try {
    const counter = podCounter(c, ac.signal);
    const a = await start('cm-a');
    const first = await heldBy(c, 'cm-a', 30_000);
    assert.equal(first.spec?.leaseDurationSeconds, 2);
    assert.equal(first.spec?.leaseTransitions, 0);
    const b = await start('cm-b');
    await waitFor(async () => (await healthz(b.port)) === 200, 30_000, 'the standby healthy', 50);
    await waitFor(async () => (await healthz(a.port)) === 200, 10_000, 'the leader healthy', 50);

    await c.create<Deployment>(Deployments, deployment(2), 'default');
    await waitFor(() => counter.live().length === 2, 20_000, '2 pods', 20);
    assert.equal((await c.list<ReplicaSet>(ReplicaSets, { namespace: 'default' })).items.length, 1);
    assert.equal((await lease(c))?.spec?.holderIdentity, 'cm-a', 'the standby never took the Lease from a live leader');

    // kill -9: no release, no more renewals.
    const beforeKill = new Set(counter.live().map((p) => p.metadata?.name));
    a.child.proc.kill('SIGKILL');
    const killedAt = Date.now();
    assert.equal(await a.child.exited, 'SIGKILL');
    await c.patch<Deployment>(Deployments, 'web', 'merge', { spec: { replicas: 4 } }, 'default');
    const taken = await heldBy(c, 'cm-b', 15_000);
    const tookMs = Date.now() - killedAt;
    t.diagnostic(`standby took over ${tookMs} ms after the kill`);
    assert.ok(tookMs < 15_000, `within 15 s (took ${tookMs} ms)`);
    assert.ok(tookMs >= timings.leaseDurationMs - 2.2 * timings.retryPeriodMs - 100, `it waited out the lease (took ${tookMs} ms)`);
    assert.equal(taken.spec?.leaseTransitions, 1);
    // Acquired at the takeover; the new leader renews right after acquiring (as client-go's renew loop), so the
    // read may already show that renewal: acquireTime ≤ renewTime, not equal.
    const acquiredAt = Date.parse(taken.spec?.acquireTime ?? '');
    assert.ok(acquiredAt >= killedAt - 50, `acquireTime ${taken.spec?.acquireTime} is after the kill`);
    assert.ok(acquiredAt <= Date.parse(taken.spec?.renewTime ?? ''), `acquireTime ${taken.spec?.acquireTime} ≤ renewTime ${taken.spec?.renewTime}`);
    await waitFor(() => counter.live().length === 4, 20_000, '4 pods after the scale-up', 20);
    const added = counter.live().filter((p) => !beforeKill.has(p.metadata?.name));
    assert.equal(added.length, 2);
    for (const p of added) {
      // Pods are never modified here (no scheduler, no kubelet): their resourceVersion is their creation.
      assert.ok(BigInt(p.metadata?.resourceVersion ?? '0') > BigInt(taken.metadata?.resourceVersion ?? '0'), `${p.metadata?.name} created after the takeover`);
    }
    assert.equal(counter.max(), 4, 'never more pods than asked');
    assert.equal((await c.list<ReplicaSet>(ReplicaSets, { namespace: 'default' })).items.length, 1);
    assert.equal(await healthz(b.port), 200);

    // Graceful stop of the leader, now with a lease long enough to tell a release from an expiry.
    const long = { leaseDurationMs: 20_000, renewDeadlineMs: 10_000, retryPeriodMs: 200 };
    const cc = await start('cm-c', long);
    await waitFor(async () => (await healthz(cc.port)) === 200, 30_000, 'the third candidate healthy as a standby', 50);
    const d = await start('cm-d', long);
    await waitFor(async () => (await healthz(d.port)) === 200, 30_000, 'the fourth candidate healthy as a standby', 50);
    b.child.proc.kill('SIGTERM');
    assert.equal(await b.child.exited, 0);
    const released = await lease(c);
    assert.ok(released?.spec?.holderIdentity === '' || released?.spec?.holderIdentity === 'cm-c' || released?.spec?.holderIdentity === 'cm-d', `released: ${released?.spec?.holderIdentity}`);
    const stoppedAt = Date.now();
    const next = await waitFor(async () => {
      const h = (await lease(c))?.spec?.holderIdentity;
      return h === 'cm-c' || h === 'cm-d' ? h : undefined;
    }, 15_000, 'a standby took the released Lease', 20);
    const handoverMs = Date.now() - stoppedAt;
    t.diagnostic(`${next} took the released lease ${handoverMs} ms after cm-b exited`);
    assert.ok(handoverMs < 5_000, `well before the 20 s lease (took ${handoverMs} ms)`);
    await c.patch<Deployment>(Deployments, 'web', 'merge', { spec: { replicas: 5 } }, 'default');
    await waitFor(() => counter.live().length === 5, 20_000, '5 pods after the second scale-up', 20);
    assert.equal(counter.max(), 5, 'never more pods than asked');
    assert.equal((await lease(c))?.spec?.leaseTransitions, 2);
  } finally {
    ac.abort();
    for (const ch of children) ch.proc.kill('SIGKILL');
    await Promise.all(children.map((ch) => ch.exited));
    await api.stop();
    c.close();
  }
});

test('runControllerManager rejects with LeaderElectionLostError when another writer takes its Lease', { timeout: 60_000 }, async (t) => {
  const api = await startApiServerOrSkip(t);
  if (!api) return;
  const c = api.client;
  const ac = new AbortController();
  const run = runControllerManager({
    apiUrl: api.url, clusterCIDR: '10.244.0.0/16', nodeCIDRMaskSize: 24, healthzPort: 0, log, controllers: ['deployment', 'replicaset'],
    leaderElect: true, leaderElection: { identity: 'cm-x', leaseDurationMs: 2_000, renewDeadlineMs: 1_500, retryPeriodMs: 250 },
  }, ac.signal);
  const outcome = run.then(() => 'resolved', (e: unknown) => e);
  try {
    await heldBy(c, 'cm-x', 20_000);
    // The leader renews every 250 ms: retry the takeover until no renewal slipped in between (409).
    await waitFor(async () => {
      const cur = await c.get<Lease>(Leases, 'kube-controller-manager', 'kube-system');
      return c.update<Lease>(Leases, { ...cur, spec: { ...cur.spec, holderIdentity: 'intruder', leaseTransitions: 1 } });
    }, 10_000, 'the Lease taken by another writer', 20);
    const err = await outcome;
    assert.ok(err instanceof LeaderElectionLostError, String(err));
    assert.equal((await lease(c))?.spec?.holderIdentity, 'intruder', 'a loser does not release a Lease it no longer holds');
  } finally {
    ac.abort();
    await outcome;
    await api.stop();
    c.close();
  }
});
