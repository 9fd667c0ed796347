import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease } from 'kubernetes-types/coordination/v1';
import type { Event as CoreEvent, Node, NodeCondition, Pod } from 'kubernetes-types/core/v1';
import { Events, Leases, Nodes, Pods } from '../../apiserver/client/resources.ts';
import { FakeClock } from '../../apiserver/client/workqueue.ts';
import { microTime, rfc3339 } from '../../apiserver/api/time.ts';
import { harness, waitFor } from '../testing/harness.ts';
import { createNodeLifecycleController, NODE_LEASE_NAMESPACE } from './controller.ts';

const START = Date.parse('2026-12-01T10:00:00Z');

function kubeletConditions(nowMs: number): NodeCondition[] {
  const c = (type: string, status: string): NodeCondition => ({ type, status, reason: 'Kubelet', message: 'ok', lastHeartbeatTime: rfc3339(nowMs), lastTransitionTime: rfc3339(nowMs) });
  return [c('MemoryPressure', 'False'), c('DiskPressure', 'False'), c('PIDPressure', 'False'), c('Ready', 'True')];
}

test('a node whose Lease stops being renewed goes Unknown and tainted after the grace period; a renewal keeps it healthy; Ready again removes the taints', async () => {
  const clock = new FakeClock(START);
  const h = harness({ now: () => clock.now(), namespaces: ['ns', NODE_LEASE_NAMESPACE] });
  h.deps.config = { ...h.deps.config, nodeMonitorGracePeriodMs: 40_000 };
  const c = h.client;
  await c.create<Node>(Nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, spec: { taints: [{ key: 'gpu', effect: 'NoSchedule' }] } });
  await c.patch(Nodes, 'n1', 'merge', { status: { conditions: kubeletConditions(clock.now()) } }, undefined, 'status');
  // A second node that stays Ready (else the controller would be in disruption mode: see the next test).
  await c.create<Node>(Nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n2' } });
  await c.patch(Nodes, 'n2', 'merge', { status: { conditions: kubeletConditions(clock.now()) } }, undefined, 'status');
  const renew = async (): Promise<void> => {
    const l = await c.tryGet<Lease>(Leases, 'n1', NODE_LEASE_NAMESPACE);
    const lease: Lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'n1', namespace: NODE_LEASE_NAMESPACE, resourceVersion: l?.metadata?.resourceVersion }, spec: { holderIdentity: 'n1', leaseDurationSeconds: 40, renewTime: microTime(clock.now()) } };
    if (l) await c.update(Leases, lease, NODE_LEASE_NAMESPACE);
    else await c.create(Leases, lease, NODE_LEASE_NAMESPACE);
  };
  await renew();
  await c.create<Pod>(Pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'ns' }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'nginx' }] } }, 'ns');
  await c.patch(Pods, 'web', 'merge', { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: rfc3339(clock.now()) }] } }, 'ns', 'status');

  const ctl = createNodeLifecycleController(h.deps, clock);
  const leaseInf = h.deps.informers.for<Lease>(Leases, { namespace: NODE_LEASE_NAMESPACE });
  const nodeInf = h.deps.informers.for<Node>(Nodes);
  const podInf = h.deps.informers.for<Pod>(Pods);
  await h.start();
  try {
    const ready = async (): Promise<NodeCondition | undefined> => (await c.get<Node>(Nodes, 'n1')).status?.conditions?.find((x) => x.type === 'Ready');
    assert.deepEqual(await ctl.reconcile('n1'), { requeueAfterMs: 40_001 });

    // 30 s later the kubelet renews the Lease only: the grace starts again from the renewal.
    clock.advance(30_000);
    await renew();
    await waitFor('lease seen', () => leaseInf.get(`${NODE_LEASE_NAMESPACE}/n1`)?.spec?.renewTime === microTime(clock.now()));
    await ctl.reconcile('n1');
    clock.advance(39_000);
    await ctl.reconcile('n1');
    assert.equal((await ready())?.status, 'True', '69 s after the status post, 39 s after the renewal');

    // Then silence: 41 s after the renewal the node is Unknown.
    clock.advance(2_000);
    await ctl.reconcile('n1');
    const unknownAt = clock.now();
    assert.deepEqual(await ready(), {
      type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.',
      lastHeartbeatTime: rfc3339(START), lastTransitionTime: rfc3339(unknownAt),
    });
    const tainted = await c.get<Node>(Nodes, 'n1');
    assert.deepEqual(tainted.spec?.taints, [
      { key: 'gpu', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: rfc3339(unknownAt) },
    ]);
    // Its pods are marked not Ready (MarkPodsNotReady).
    await waitFor('node seen Unknown', () => nodeInf.get('n1')?.status?.conditions?.find((x) => x.type === 'Ready')?.status === 'Unknown');
    await waitFor('taints seen', () => (nodeInf.get('n1')?.spec?.taints ?? []).length === 3);
    await ctl.reconcile('n1');
    const web = await c.get<Pod>(Pods, 'web', 'ns');
    assert.deepEqual(web.status?.conditions?.find((x) => x.type === 'Ready'), { type: 'Ready', status: 'False', lastTransitionTime: rfc3339(unknownAt) });
    // Reconciling again writes nothing (level-based, idempotent).
    await waitFor('pod seen not ready', () => podInf.get('ns/web')?.status?.conditions?.find((x) => x.type === 'Ready')?.status === 'False');
    c.clearActions();
    clock.advance(5_000);
    await ctl.reconcile('n1');
    assert.deepEqual(c.actions.filter((a) => a.verb !== 'get' && a.verb !== 'list' && a.verb !== 'watch'), []);

    // The kubelet comes back: a status post with Ready=True. The taints go, the foreign one stays.
    await c.patch(Nodes, 'n1', 'merge', { status: { conditions: kubeletConditions(clock.now()) } }, undefined, 'status');
    await renew();
    await waitFor('node seen Ready', () => nodeInf.get('n1')?.status?.conditions?.find((x) => x.type === 'Ready')?.status === 'True');
    await ctl.reconcile('n1');
    assert.deepEqual((await c.get<Node>(Nodes, 'n1')).spec?.taints, [{ key: 'gpu', effect: 'NoSchedule' }]);

    await h.recorder.flush();
    const events = (await c.list<CoreEvent>(Events)).items.map((e) => `${e.involvedObject?.kind}/${e.involvedObject?.name}:${e.reason}:${e.message}`);
    assert.ok(events.includes('Node/n1:NodeNotReady:Node n1 status is now: NodeNotReady'), events.join('\n'));
    assert.ok(events.includes('Pod/web:NodeNotReady:Node is not ready'), events.join('\n'));
  } finally {
    h.stop();
  }
});

test('a node that never posted status gets the startup grace, then NodeStatusNeverUpdated conditions; NoExecute waits until some node is Ready', async () => {
  const clock = new FakeClock(START);
  const h = harness({ now: () => clock.now() });
  h.deps.config = { ...h.deps.config, nodeStartupGracePeriodMs: 60_000 };
  await h.client.create<Node>(Nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'mute' } });
  const ctl = createNodeLifecycleController(h.deps, clock);
  await h.start();
  try {
    await ctl.reconcile('mute');
    clock.advance(59_000);
    await ctl.reconcile('mute');
    assert.equal((await h.client.get<Node>(Nodes, 'mute')).status?.conditions, undefined);
    clock.advance(2_000);
    await ctl.reconcile('mute');
    const n = await h.client.get<Node>(Nodes, 'mute');
    assert.deepEqual(n.status?.conditions?.map((x) => `${x.type}=${x.status}/${x.reason}`), [
      'Ready=Unknown/NodeStatusNeverUpdated', 'MemoryPressure=Unknown/NodeStatusNeverUpdated', 'DiskPressure=Unknown/NodeStatusNeverUpdated', 'PIDPressure=Unknown/NodeStatusNeverUpdated',
    ]);
    // The only node is down: disruption mode, no NoExecute taint (nothing is evicted).
    assert.deepEqual(n.spec?.taints?.map((t) => `${t.key}:${t.effect}`), ['node.kubernetes.io/unreachable:NoSchedule']);
    // A Ready node joins: the silent one now gets its NoExecute taint.
    await h.client.create<Node>(Nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'ok' } });
    await h.client.patch(Nodes, 'ok', 'merge', { status: { conditions: kubeletConditions(clock.now()) } }, undefined, 'status');
    const nodeInf = h.deps.informers.for<Node>(Nodes);
    await waitFor('ok seen Ready', () => nodeInf.get('ok')?.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') === true);
    await ctl.reconcile('mute');
    assert.deepEqual((await h.client.get<Node>(Nodes, 'mute')).spec?.taints?.map((t) => `${t.key}:${t.effect}`), ['node.kubernetes.io/unreachable:NoSchedule', 'node.kubernetes.io/unreachable:NoExecute']);
  } finally {
    h.stop();
  }
});
