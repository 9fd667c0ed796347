import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event, Node, Pod } from 'kubernetes-types/core/v1';
import { createEventRecorder } from '../apiserver/client/events.ts';
import { FakeClient } from '../apiserver/testing/fake-client.ts';
import { createInformer } from '../apiserver/client/informer.ts';
import { Events, Nodes, Pods } from '../apiserver/client/resources.ts';
import { createScheduler } from './scheduler.ts';
import { makeNode, makePod } from './testing.ts';
import { quietLogger } from '../testutil/log.ts';
import { waitFor } from '../testutil/wait.ts';

const log = quietLogger('test');

/** Starts a scheduler over a FakeClient with fast backoff; returns helpers. */
function start(c: FakeClient) {
  const ac = new AbortController();
  const pods = createInformer<Pod>(c, Pods, {}, log);
  const nodes = createInformer<Node>(c, Nodes, {}, log);
  const recorder = createEventRecorder(c, 'default-scheduler', log);
  const sched = createScheduler({
    client: c, pods, nodes, schedulerName: 'default-scheduler', recorder, log,
    queue: { initialBackoffMs: 10, maxBackoffMs: 50, flushIntervalMs: 5 },
  });
  pods.start(ac.signal);
  nodes.start(ac.signal);
  const done = sched.run(ac.signal);
  return {
    sched,
    async stop() {
      ac.abort();
      await done;
      await recorder.flush();
    },
    async events(): Promise<string[]> {
      await recorder.flush();
      return (await c.list<Event>(Events)).items.map((e) => `${e.involvedObject.name} ${e.type} ${e.reason} ${e.message}`);
    },
  };
}

/** Polls through the shared testutil waitFor (a throwing check counts as not yet). */
const until = (what: string, cond: () => Promise<boolean>): Promise<boolean> => waitFor(() => cond(), 3000, what, 5);

const nodeOf = async (c: FakeClient, name: string): Promise<string | undefined> => (await c.get<Pod>(Pods, name, 'default')).spec?.nodeName;

test('binds a pending pod and records Scheduled', async () => {
  const c = new FakeClient();
  await c.create(Nodes, makeNode('n1', { cpu: '2' }));
  await c.create(Pods, makePod('web', { cpu: '1' }));
  const s = start(c);
  await until('bound', async () => (await nodeOf(c, 'web')) === 'n1');
  const bind = c.actions.find((a) => a.subresource === 'binding');
  assert.deepEqual((bind?.body as { target?: unknown }).target, { apiVersion: 'v1', kind: 'Node', name: 'n1' });
  await until('event', async () => (await s.events()).length === 1);
  assert.deepEqual(await s.events(), ['web Normal Scheduled Successfully assigned default/web to n1']);
  await s.stop();
});

test('an unschedulable pod gets FailedScheduling and PodScheduled=False, then binds when a node with room appears', async () => {
  const c = new FakeClient();
  await c.create(Nodes, makeNode('small', { cpu: '2' }));
  await c.create(Pods, makePod('big', { cpu: '4' }));
  const s = start(c);
  const msg = '0/1 nodes are available: 1 Insufficient cpu.';
  await until('FailedScheduling', async () => (await s.events()).includes(`big Warning FailedScheduling ${msg}`));
  await until('condition', async () => {
    const cond = (await c.get<Pod>(Pods, 'big', 'default')).status?.conditions?.find((x) => x.type === 'PodScheduled');
    return cond?.status === 'False' && cond.reason === 'Unschedulable' && cond.message === msg;
  });
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(await nodeOf(c, 'big'), undefined);
  assert.deepEqual(s.sched.queue.snapshot().unschedulable, ['default/big'], 'waits in the pool, no busy retry');
  await c.create(Nodes, makeNode('large', { cpu: '8' }));
  await until('bound to the new node', async () => (await nodeOf(c, 'big')) === 'large');
  const cond = (await c.get<Pod>(Pods, 'big', 'default')).status?.conditions?.find((x) => x.type === 'PodScheduled');
  assert.equal(cond?.status, 'True');
  await s.stop();
});

test('assumed pods count before the informer catches up', async () => {
  const c = new FakeClient();
  await c.create(Nodes, makeNode('n1', { cpu: '2' }));
  await c.create(Pods, makePod('a', { cpu: '1500m' }));
  await c.create(Pods, makePod('b', { cpu: '1500m' }));
  const s = start(c);
  await until('one bound, one failed', async () => (await s.events()).length === 2);
  const bound = [await nodeOf(c, 'a'), await nodeOf(c, 'b')].filter(Boolean);
  assert.deepEqual(bound, ['n1']);
  assert.ok((await s.events()).some((e) => e.endsWith('FailedScheduling 0/1 nodes are available: 1 Insufficient cpu.')));
  // Deleting the bound pod frees the node and the other pod follows.
  const boundName = (await nodeOf(c, 'a')) ? 'a' : 'b';
  const other = boundName === 'a' ? 'b' : 'a';
  await c.delete(Pods, boundName, 'default', { gracePeriodSeconds: 0 });
  await until('other bound', async () => (await nodeOf(c, other)) === 'n1');
  await s.stop();
});

test('a failed binding is retried after backoff; pods of other schedulers are left alone', async () => {
  const c = new FakeClient();
  c.failOn('create', 'pods', new Error('connection reset'), { subresource: 'binding', times: 2 });
  await c.create(Nodes, makeNode('n1'));
  await c.create(Pods, makePod('p'));
  await c.create(Pods, makePod('theirs', { schedulerName: 'other-scheduler' }));
  const s = start(c);
  await until('bound after retries', async () => (await nodeOf(c, 'p')) === 'n1');
  assert.equal(c.actions.filter((a) => a.subresource === 'binding' && a.name === 'p').length, 3);
  assert.ok((await s.events()).some((e) => e.startsWith('p Warning FailedScheduling Binding rejected: connection reset')));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(await nodeOf(c, 'theirs'), undefined);
  assert.equal(c.actions.filter((a) => a.name === 'theirs' && (a.verb === 'patch' || a.subresource === 'binding')).length, 0);
  await s.stop();
});

test('cordoned and tainted nodes are avoided; uncordoning reschedules', async () => {
  const c = new FakeClient();
  await c.create(Nodes, makeNode('n1', { unschedulable: true }));
  await c.create(Nodes, makeNode('n2', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] }));
  await c.create(Pods, makePod('p'));
  const s = start(c);
  const msg = '0/2 nodes are available: 1 node(s) had untolerated taint {dedicated: db}, 1 node(s) were unschedulable.';
  await until('FailedScheduling', async () => (await s.events()).includes(`p Warning FailedScheduling ${msg}`));
  await c.patch(Nodes, 'n1', 'merge', { spec: { unschedulable: null } });
  await until('bound to n1', async () => (await nodeOf(c, 'p')) === 'n1');
  await s.stop();
});

test('bindings run asynchronously: the loop assumes the next pods while earlier bindings are in flight', async () => {
  const c = new FakeClient();
  await c.create(Nodes, makeNode('n1', { cpu: '4' }));
  for (const n of ['a', 'b', 'c']) await c.create(Pods, makePod(n, { cpu: '1' }));
  const gates: (() => void)[] = [];
  const gated = Object.create(c) as FakeClient;
  gated.createSubresource = async (...args: Parameters<FakeClient['createSubresource']>) => {
    await new Promise<void>((r) => gates.push(r));
    return c.createSubresource(...args);
  };
  const ac = new AbortController();
  const pods = createInformer<Pod>(c, Pods, {}, log);
  const nodes = createInformer<Node>(c, Nodes, {}, log);
  const recorder = createEventRecorder(c, 'default-scheduler', log);
  const sched = createScheduler({ client: gated, pods, nodes, schedulerName: 'default-scheduler', recorder, log, parallelBindings: 3 });
  pods.start(ac.signal);
  nodes.start(ac.signal);
  const done = sched.run(ac.signal);
  await until('three bindings in flight at once', async () => gates.length === 3);
  assert.deepEqual(sched.cache.stats(), { nodes: 1, pods: 3, assumed: 3 });
  assert.equal(sched.cache.nodeInfo('n1')?.requested.milliCpu, 3000, 'assumed pods count before any binding returns');
  for (const g of gates) g();
  await until('all bound', async () => (await Promise.all(['a', 'b', 'c'].map((n) => nodeOf(c, n)))).every((x) => x === 'n1'));
  await until('confirmed by the informer', async () => sched.cache.stats().assumed === 0);
  ac.abort();
  await done;
  await recorder.flush();
});
