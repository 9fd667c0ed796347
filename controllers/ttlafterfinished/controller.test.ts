import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Job } from 'kubernetes-types/batch/v1';
import { Jobs } from '../../apiserver/client/resources.ts';
import { createTTLAfterFinishedController } from './controller.ts';
import { harness, waitFor } from '../testing/harness.ts';

const T0 = Date.parse('2026-06-01T00:00:00Z');

test('ttl-after-finished: waits for the TTL, then deletes the finished Job; leaves running Jobs', async () => {
  let now = T0;
  const h = harness({ now: () => now });
  try {
    const spec = { ttlSecondsAfterFinished: 30, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'i' }] } } };
    for (const name of ['done', 'running']) await h.client.create<Job>(Jobs, { apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: 'default' }, spec });
    await h.client.patch(Jobs, 'done', 'merge', { status: { conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: '2026-06-01T00:00:00Z' }] } }, 'default', 'status');
    const c = createTTLAfterFinishedController(h.deps, { now: () => now });
    await h.start();
    await waitFor('finished job enqueued', () => c.queue.len() > 0);
    now = T0 + 10_000;
    assert.deepEqual(await c.reconcile('default/done'), { requeueAfterMs: 20_000 });
    assert.equal(await c.reconcile('default/running'), undefined);
    now = T0 + 30_000;
    await c.reconcile('default/done');
    const left = (await h.client.list<Job>(Jobs, { namespace: 'default' })).items;
    // Foreground: the Job is gone, or waits for the garbage collector with the foregroundDeletion finalizer.
    const done = left.find((j) => j.metadata?.name === 'done');
    assert.ok(!done || done.metadata?.deletionTimestamp, 'the expired Job is deleted');
    assert.ok(left.some((j) => j.metadata?.name === 'running' && !j.metadata?.deletionTimestamp));
  } finally {
    h.stop();
  }
});
