import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event as CoreEvent, Node, Pod, Toleration } from 'kubernetes-types/core/v1';
import { Events, Nodes, Pods } from '../../apiserver/client/resources.ts';
import { FakeClock } from '../../apiserver/client/workqueue.ts';
import { rfc3339 } from '../../apiserver/api/time.ts';
import { harness, waitFor } from '../testing/harness.ts';
import { runWorkers } from '../../apiserver/client/controller.ts';
import { createTaintEvictionController } from './taint-eviction.ts';

const START = Date.parse('2026-12-01T10:00:00Z');
const unreachable = (seconds?: number): Toleration => ({ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', ...(seconds !== undefined ? { tolerationSeconds: seconds } : {}) });

test('pods on a NoExecute-tainted node are deleted when their toleration runs out, at once without one, never with an unbounded one', async () => {
  const clock = new FakeClock(START);
  const h = harness({ now: () => clock.now() });
  const c = h.client;
  await c.create<Node>(Nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
  const mkPod = (name: string, tolerations: Toleration[]): Promise<Pod> =>
    c.create<Pod>(Pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns' }, spec: { nodeName: 'n1', tolerations, containers: [{ name: 'c', image: 'nginx' }] } }, 'ns');
  await mkPod('short', [unreachable(2)]);
  await mkPod('default', []); // admission adds the 300 s defaults
  await mkPod('forever', [unreachable()]);
  await mkPod('untolerated', []); // tolerates unreachable (default), not the maintenance taint below
  const ctl = createTaintEvictionController(h.deps, clock);
  const nodes = h.deps.informers.for<Node>(Nodes);
  await h.start();
  try {
    const deleted = async (name: string): Promise<boolean> => {
      const p = await c.tryGet<Pod>(Pods, name, 'ns');
      return !p || Boolean(p.metadata?.deletionTimestamp);
    };
    // No taint: nothing to do.
    assert.equal(await ctl.reconcile('ns/short'), undefined);

    await c.patch(Nodes, 'n1', 'merge', { spec: { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: rfc3339(clock.now()) }] } });
    await waitFor('taint seen', () => (nodes.get('n1')?.spec?.taints ?? []).length === 1);
    assert.deepEqual(await ctl.reconcile('ns/short'), { requeueAfterMs: 2_000 });
    assert.deepEqual(await ctl.reconcile('ns/default'), { requeueAfterMs: 300_000 });
    assert.equal(await ctl.reconcile('ns/forever'), undefined);
    assert.deepEqual(await ctl.reconcile('ns/untolerated'), { requeueAfterMs: 300_000 });
    for (const n of ['short', 'default', 'forever', 'untolerated']) assert.equal(await deleted(n), false, n);

    clock.advance(1_999);
    assert.deepEqual(await ctl.reconcile('ns/short'), { requeueAfterMs: 1 });
    clock.advance(1);
    await ctl.reconcile('ns/short');
    assert.equal(await deleted('short'), true);
    const short = await c.tryGet<Pod>(Pods, 'short', 'ns');
    assert.deepEqual(short?.status?.conditions?.find((x) => x.type === 'DisruptionTarget'),
      { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint', lastTransitionTime: rfc3339(START + 2_000) });

    // A second NoExecute taint nobody tolerates: evicted at once.
    await c.patch(Nodes, 'n1', 'merge', { spec: { taints: [...(nodes.get('n1')?.spec?.taints ?? []), { key: 'example.com/maintenance', effect: 'NoExecute' }] } });
    await waitFor('second taint seen', () => (nodes.get('n1')?.spec?.taints ?? []).length === 2);
    await ctl.reconcile('ns/untolerated');
    assert.equal(await deleted('untolerated'), true);
    assert.equal(await deleted('forever'), false, 'tolerates unreachable forever, but not maintenance');
    await ctl.reconcile('ns/forever');
    assert.equal(await deleted('forever'), true);

    // The node recovers: the scheduled deletion of `default` is cancelled.
    await c.patch(Nodes, 'n1', 'merge', { spec: { taints: [] } });
    await waitFor('taints gone', () => (nodes.get('n1')?.spec?.taints ?? []).length === 0);
    assert.equal(await ctl.reconcile('ns/default'), undefined);
    clock.advance(400_000);
    await ctl.reconcile('ns/default');
    assert.equal(await deleted('default'), false);

    await h.recorder.flush();
    const events = (await c.list<CoreEvent>(Events, { namespace: 'ns' })).items.map((e) => `${e.reason}:${e.message}`);
    assert.deepEqual(events.filter((e) => e.startsWith('TaintManagerEviction')).sort(), [
      'TaintManagerEviction:Cancelling deletion of Pod ns/default',
      'TaintManagerEviction:Marking for deletion Pod ns/forever',
      'TaintManagerEviction:Marking for deletion Pod ns/short',
      'TaintManagerEviction:Marking for deletion Pod ns/untolerated',
    ]);
  } finally {
    h.stop();
  }
});

test('workers: a timed eviction fires from the queue on the injected clock', async () => {
  const clock = new FakeClock(START);
  const h = harness({ now: () => clock.now() });
  const c = h.client;
  await c.create<Node>(Nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, spec: { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: rfc3339(START) }] } });
  await c.create<Pod>(Pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' }, spec: { nodeName: 'n1', tolerations: [unreachable(5)], containers: [{ name: 'c', image: 'nginx' }] } }, 'ns');
  const ac = new AbortController();
  const ctl = createTaintEvictionController(h.deps, clock);
  await h.start();
  const running = runWorkers(ctl.queue, 1, (k) => ctl.reconcile(k), ac.signal, h.deps.log);
  try {
    await waitFor('scheduled', () => clock.pending() > 0);
    assert.equal((await c.get<Pod>(Pods, 'p', 'ns')).metadata?.deletionTimestamp, undefined);
    clock.advance(5_000);
    await waitFor('evicted', async () => {
      const p = await c.tryGet<Pod>(Pods, 'p', 'ns');
      return !p || Boolean(p.metadata?.deletionTimestamp);
    });
  } finally {
    ac.abort();
    await running;
    h.stop();
  }
});
