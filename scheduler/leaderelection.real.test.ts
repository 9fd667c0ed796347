/**
 * Two schedulers with leader election, each its own process, against the
 * real API server on etcd: the one holding kube-system/kube-scheduler binds;
 * after SIGKILL of the leader a pod created meanwhile is bound by the standby
 * only once it took the Lease; SIGTERM of the new leader releases the Lease.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease } from 'kubernetes-types/coordination/v1';
import type { Node, Pod } from 'kubernetes-types/core/v1';
import { Leases, Nodes, Pods } from '../apiserver/client/resources.ts';
import type { ApiClient } from '../apiserver/client/types.ts';
import { freePort } from '../testutil/etcd.ts';
import { leaseHeldBy, readLease, spawnLeaderChild, type LeaderChild } from '../testutil/leader-child.ts';
import { startApiServerOrSkip } from '../testutil/real-api.ts';
import { waitFor } from '../testutil/wait.ts';
import { makeNode, makePod } from './testing.ts';

const lease = (c: ApiClient): Promise<Lease | undefined> => readLease(c, 'kube-scheduler');

const heldBy = (c: ApiClient, holder: string, ms: number): Promise<Lease> => leaseHeldBy(c, 'kube-scheduler', holder, ms);

/**
 * The resourceVersion of the first write after `fromRv` that made `holder` the Lease's holder (from a watch
 * replaying the Lease's history; a polled read could be a later renewal).
 */
async function takeoverRv(c: ApiClient, fromRv: string, holder: string): Promise<bigint> {
  const w = await c.watch<Lease>(Leases, { namespace: 'kube-system', resourceVersion: fromRv, fieldSelector: 'metadata.name=kube-scheduler' });
  try {
    for await (const ev of w) {
      const l = ev.object as Lease;
      if ((ev.type === 'ADDED' || ev.type === 'MODIFIED') && l.spec?.holderIdentity === holder) return BigInt(l.metadata?.resourceVersion ?? '0');
    }
  } finally {
    w.stop();
  }
  throw new Error(`the watch ended before ${holder} took the Lease`);
}

const bound = (c: ApiClient, name: string, ms: number): Promise<Pod> =>
  waitFor(async () => {
    const p = await c.get<Pod>(Pods, name, 'default');
    return p.spec?.nodeName ? p : undefined;
  }, ms, `${name} bound`, 20);

test('scheduler leader election: only the leader binds; kill -9 → the standby binds once it holds the Lease; SIGTERM releases it', { timeout: 120_000 }, async (t) => {
  const api = await startApiServerOrSkip(t);
  if (!api) return;
  const c = api.client;
  const children: LeaderChild[] = [];
  // Short, with some slack for a busy machine: a leader stalled longer than renewDeadline would lose the lease.
  const timings = { leaseDurationMs: 2_000, renewDeadlineMs: 1_500, retryPeriodMs: 250 };
  const start = async (identity: string): Promise<{ child: LeaderChild; port: number }> => {
    const port = await freePort();
    const child = spawnLeaderChild({ component: 'scheduler', apiUrl: api.url, identity, healthzPort: port, ...timings });
    children.push(child);
    return { child, port };
  };
  const healthz = async (port: number): Promise<number> => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status ?? 0;
  try {
    const n = makeNode('node-1');
    const created = await c.create<Node>(Nodes, { metadata: n.metadata, spec: n.spec });
    await c.updateStatus<Node>(Nodes, { ...created, status: n.status });

    const a = await start('sched-a');
    await heldBy(c, 'sched-a', 30_000);
    const b = await start('sched-b');
    await waitFor(async () => (await healthz(b.port)) === 200, 30_000, 'the standby healthy', 50);
    await c.create(Pods, makePod('p1'));
    assert.equal((await bound(c, 'p1', 20_000)).spec?.nodeName, 'node-1');
    assert.equal((await lease(c))?.spec?.holderIdentity, 'sched-a');

    const beforeKill = (await lease(c))?.metadata?.resourceVersion ?? '0';
    a.child.proc.kill('SIGKILL');
    const killedAt = Date.now();
    assert.equal(await a.child.exited, 'SIGKILL');
    await c.create(Pods, makePod('p2'));
    const taken = await heldBy(c, 'sched-b', 15_000);
    t.diagnostic(`standby took over ${Date.now() - killedAt} ms after the kill`);
    assert.equal(taken.spec?.leaseTransitions, 1);
    const p2 = await bound(c, 'p2', 20_000);
    // The binding is p2's only change: its resourceVersion orders it after the takeover's write.
    assert.ok(BigInt(p2.metadata?.resourceVersion ?? '0') > await takeoverRv(c, beforeKill, 'sched-b'), 'p2 was bound only after the standby took the Lease');

    b.child.proc.kill('SIGTERM');
    assert.equal(await b.child.exited, 0);
    const released = await lease(c);
    assert.equal(released?.spec?.holderIdentity, '');
    assert.equal(released?.spec?.leaseTransitions, 1);
  } finally {
    for (const ch of children) ch.proc.kill('SIGKILL');
    await Promise.all(children.map((ch) => ch.exited));
    await api.stop();
    c.close();
  }
});
