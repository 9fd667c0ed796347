import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { createWorkQueue } from './workqueue.ts';
import { prometheusWorkQueueMetrics } from './workqueue-metrics.ts';

async function value(registry: Registry, metric: string, name: string): Promise<number | undefined> {
  const m = await registry.getSingleMetric(metric)?.get();
  return m?.values.find((v) => v.labels.name === name)?.value;
}

test('adds count only new keys; depth follows the queue through add, get and shutDown', async () => {
  const registry = new Registry();
  const queue = createWorkQueue<string>({ metrics: prometheusWorkQueueMetrics(registry).forQueue('replicaset') });
  assert.equal(await value(registry, 'workqueue_depth', 'replicaset'), 0);
  queue.add('ns/a');
  queue.add('ns/a');
  queue.add('ns/b');
  assert.equal(await value(registry, 'workqueue_adds_total', 'replicaset'), 2);
  assert.equal(await value(registry, 'workqueue_depth', 'replicaset'), 2);
  const k = await queue.get();
  assert.equal(k, 'ns/a');
  assert.equal(await value(registry, 'workqueue_depth', 'replicaset'), 1);
  queue.add('ns/a'); // re-added while processing: counted, queued again on done
  assert.equal(await value(registry, 'workqueue_adds_total', 'replicaset'), 3);
  assert.equal(await value(registry, 'workqueue_depth', 'replicaset'), 1);
  queue.done('ns/a');
  assert.equal(await value(registry, 'workqueue_depth', 'replicaset'), 2);
  queue.shutDown();
  assert.equal(await value(registry, 'workqueue_depth', 'replicaset'), 0);
  const text = await registry.metrics();
  assert.match(text, /# TYPE workqueue_adds_total counter\nworkqueue_adds_total\{name="replicaset"\} 3/);
});

test('a waiting getter takes the key at once, so depth stays 0', async () => {
  const registry = new Registry();
  const queue = createWorkQueue<string>({ metrics: prometheusWorkQueueMetrics(registry).forQueue('gc') });
  const got = queue.get();
  queue.add('x');
  assert.equal(await got, 'x');
  assert.equal(await value(registry, 'workqueue_depth', 'gc'), 0);
  assert.equal(await value(registry, 'workqueue_adds_total', 'gc'), 1);
});
