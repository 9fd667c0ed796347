/**
 * Integration: the whole kubelet (runKubelet) against the real API server
 * and etcd, with the FakeRuntime in place of containerd (no root needed).
 * Checks the wire shapes: node registration and status PATCH, the node
 * Lease, the spec.nodeName pod watch, pods/status merge PATCH, events, and
 * the final DELETE with preconditions after a graceful deletion.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Lease } from 'kubernetes-types/coordination/v1';
import type { Event, Node, Pod } from 'kubernetes-types/core/v1';
import { Events, Leases, Nodes, Pods } from '../apiserver/client/resources.ts';
import { freePort } from '../testutil/etcd.ts';
import { quietLogger, startApiServerOrSkip } from '../testutil/real-api.ts';
import { FakeRuntime } from './cri/fake.ts';
import { runKubelet } from './main.ts';
import { waitFor } from '../testutil/wait.ts';

const log = quietLogger('kubelet');

/** Polls through the shared testutil waitFor (a throwing check counts as not yet). */
const until = <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 45_000): Promise<T> => waitFor(() => fn(), timeoutMs, what, 100);

test('kubelet against the real API server (FakeRuntime)', { timeout: 240_000 }, async (t) => {
  const api = await startApiServerOrSkip(t);
  if (!api) return;
  const dir = await mkdtemp(join(tmpdir(), 'skiff-kubelet-api-'));
  const runtime = new FakeRuntime();
  const ac = new AbortController();
  const kubelet = runKubelet({
    apiUrl: api.url, nodeName: 'node-a', nodeIP: '10.1.2.3', containerdSocket: '/nonexistent.sock', rootDir: join(dir, 'kubelet'),
    cniBinDir: '/usr/lib/cni', cniConfDir: join(dir, 'net.d'), port: await freePort(), healthzPort: await freePort(), log,
    client: api.client, runtime, manageCgroups: false,
  }, ac.signal);
  try {
    const c = api.client;
    const node = await until('node', () => c.tryGet<Node>(Nodes, 'node-a'));
    assert.equal(node.metadata?.labels?.['kubernetes.io/hostname'], 'node-a');
    await until('Ready condition', async () => (await c.get<Node>(Nodes, 'node-a')).status?.conditions?.find((x) => x.type === 'Ready')?.status === 'True');
    const lease = await until('lease', () => c.tryGet<Lease>(Leases, 'node-a', 'kube-node-lease'));
    assert.equal(lease.spec?.holderIdentity, 'node-a');
    assert.equal(lease.spec?.leaseDurationSeconds, 40);

    await c.patch(Nodes, 'node-a', 'merge', { spec: { podCIDR: '10.244.5.0/24' } });
    await until('CNI config', async () => (await readFile(join(dir, 'net.d', '10-skiff.conflist'), 'utf8').catch(() => '')).includes('10.244.5.0/24'));

    await c.create<Pod>(Pods, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' },
      spec: { nodeName: 'node-a', terminationGracePeriodSeconds: 3, containers: [{ name: 'app', image: 'busybox:1.0' }] },
    }, 'default');
    const running = await until('Running', async () => {
      const p = await c.get<Pod>(Pods, 'web', 'default');
      return p.status?.phase === 'Running' && p;
    });
    const cs = running.status!.containerStatuses![0];
    assert.equal(cs.ready, true);
    assert.ok(cs.state?.running?.startedAt);
    assert.equal(running.status?.hostIP, '10.1.2.3');
    assert.match(running.status?.podIP ?? '', /^10\.244\.0\./);
    assert.equal(running.status?.conditions?.find((x) => x.type === 'Ready')?.status, 'True');

    const first = runtime.containersNamed('app')[0];
    runtime.exitContainer(first.id, 1);
    await until('restartCount 1', async () => {
      const p = await c.get<Pod>(Pods, 'web', 'default');
      const s = p.status?.containerStatuses?.[0];
      return s?.restartCount === 1 && s.state?.running && s.lastState?.terminated?.exitCode === 1;
    });

    const events = await until('events', async () => {
      const list = (await c.list<Event>(Events, { namespace: 'default' })).items;
      const reasons = new Set(list.map((e) => e.reason));
      return ['Pulling', 'Pulled', 'Created', 'Started'].every((r) => reasons.has(r)) && list;
    });
    assert.ok(events.some((e) => e.message === 'Created container app' && e.involvedObject.name === 'web'));

    const uid = running.metadata!.uid!;
    await c.delete(Pods, 'web', 'default');
    await until('pod gone', async () => (await c.tryGet<Pod>(Pods, 'web', 'default')) === undefined);
    assert.equal([...runtime.sandboxes.values()].filter((s) => s.config.metadata.uid === uid).length, 0);
    const killing = await until('Killing event', async () => (await c.list<Event>(Events, { namespace: 'default' })).items.find((e) => e.reason === 'Killing'));
    assert.equal(killing.message, 'Stopping container app');
  } finally {
    ac.abort();
    await kubelet;
    await api.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
