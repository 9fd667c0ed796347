/**
 * The Job step of the single-node acceptance run: a busybox Job made with
 * `kubectl create job` runs to completion on the real kubelet and
 * containerd, `kubectl wait --for=condition=complete` returns, `kubectl logs
 * job/<name>` prints what the container wrote, `kubectl get job` shows
 * Complete 1/1, and `kubectl delete job` removes its pod and containers.
 */
import assert from 'node:assert/strict';
import type { Job } from 'kubernetes-types/batch/v1';
import type { Pod } from 'kubernetes-types/core/v1';
import type { Cluster } from './harness/cluster.ts';
import type { List } from './harness/prelude.ts';
import { waitFor } from '../testutil/wait.ts';

const MIN = 60_000;

/** Runs the step on `c`; throws (assertion or wait timeout) with what kubectl showed. */
export async function jobRunsToCompletion(c: Cluster): Promise<void> {
  const name = 'e2e-hello';
  const created = await c.kubectl('create', 'job', name, '--image=busybox:1.36', '--', 'sh', '-c', 'echo done');
  assert.match(created, new RegExp(`job\\.batch/${name} created`));
  const waited = await c.kubectl('wait', '--for=condition=complete', `job/${name}`, '--timeout=180s');
  assert.match(waited, new RegExp(`job\\.batch/${name} condition met`));
  const job = await c.kubectlJson<Job>('get', 'job', name);
  assert.equal(job.status?.succeeded, 1, 'one pod succeeded');
  const logs = await c.kubectl('logs', `job/${name}`);
  assert.equal(logs.trim(), 'done', `kubectl logs job/${name}`);
  const table = (await c.kubectl('get', 'job', name)).trim().split('\n');
  assert.deepEqual(table[1]?.trim().split(/\s{2,}/).slice(0, 3), [name, 'Complete', '1/1'], table.join('\n'));
  const pods = await c.kubectlJson<List<Pod>>('get', 'pods', '-l', `batch.kubernetes.io/job-name=${name}`);
  assert.deepEqual(pods.items.map((p) => p.status?.phase), ['Succeeded'], 'the finished Job keeps its one Succeeded pod');

  await c.kubectl('delete', 'job', name, '--timeout=120s');
  await waitFor(async (note) => {
    const left = await c.kubectlJson<List<Pod>>('get', 'pods', '-l', `batch.kubernetes.io/job-name=${name}`);
    const containers = (await c.containers()).filter((x) => x.podName.startsWith(`${name}-`));
    note(`pods: ${left.items.map((p) => p.metadata?.name).join(', ') || 'none'}; containers: ${containers.map((x) => `${x.kind}:${x.podName}`).join(', ') || 'none'}`);
    return left.items.length === 0 && containers.length === 0;
  }, 2 * MIN, `the pod and containers of job ${name} to be gone`);
}
