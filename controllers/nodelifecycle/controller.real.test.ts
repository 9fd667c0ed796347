/**
 * Node lifecycle end to end on the real API server and etcd, with the
 * controller manager (node lifecycle, taint eviction, ReplicaSet) and the
 * scheduler running, and the test playing two kubelets (Leases renewed every
 * 200 ms). When node `dead` stops renewing its Lease it turns Ready=Unknown
 * with the unreachable taints within the (shortened) grace period; its pods
 * are deleted when their tolerations run out — checked through the
 * DisruptionTarget condition's time against the taint's timeAdded, never by
 * sleeping — and the ReplicaSet's replacements land on the healthy node.
 * Once the Lease is renewed and Ready=True posted again, the taints go.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReplicaSet } from 'kubernetes-types/apps/v1';
import type { Lease } from 'kubernetes-types/coordination/v1';
import type { Event as CoreEvent, Node, NodeCondition, Pod, Taint } from 'kubernetes-types/core/v1';
import { Events, Leases, Nodes, Pods, ReplicaSets } from '../../apiserver/client/resources.ts';
import type { ApiClient } from '../../apiserver/client/types.ts';
import { microTime, rfc3339 } from '../../apiserver/api/time.ts';
import { runScheduler } from '../../scheduler/main.ts';
import { quietLogger, startApiServerOrSkip } from '../../testutil/real-api.ts';
import { runControllerManager } from '../main.ts';
import { waitFor } from '../testing/harness.ts';

const GRACE_MS = 3_000;
const LEASE_NS = 'kube-node-lease';

function readyConditions(nowMs: number): NodeCondition[] {
  const c = (type: string, status: string, reason: string): NodeCondition => ({ type, status, reason, message: reason, lastHeartbeatTime: rfc3339(nowMs), lastTransitionTime: rfc3339(nowMs) });
  return [c('MemoryPressure', 'False', 'KubeletHasSufficientMemory'), c('DiskPressure', 'False', 'KubeletHasNoDiskPressure'), c('PIDPressure', 'False', 'KubeletHasSufficientPID'), c('Ready', 'True', 'KubeletReady')];
}

async function postStatus(client: ApiClient, name: string): Promise<void> {
  const capacity = { cpu: '4', memory: '8Gi', pods: '110' };
  await client.patch(Nodes, name, 'merge', { status: { capacity, allocatable: capacity, conditions: readyConditions(Date.now()) } }, undefined, 'status');
}

async function renewLease(client: ApiClient, name: string): Promise<void> {
  const spec = { holderIdentity: name, leaseDurationSeconds: 40, renewTime: microTime(Date.now()) };
  const l = await client.tryGet<Lease>(Leases, name, LEASE_NS);
  if (l) await client.update<Lease>(Leases, { ...l, spec: { ...l.spec, ...spec } }, LEASE_NS);
  else await client.create<Lease>(Leases, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: LEASE_NS }, spec }, LEASE_NS);
}

const ms = (t: string | undefined): number => Date.parse(t ?? '');
const noExecute = (n: Node): Taint | undefined => n.spec?.taints?.find((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute');

test('node lifecycle on the real API server: Lease silence → Unknown + taints → timed evictions → replacements on the healthy node → recovery', { timeout: 120_000 }, async (t) => {
  const api = await startApiServerOrSkip(t);
  if (!api) return;
  const client = api.client;
  const ac = new AbortController();
  const kubelets = new AbortController();
  const cm = runControllerManager({
    apiUrl: api.url, clusterCIDR: '10.244.0.0/16', nodeCIDRMaskSize: 24, healthzPort: 0, log: quietLogger('cm'),
    controllers: ['nodelifecycle', 'taint-eviction-controller', 'replicaset'],
    nodeMonitorGracePeriodMs: GRACE_MS, nodeMonitorPeriodMs: 500,
  }, ac.signal);
  const sched = runScheduler({ apiUrl: api.url, healthzPort: 0, log: quietLogger('scheduler') }, ac.signal);
  const beating = new Set(['alive', 'dead']);
  const lastBeat = new Map<string, number>();
  try {
    // `alive` starts cordoned so that the ReplicaSet's first pods all land on `dead`.
    await client.create<Node>(Nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'alive', labels: { 'kubernetes.io/hostname': 'alive' } }, spec: { unschedulable: true } });
    await client.create<Node>(Nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'dead', labels: { 'kubernetes.io/hostname': 'dead' } } });
    for (const n of beating) {
      await postStatus(client, n);
      await renewLease(client, n);
    }
    void (async () => {
      while (!kubelets.signal.aborted) {
        for (const n of beating) {
          await renewLease(client, n).then(() => lastBeat.set(n, Date.now()), () => undefined);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    })();

    const unreachable = (seconds: number) => [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds }];
    await client.create<ReplicaSet>(ReplicaSets, {
      apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web', namespace: 'default' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { tolerations: unreachable(1), containers: [{ name: 'c', image: 'nginx' }] } } },
    }, 'default');
    for (const [name, seconds] of [['short', 2], ['long', 6]] as const) {
      await client.create<Pod>(Pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName: 'dead', tolerations: unreachable(seconds), containers: [{ name: 'c', image: 'nginx' }] } }, 'default');
    }
    const webPods = async (): Promise<Pod[]> => (await client.list<Pod>(Pods, { namespace: 'default', labelSelector: 'app=web' })).items;
    await waitFor('web pods bound to dead', async () => {
      const ps = await webPods();
      return ps.length === 2 && ps.every((p) => p.spec?.nodeName === 'dead');
    }, 20_000);
    // DefaultTolerationSeconds admission: the pod's own unreachable toleration kept, not-ready 300 s added.
    assert.deepEqual((await client.get<Pod>(Pods, 'short', 'default')).spec?.tolerations, [
      ...unreachable(2), { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
    // The cordoned node carries the unschedulable taint; uncordoning removes it.
    await waitFor('alive tainted unschedulable', async () => ((await client.get<Node>(Nodes, 'alive')).spec?.taints ?? []).some((x) => x.key === 'node.kubernetes.io/unschedulable'), 10_000);
    await client.patch(Nodes, 'alive', 'merge', { spec: { unschedulable: false } });
    await waitFor('alive untainted', async () => ((await client.get<Node>(Nodes, 'alive')).spec?.taints ?? []).length === 0, 10_000);
    assert.equal((await client.get<Node>(Nodes, 'dead')).spec?.taints, undefined, 'a healthy node is not tainted');

    // `dead` goes silent.
    beating.delete('dead');
    await new Promise((r) => setTimeout(r, 250)); // let an in-flight renewal finish
    const silentFrom = lastBeat.get('dead') ?? Date.now();
    let dead: Node | undefined;
    await waitFor('dead is Unknown and tainted', async () => {
      dead = await client.get<Node>(Nodes, 'dead');
      return dead.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'Unknown' && noExecute(dead) !== undefined;
    }, GRACE_MS + 10_000);
    assert.ok(dead);
    const ready = dead.status?.conditions?.find((c) => c.type === 'Ready');
    assert.deepEqual([ready?.reason, ready?.message], ['NodeStatusUnknown', 'Kubelet stopped posting node status.']);
    const unknownAt = ms(ready?.lastTransitionTime);
    // Not before the grace period ran out (seconds precision: 1 s slack), and not long after (monitor period + slack).
    assert.ok(unknownAt >= silentFrom + GRACE_MS - 1_000, `Unknown at ${ready?.lastTransitionTime}, silent since ${new Date(silentFrom).toISOString()}`);
    assert.ok(unknownAt <= silentFrom + GRACE_MS + 3_000, `Unknown at ${ready?.lastTransitionTime}, silent since ${new Date(silentFrom).toISOString()}`);
    assert.deepEqual(dead.spec?.taints?.map((x) => `${x.key}:${x.effect}`), ['node.kubernetes.io/unreachable:NoSchedule', 'node.kubernetes.io/unreachable:NoExecute']);
    const taintedAt = ms(noExecute(dead)?.timeAdded);
    assert.equal((await client.get<Node>(Nodes, 'alive')).status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True', 'the renewing node stays Ready');

    // Timed evictions: each pod is deleted once its toleration ran out, not before.
    const evictedAt = async (name: string): Promise<number | undefined> => {
      const p = await client.get<Pod>(Pods, name, 'default');
      if (!p.metadata?.deletionTimestamp) return undefined;
      return ms(p.status?.conditions?.find((c) => c.type === 'DisruptionTarget' && c.reason === 'DeletionByTaintManager')?.lastTransitionTime);
    };
    await waitFor('short and long evicted', async () => (await evictedAt('short')) !== undefined && (await evictedAt('long')) !== undefined, 20_000);
    const shortAt = (await evictedAt('short')) ?? 0;
    const longAt = (await evictedAt('long')) ?? 0;
    assert.ok(shortAt - taintedAt >= 2_000 && shortAt - taintedAt <= 4_000, `short evicted ${shortAt - taintedAt} ms after the taint`);
    assert.ok(longAt - taintedAt >= 6_000 && longAt - taintedAt <= 8_000, `long evicted ${longAt - taintedAt} ms after the taint`);

    // The ReplicaSet replaces its evicted pods, and the scheduler puts them on the healthy node.
    await waitFor('replacements on alive', async () => {
      const live = (await webPods()).filter((p) => !p.metadata?.deletionTimestamp);
      return live.length === 2 && live.every((p) => p.spec?.nodeName === 'alive');
    }, 20_000);
    assert.equal((await webPods()).filter((p) => p.metadata?.deletionTimestamp && p.spec?.nodeName === 'dead').length, 2, 'the old pods are terminating on dead');

    const events = (await client.list<CoreEvent>(Events, { namespace: 'default' })).items.map((e) => `${e.source?.component}:${e.reason}:${e.message}`);
    assert.ok(events.includes('taint-eviction-controller:TaintManagerEviction:Marking for deletion Pod default/short'), events.join('\n'));

    // Recovery: the kubelet posts Ready=True and renews again; the taints go.
    await postStatus(client, 'dead');
    beating.add('dead');
    await waitFor('dead untainted', async () => ((await client.get<Node>(Nodes, 'dead')).spec?.taints ?? []).length === 0, 10_000);
    assert.equal((await client.get<Node>(Nodes, 'dead')).status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  } finally {
    kubelets.abort();
    ac.abort();
    await cm.catch(() => undefined);
    await sched.catch(() => undefined);
    await api.stop();
  }
});
