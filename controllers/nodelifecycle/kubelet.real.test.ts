/**
 * The node lifecycle with Skiff's own kubelet (runKubelet over the
 * FakeRuntime) on the real API server and etcd. First the kubelet's link is
 * cut (its ApiClient fails every new request; a watch already open keeps
 * delivering): after the grace period its node is Ready=Unknown and tainted
 * unreachable, and its Running pod is marked not Ready (but, tolerating
 * 300 s by default, not evicted); the link heals → the kubelet's next status
 * post sets Ready=True, the taints go, and the still-running kubelet reports
 * the pod Ready again (its status manager notices the API's Ready=False).
 * Then the kubelet process stops and starts again: the same, from a fresh
 * kubelet.
 */
import { setMaxListeners } from 'node:events';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Lease } from 'kubernetes-types/coordination/v1';
import type { ApiClient } from '../../apiserver/client/types.ts';
import type { Node, NodeCondition, Pod } from 'kubernetes-types/core/v1';
import { Leases, Nodes, Pods } from '../../apiserver/client/resources.ts';
import { microTime, rfc3339 } from '../../apiserver/api/time.ts';
import { FakeRuntime } from '../../kubelet/cri/fake.ts';
import { runKubelet, type KubeletOptions } from '../../kubelet/main.ts';
import { freePort } from '../../testutil/etcd.ts';
import { quietLogger, startApiServerOrSkip } from '../../testutil/real-api.ts';
import { waitFor } from '../../testutil/wait.ts';
import { runControllerManager } from '../main.ts';

/** Above the kubelet's 10 s heartbeat period, so a running kubelet never goes Unknown. */
const GRACE_MS = 12_000;

const until = <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> => waitFor(() => fn(), timeoutMs, what, 100);
/** `client`, except that while `link.cut` every call rejects as a dead network would. */
function cuttable(client: ApiClient, link: { cut: boolean }): ApiClient {
  return new Proxy(client, {
    get(target, prop, receiver) {
      const v: unknown = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]): unknown => (link.cut ? Promise.reject(new Error('connect EHOSTUNREACH (link cut by the test)')) : (v as (...a: unknown[]) => unknown).apply(target, args));
    },
  });
}

const readyOf = (o: { status?: { conditions?: Array<{ type: string; status: string }> } }): string | undefined => o.status?.conditions?.find((c) => c.type === 'Ready')?.status;

test('kubelet cut off, then stopped → node Unknown, tainted, pod not Ready; back → Ready, untainted, pod Ready', { timeout: 120_000 }, async (t) => {
  const api = await startApiServerOrSkip(t);
  if (!api) return;
  const c = api.client;
  const dir = await mkdtemp(join(tmpdir(), 'skiff-nodelife-kubelet-'));
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  const cm = runControllerManager({
    apiUrl: api.url, clusterCIDR: '10.244.0.0/16', nodeCIDRMaskSize: 24, healthzPort: 0, log: quietLogger('cm'),
    controllers: ['nodelifecycle', 'taint-eviction-controller'], nodeMonitorGracePeriodMs: GRACE_MS, nodeMonitorPeriodMs: 500,
  }, stop.signal);
  const runtime = new FakeRuntime();
  const link = { cut: false };
  const opts: KubeletOptions = {
    apiUrl: api.url, nodeName: 'node-a', nodeIP: '10.1.2.3', containerdSocket: '/nonexistent.sock', rootDir: join(dir, 'kubelet'),
    cniBinDir: '/usr/lib/cni', cniConfDir: join(dir, 'net.d'), port: await freePort(), healthzPort: await freePort(), log: quietLogger('kubelet'),
    client: cuttable(c, link), runtime, manageCgroups: false,
  };
  let kubeletStop = new AbortController();
  let kubelet = runKubelet(opts, kubeletStop.signal);
  try {
    // Another node stays Ready throughout (with no Ready node the controller withholds NoExecute taints).
    const now = Date.now();
    const cond = (type: string, status: string): NodeCondition => ({ type, status, reason: 'r', message: 'm', lastHeartbeatTime: rfc3339(now), lastTransitionTime: rfc3339(now) });
    await c.create<Node>(Nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'other' } });
    await c.patch(Nodes, 'other', 'merge', { status: { conditions: [cond('Ready', 'True')] } }, undefined, 'status');
    void (async () => {
      while (!stop.signal.aborted) {
        const spec = { holderIdentity: 'other', leaseDurationSeconds: 40, renewTime: microTime(Date.now()) };
        const l = await c.tryGet<Lease>(Leases, 'other', 'kube-node-lease').catch(() => undefined);
        await (l ? c.update<Lease>(Leases, { ...l, spec }, 'kube-node-lease')
          : c.create<Lease>(Leases, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'other', namespace: 'kube-node-lease' }, spec }, 'kube-node-lease')).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 500));
      }
    })();

    await until('node-a Ready', async () => readyOf(await c.get<Node>(Nodes, 'node-a')) === 'True');
    await c.patch(Nodes, 'node-a', 'merge', { spec: { podCIDR: '10.244.5.0/24', podCIDRs: ['10.244.5.0/24'] } });
    await c.create<Pod>(Pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec: { nodeName: 'node-a', containers: [{ name: 'app', image: 'busybox:1.0' }] } }, 'default');
    await until('web Ready', async () => readyOf(await c.get<Pod>(Pods, 'web', 'default')) === 'True');
    assert.equal((await c.get<Node>(Nodes, 'node-a')).spec?.taints, undefined, 'a heartbeating node is not tainted');

    const goesDown = async (since: number): Promise<void> => {
      const down = await until('node-a Unknown and tainted', async () => {
        const n = await c.get<Node>(Nodes, 'node-a');
        return readyOf(n) === 'Unknown' && (n.spec?.taints ?? []).length === 2 && n;
      }, GRACE_MS + 20_000);
      assert.ok(Date.parse(down.status?.conditions?.find((x) => x.type === 'Ready')?.lastTransitionTime ?? '') <= since + GRACE_MS + 2_000, 'within the grace period of the last heartbeat');
      assert.deepEqual(down.spec?.taints?.map((x) => `${x.key}:${x.effect}`), ['node.kubernetes.io/unreachable:NoSchedule', 'node.kubernetes.io/unreachable:NoExecute']);
      const web = await until('web not Ready', async () => {
        const p = await c.get<Pod>(Pods, 'web', 'default');
        return readyOf(p) === 'False' && p;
      });
      assert.equal(web.metadata?.deletionTimestamp, undefined, 'the default 300 s toleration keeps it');
    };
    const comesBack = async (): Promise<void> => {
      await until('node-a Ready and untainted', async () => {
        const n = await c.get<Node>(Nodes, 'node-a');
        return readyOf(n) === 'True' && (n.spec?.taints ?? []).length === 0;
      });
      await until('web Ready again', async () => readyOf(await c.get<Pod>(Pods, 'web', 'default')) === 'True');
      assert.equal((await c.get<Pod>(Pods, 'web', 'default')).metadata?.deletionTimestamp, undefined);
    };

    // The link is cut, then heals; the kubelet keeps running throughout.
    link.cut = true;
    await goesDown(Date.now());
    link.cut = false;
    await comesBack();

    // The kubelet process stops, then starts again (same runtime: its containers are adopted).
    kubeletStop.abort();
    await kubelet;
    await goesDown(Date.now());
    kubeletStop = new AbortController();
    stop.signal.addEventListener('abort', () => kubeletStop.abort(), { once: true });
    kubelet = runKubelet(opts, kubeletStop.signal);
    await comesBack();
  } finally {
    kubeletStop.abort();
    stop.abort();
    await kubelet.catch(() => undefined);
    await cm.catch(() => undefined);
    await api.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
