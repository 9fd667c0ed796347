// The scheduler's metrics: the real scheduling loop over a FakeClient records one observation per
// attempt into scheduler_e2e_scheduling_duration_seconds / scheduler_scheduling_attempt_duration_seconds /
// scheduler_schedule_attempts_total with kube's labels, scheduler_pending_pods reads the queue at
// collect time, and the healthz server serves them on /metrics (loopback).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from 'kubernetes-types/core/v1';
import { Registry } from 'prom-client';
import { createEventRecorder } from '../apiserver/client/events.ts';
import { createInformer } from '../apiserver/client/informer.ts';
import { serveHealthz } from '../apiserver/client/controller.ts';
import { newComponentRegistry } from '../apiserver/client/metrics.ts';
import { Nodes, Pods } from '../apiserver/client/resources.ts';
import { FakeClient } from '../apiserver/testing/fake-client.ts';
import { quietLogger } from '../testutil/log.ts';
import { waitFor } from '../testutil/wait.ts';
import { exponentialBuckets, prometheusSchedulerMetrics } from './metrics.ts';
import { createScheduler } from './scheduler.ts';
import { makeNode, makePod } from './testing.ts';

const log = quietLogger('test');

/** Runs the scheduler over `c` (or `client` for writes) with metrics in `registry`. */
function start(c: FakeClient, registry: Registry, client: FakeClient = c) {
  const ac = new AbortController();
  const pods = createInformer<Pod>(c, Pods, {}, log);
  const nodes = createInformer<Node>(c, Nodes, {}, log);
  const recorder = createEventRecorder(c, 'default-scheduler', log);
  const metrics = prometheusSchedulerMetrics(registry);
  const sched = createScheduler({
    client, pods, nodes, schedulerName: 'default-scheduler', recorder, log, metrics,
    queue: { initialBackoffMs: 10, maxBackoffMs: 50, flushIntervalMs: 5 },
  });
  metrics.pendingPodsFrom(() => sched.queue.sizes());
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
  };
}

/** The value of sample `name` with exactly `labels` in the registry (undefined if absent). */
async function sample(registry: Registry, metric: string, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === metric);
  const values: { value: number; labels: Partial<Record<string, string | number>>; metricName?: string }[] = m?.values ?? [];
  const v = values.find((s) => (s.metricName ?? metric) === name &&
    Object.keys(labels).every((k) => String(s.labels[k]) === labels[k]) &&
    Object.keys(s.labels).length === Object.keys(labels).length);
  return v?.value;
}

const until = <T>(what: string, check: () => Promise<T | undefined>): Promise<T> => waitFor(check, 3000, what, 5);

test('kube buckets: 1 ms doubling, 15 of them', () => {
  const b = exponentialBuckets(0.001, 2, 15);
  assert.equal(b.length, 15);
  assert.equal(b[0], 0.001);
  assert.equal(b[14], 16.384);
});

test('a bound pod and an unschedulable pod are each one attempt with their result; pending pods come from the queue', async () => {
  const c = new FakeClient();
  const registry = new Registry();
  await c.create(Nodes, makeNode('n1', { cpu: '2' }));
  await c.create(Pods, makePod('web', { cpu: '1' }));
  await c.create(Pods, makePod('big', { cpu: '4' }));
  const s = start(c, registry);
  try {
    const scheduled = { result: 'scheduled', profile: 'default-scheduler' };
    const unschedulable = { result: 'unschedulable', profile: 'default-scheduler' };
    await until('scheduled attempt counted', async () => (await sample(registry, 'scheduler_schedule_attempts_total', 'scheduler_schedule_attempts_total', scheduled)) === 1 || undefined);
    await until('unschedulable attempt counted', async () => (await sample(registry, 'scheduler_schedule_attempts_total', 'scheduler_schedule_attempts_total', unschedulable)) === 1 || undefined);
    for (const h of ['scheduler_e2e_scheduling_duration_seconds', 'scheduler_scheduling_attempt_duration_seconds']) {
      assert.equal(await sample(registry, h, `${h}_count`, scheduled), 1, `${h} scheduled`);
      assert.equal(await sample(registry, h, `${h}_count`, unschedulable), 1, `${h} unschedulable`);
      assert.equal(await sample(registry, h, `${h}_bucket`, { ...scheduled, le: '+Inf' }), 1);
    }
    assert.equal(await sample(registry, 'scheduler_schedule_attempts_total', 'scheduler_schedule_attempts_total', { result: 'error', profile: 'default-scheduler' }), undefined);
    await until('big waits in the pool', async () => s.sched.queue.snapshot().unschedulable.length === 1 || undefined);
    assert.equal(await sample(registry, 'scheduler_pending_pods', 'scheduler_pending_pods', { queue: 'unschedulable' }), 1);
    assert.equal(await sample(registry, 'scheduler_pending_pods', 'scheduler_pending_pods', { queue: 'active' }), 0);
    assert.equal(await sample(registry, 'scheduler_pending_pods', 'scheduler_pending_pods', { queue: 'backoff' }), 0);
    assert.equal(await sample(registry, 'scheduler_pending_pods', 'scheduler_pending_pods', { queue: 'gated' }), 0);
  } finally {
    await s.stop();
  }
});

test('the e2e duration includes the binding; a failed binding is an error attempt', async () => {
  const c = new FakeClient();
  const registry = new Registry();
  c.failOn('create', 'pods', new Error('connection reset'), { subresource: 'binding', times: 1 });
  await c.create(Nodes, makeNode('n1'));
  await c.create(Pods, makePod('p'));
  const slow = Object.create(c) as FakeClient;
  slow.createSubresource = async (...args: Parameters<FakeClient['createSubresource']>) => {
    await new Promise((r) => setTimeout(r, 60));
    return c.createSubresource(...args);
  };
  const s = start(c, registry, slow);
  try {
    const scheduled = { result: 'scheduled', profile: 'default-scheduler' };
    const error = { result: 'error', profile: 'default-scheduler' };
    const h = 'scheduler_e2e_scheduling_duration_seconds';
    await until('scheduled after a retry', async () => (await sample(registry, h, `${h}_count`, scheduled)) === 1 || undefined);
    assert.equal(await sample(registry, h, `${h}_count`, error), 1);
    assert.equal(await sample(registry, 'scheduler_schedule_attempts_total', 'scheduler_schedule_attempts_total', error), 1);
    const sum = await sample(registry, h, `${h}_sum`, scheduled);
    assert.ok(sum !== undefined && sum >= 0.05, `binding time counted: ${sum}`);
    assert.equal(await sample(registry, h, `${h}_bucket`, { ...scheduled, le: '0.032' }), 0, 'a 60 ms binding is above the 32 ms bucket');
  } finally {
    await s.stop();
  }
});

test('the healthz server serves the scheduler metrics on /metrics', async () => {
  const c = new FakeClient();
  const registry = newComponentRegistry();
  await c.create(Nodes, makeNode('n1'));
  await c.create(Pods, makePod('web'));
  const s = start(c, registry);
  const ac = new AbortController();
  try {
    const port = await serveHealthz(0, log, ac.signal, { host: '127.0.0.1', metrics: registry });
    const text = await until('attempt on /metrics', async () => {
      const t = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return /^scheduler_e2e_scheduling_duration_seconds_count\{result="scheduled",profile="default-scheduler"\} 1$/m.test(t) ? t : undefined;
    });
    assert.match(text, /^scheduler_scheduling_attempt_duration_seconds_bucket\{le="0\.001",result="scheduled",profile="default-scheduler"\} \d+$/m);
    assert.match(text, /^scheduler_schedule_attempts_total\{result="scheduled",profile="default-scheduler"\} 1$/m);
    assert.match(text, /^scheduler_pending_pods\{queue="active"\} 0$/m);
    assert.match(text, /^scheduler_pending_pods\{queue="gated"\} 0$/m);
    assert.match(text, /^process_resident_memory_bytes \d+/m);
  } finally {
    ac.abort();
    await s.stop();
  }
});
