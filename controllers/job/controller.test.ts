import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Job } from 'kubernetes-types/batch/v1';
import type { Pod } from 'kubernetes-types/core/v1';
import { Jobs, Pods } from '../../apiserver/client/resources.ts';
import { createJobController } from './controller.ts';
import { harness, waitFor } from '../testing/harness.ts';

const jobObj = (spec: Partial<NonNullable<Job['spec']>> = {}): Job => ({
  apiVersion: 'batch/v1', kind: 'Job',
  metadata: { name: 'pi', namespace: 'default' },
  spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } }, ...spec },
});

const list = async (h: ReturnType<typeof harness>): Promise<Pod[]> => (await h.client.list<Pod>(Pods, { namespace: 'default' })).items;
const setPhase = (h: ReturnType<typeof harness>, p: Pod, phase: string): Promise<unknown> =>
  h.client.patch(Pods, p.metadata?.name ?? '', 'merge', { status: { phase } }, 'default', 'status');

test('job controller: creates parallelism pods owned by the Job, never duplicates on a stale cache, completes', async () => {
  const h = harness();
  try {
    const job = await h.client.create<Job>(Jobs, jobObj({ completions: 2, parallelism: 2 }));
    const c = createJobController(h.deps);
    await h.start();
    h.client.pauseWatches();
    await c.reconcile('default/pi');
    await assert.rejects(c.reconcile('default/pi'), /the object has been modified/, 'a status write from the stale Job is a conflict, retried later');
    let pods = await list(h);
    assert.equal(pods.length, 2, 'expectations stop a second round while the cache lags');
    for (const p of pods) {
      assert.match(p.metadata?.name ?? '', /^pi-[a-z0-9]+$/);
      assert.equal(p.metadata?.labels?.['batch.kubernetes.io/job-name'], 'pi');
      assert.equal(p.metadata?.labels?.['batch.kubernetes.io/controller-uid'], job.metadata?.uid);
      assert.deepEqual(p.metadata?.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid: job.metadata?.uid, controller: true, blockOwnerDeletion: true }]);
    }
    h.client.closeWatches();
    await waitFor('creations seen', () => c.expectations.satisfied('default/pi'));
    for (const p of pods) await setPhase(h, p, 'Succeeded');
    await waitFor('pods succeeded in cache', async () => {
      await c.reconcile('default/pi');
      const j = await h.client.get<Job>(Jobs, 'pi', 'default');
      return j.status?.conditions?.some((x) => x.type === 'Complete' && x.status === 'True') === true;
    });
    const done = await h.client.get<Job>(Jobs, 'pi', 'default');
    assert.equal(done.status?.succeeded, 2);
    assert.ok(done.status?.completionTime);
    assert.deepEqual(done.status?.conditions?.map((x) => [x.type, x.status, x.reason]), [['SuccessCriteriaMet', 'True', 'CompletionsReached'], ['Complete', 'True', 'CompletionsReached']]);
    await c.reconcile('default/pi');
    pods = await list(h);
    assert.equal(pods.length, 2, 'a finished Job keeps its pods and creates no more');
  } finally {
    h.stop();
  }
});

test('job controller: backoffLimit 0 fails the Job with BackoffLimitExceeded; suspend deletes active pods', async () => {
  const h = harness();
  try {
    await h.client.create<Job>(Jobs, jobObj({ backoffLimit: 0 }));
    const c = createJobController(h.deps);
    await h.start();
    await c.reconcile('default/pi');
    const [p] = await list(h);
    assert.ok(p);
    await setPhase(h, p, 'Failed');
    await waitFor('failed', async () => {
      await c.reconcile('default/pi');
      return (await h.client.get<Job>(Jobs, 'pi', 'default')).status?.conditions?.some((x) => x.type === 'Failed') === true;
    });
    const failed = await h.client.get<Job>(Jobs, 'pi', 'default');
    assert.deepEqual([failed.status?.failed, failed.status?.conditions?.find((x) => x.type === 'Failed')?.reason], [1, 'BackoffLimitExceeded']);

    await h.client.create<Job>(Jobs, { ...jobObj({ parallelism: 2, completions: 4 }), metadata: { name: 'sus', namespace: 'default' } });
    await waitFor('job seen', () => c.queue.len() > 0);
    await waitFor('two pods', async () => {
      await c.reconcile('default/sus');
      return (await h.client.list<Pod>(Pods, { namespace: 'default', labelSelector: 'job-name=sus' })).items.length === 2;
    });
    await h.client.patch(Jobs, 'sus', 'merge', { spec: { suspend: true } }, 'default');
    await waitFor('suspended, pods gone', async () => {
      await c.reconcile('default/sus');
      const j = await h.client.get<Job>(Jobs, 'sus', 'default');
      const left = (await h.client.list<Pod>(Pods, { namespace: 'default', labelSelector: 'job-name=sus' })).items;
      return j.status?.conditions?.some((x) => x.type === 'Suspended' && x.status === 'True') === true && left.length === 0;
    });
  } finally {
    h.stop();
  }
});
