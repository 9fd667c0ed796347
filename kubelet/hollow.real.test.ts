/**
 * Integration: hollow nodes (runHollowNodes) against the real API server and
 * etcd. Two independent groups in one process (3 + 2 nodes) register Ready
 * with their Leases, run pods (bound by spec.nodeName, and more placed by
 * the real scheduler) to Running with distinct pod IPs, and tear them down
 * when the pods are deleted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Lease } from 'kubernetes-types/coordination/v1';
import type { Node, Pod } from 'kubernetes-types/core/v1';
import { Leases, Nodes, Pods } from '../apiserver/client/resources.ts';
import { quietLogger, startApiServerOrSkip } from '../testutil/real-api.ts';
import { waitFor } from '../testutil/wait.ts';
import { runScheduler } from '../scheduler/main.ts';
import { runHollowNodes } from './hollow-nodes.ts';

const log = quietLogger('hollow');
const until = <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> => waitFor(() => fn(), timeoutMs, what, 100);

test('hollow nodes: register Ready, run bound and scheduled pods to Running with pod IPs, remove deleted pods', { timeout: 90_000 }, async (t) => {
  const api = await startApiServerOrSkip(t);
  if (!api) return;
  const dir = await mkdtemp(join(tmpdir(), 'skiff-hollow-'));
  const ac = new AbortController();
  const groups = [
    runHollowNodes({ apiUrl: api.url, count: 3, namePrefix: 'hollow-a-', rootDir: dir, log, startBurst: 2 }, ac.signal),
    runHollowNodes({ apiUrl: api.url, count: 2, namePrefix: 'hollow-b-', addressOffset: 3, rootDir: dir, log }, ac.signal),
  ];
  const names = ['hollow-a-0', 'hollow-a-1', 'hollow-a-2', 'hollow-b-0', 'hollow-b-1'];
  const c = api.client;
  try {
    const ready = await until('5 Ready nodes', async () => {
      const nodes = (await c.list<Node>(Nodes)).items.filter((n) => n.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'));
      return nodes.length === 5 && nodes;
    });
    assert.deepEqual(ready.map((n) => n.metadata?.name).sort(), names);
    assert.equal(ready[0].status?.nodeInfo?.osImage, 'Skiff hollow node');
    for (const n of names) assert.equal((await until(`lease ${n}`, () => c.tryGet<Lease>(Leases, n, 'kube-node-lease'))).spec?.holderIdentity, n);

    // Five pods bound by spec.nodeName, five left to the scheduler.
    const scheduler = runScheduler({ apiUrl: api.url, healthzPort: 0, log }, ac.signal);
    groups.push(scheduler);
    for (const [i, nodeName] of [...names, ...names.map(() => undefined)].entries()) {
      await c.create<Pod>(Pods, {
        apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${i}`, namespace: 'default', labels: { app: 'hollow' } },
        spec: { ...(nodeName ? { nodeName } : {}), terminationGracePeriodSeconds: 1, containers: [{ name: 'app', image: 'busybox:1.0' }] },
      }, 'default');
    }
    const running = await until('10 pods Running', async () => {
      const pods = (await c.list<Pod>(Pods, { namespace: 'default', labelSelector: 'app=hollow' })).items;
      return pods.length === 10 && pods.every((p) => p.status?.phase === 'Running' && p.status.podIP) && pods;
    });
    for (const p of running.filter((x) => Number(x.metadata?.name?.slice(1)) >= 5)) assert.ok(names.includes(p.spec?.nodeName ?? ''), `${p.metadata?.name} scheduled`);
    for (const p of running) {
      assert.equal(p.status?.containerStatuses?.[0]?.ready, true, p.metadata?.name);
      assert.equal(p.status?.hostIP, ready.find((n) => n.metadata?.name === p.spec?.nodeName)?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address);
    }
    assert.equal(new Set(running.map((p) => p.status?.podIP)).size, 10, 'pod IPs are distinct');

    for (const p of running) await c.delete(Pods, p.metadata?.name ?? '', 'default');
    await until('pods gone', async () => (await c.list<Pod>(Pods, { namespace: 'default', labelSelector: 'app=hollow' })).items.length === 0);
  } finally {
    ac.abort();
    await Promise.all(groups);
    await api.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
