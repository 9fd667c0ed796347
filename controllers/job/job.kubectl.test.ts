/**
 * batch/v1 Jobs with the real kubectl (1.33, and /usr/bin/kubectl's 1.32 for
 * `wait`) against a real API server on real etcd, with the controller-manager's
 * job and garbage-collector controllers running against it and this test
 * playing the kubelet through pods/status: `kubectl create job`, the
 * generated selector and labels, pods owned by the Job, the table, `kubectl
 * wait --for=condition=complete` / `failed`, immutable fields, kube's
 * restartPolicy message, explain and strict apply, ttlSecondsAfterFinished,
 * and `kubectl delete job` cascading to the pods.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Job } from 'kubernetes-types/batch/v1';
import type { Pod } from 'kubernetes-types/core/v1';
import { Jobs, Pods } from '../../apiserver/client/resources.ts';
import type { ApiClient } from '../../apiserver/client/types.ts';
import { useKubectl, type KubectlResult } from '../../testutil/kubectl.ts';
import { quietLogger } from '../../testutil/log.ts';
import { runControllerManager } from '../main.ts';
import { waitFor } from '../testing/harness.ts';

const k = useKubectl([33, 32], 'job-kubectl');
const skip = k.skip;
const kubectl = (...args: string[]): Promise<KubectlResult> => k.run(33, args);
const columns = (line: string): string[] => line.trim().split(/\s{2,}/);

const podsOf = async (client: ApiClient, job: string): Promise<Pod[]> =>
  (await client.list<Pod>(Pods, { namespace: 'default', labelSelector: `batch.kubernetes.io/job-name=${job}` })).items;

/** What a kubelet reports when the pod's container exits (`code` 0 → Succeeded, else Failed), through pods/status. */
async function finish(client: ApiClient, pod: Pod, code: number): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  await client.patch(Pods, pod.metadata?.name ?? '', 'merge', {
    status: {
      phase: code === 0 ? 'Succeeded' : 'Failed',
      containerStatuses: [{ name: 'c', image: 'busybox', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: code, reason: code === 0 ? 'Completed' : 'Error', finishedAt: now } } }],
    },
  }, 'default', 'status');
}

test('kubectl and the job controller: create, labels, table, wait complete/failed, immutable fields, validation, cascade delete', { skip, timeout: 180_000 }, async () => {
  const server = k.server();
  const client = server.client;
  const ac = new AbortController();
  const cm = runControllerManager({
    apiUrl: server.url, clusterCIDR: '10.244.0.0/16', nodeCIDRMaskSize: 24, healthzPort: 0, log: quietLogger('cm'),
    controllers: ['job', 'ttl-after-finished', 'garbagecollector'],
  }, ac.signal);
  try {
    let r = await kubectl('create', 'job', 'pi', '--image=busybox', '--', 'sh', '-c', 'echo done');
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /job\.batch\/pi created/);
    const job = await client.get<Job>(Jobs, 'pi', 'default');
    const uid = job.metadata?.uid ?? '';
    assert.deepEqual(job.spec?.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });
    const generated = { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': uid, 'job-name': 'pi' };
    assert.deepEqual(job.spec?.template.metadata?.labels, generated);
    assert.deepEqual(job.metadata?.labels, generated);
    assert.deepEqual([job.spec?.completions, job.spec?.parallelism, job.spec?.backoffLimit, job.spec?.completionMode, job.spec?.suspend], [1, 1, 6, 'NonIndexed', false]);

    await waitFor('the pod', async () => (await podsOf(client, 'pi')).length === 1, 20_000);
    const [pod] = await podsOf(client, 'pi');
    assert.ok(pod);
    assert.match(pod.metadata?.name ?? '', /^pi-[a-z0-9]{5}$/);
    assert.deepEqual(pod.metadata?.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid, controller: true, blockOwnerDeletion: true }]);
    assert.deepEqual(pod.spec?.containers[0]?.command, ['sh', '-c', 'echo done']);
    assert.equal(pod.spec?.restartPolicy, 'Never');
    await waitFor('active 1', async () => (await client.get<Job>(Jobs, 'pi', 'default')).status?.active === 1, 20_000);

    r = await kubectl('get', 'jobs');
    assert.equal(r.code, 0, r.out);
    let lines = r.out.trim().split('\n');
    assert.deepEqual(columns(lines[0]!), ['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE']);
    assert.deepEqual(columns(lines[1]!).slice(0, 3), ['pi', 'Running', '0/1']);
    r = await kubectl('get', 'job', 'pi', '-o', 'wide');
    assert.deepEqual(columns(r.out.trim().split('\n')[1]!).slice(5), ['pi', 'busybox', `batch.kubernetes.io/controller-uid=${uid}`]);

    // kubectl wait (1.32, /usr/bin/kubectl) returns once the kubelet reports success.
    const waiting = k.run(32, ['wait', '--for=condition=complete', 'job/pi', '--timeout=60s']);
    await finish(client, pod, 0);
    r = await waiting;
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /job\.batch\/pi condition met/);
    const done = await client.get<Job>(Jobs, 'pi', 'default');
    assert.equal(done.status?.succeeded, 1);
    assert.ok(done.status?.startTime && done.status.completionTime);
    assert.deepEqual(done.status?.conditions?.map((c) => [c.type, c.status, c.reason]), [['SuccessCriteriaMet', 'True', 'CompletionsReached'], ['Complete', 'True', 'CompletionsReached']]);
    r = await kubectl('get', 'jobs');
    lines = r.out.trim().split('\n');
    assert.deepEqual(columns(lines[1]!).slice(0, 3), ['pi', 'Complete', '1/1']);
    assert.match(columns(lines[1]!)[3] ?? '', /^\d+s$/);
    assert.equal((await podsOf(client, 'pi')).length, 1, 'a finished Job keeps its pod');
    await waitFor('describe shows counts and events', async () => {
      const d = await kubectl('describe', 'job', 'pi');
      return /Pods Statuses:\s+0 Active \(0 Ready\) \/ 1 Succeeded \/ 0 Failed/.test(d.out) && /SuccessfulCreate\s+.*Created pod: pi-/.test(d.out) && /Completed\s+.*Job completed/.test(d.out);
    }, 20_000);

    // Immutable fields, as kube words them.
    r = await kubectl('patch', 'job', 'pi', '--type=merge', '-p', '{"spec":{"completions":3}}');
    assert.notEqual(r.code, 0);
    assert.match(r.out, /The Job "pi" is invalid: spec\.completions: Invalid value: 3: field is immutable/);
    r = await kubectl('set', 'image', 'job/pi', 'pi=busybox:2');
    assert.notEqual(r.code, 0);
    assert.match(r.out, /spec\.template: Invalid value: .*: field is immutable/);
    r = await kubectl('patch', 'job', 'pi', '--type=merge', '-p', '{"spec":{"parallelism":2}}');
    assert.equal(r.code, 0, `parallelism may change: ${r.out}`);

    // restartPolicy Always is refused with kube's message; strict apply refuses unknown fields; explain works.
    const file = join(k.dir(), 'job.yaml');
    const manifest = (name: string, extra: string[], restart = 'Never'): string => ['apiVersion: batch/v1', 'kind: Job', `metadata: {name: ${name}}`, 'spec:', ...extra,
      '  template:', '    spec:', `      restartPolicy: ${restart}`, '      containers:', '      - {name: c, image: busybox}', ''].join('\n');
    writeFileSync(file, manifest('always', [], 'Always'));
    r = await kubectl('apply', '-f', file);
    assert.notEqual(r.code, 0);
    assert.match(r.out, /spec\.template\.spec\.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"/);
    writeFileSync(file, manifest('strict', ['  foo: bar']));
    r = await kubectl('apply', '--validate=strict', '-f', file);
    assert.notEqual(r.code, 0);
    assert.match(r.out, /strict decoding error: unknown field "spec\.foo"/);
    r = await kubectl('explain', 'job.spec.backoffLimit');
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /GROUP:\s+batch\nKIND:\s+Job\nVERSION:\s+v1/);
    assert.match(r.out, /FIELD:\s+backoffLimit <integer>/);

    // backoffLimit 0: the first failed pod fails the Job.
    writeFileSync(file, manifest('boom', ['  backoffLimit: 0']));
    r = await kubectl('apply', '-f', file);
    assert.equal(r.code, 0, r.out);
    await waitFor('boom pod', async () => (await podsOf(client, 'boom')).length === 1, 20_000);
    r = await kubectl('apply', '-f', file);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /job\.batch\/boom unchanged/, 're-applying the same manifest changes nothing (the generated labels are the server\'s)');
    const failedWait = k.run(32, ['wait', '--for=condition=failed', 'job/boom', '--timeout=60s']);
    await finish(client, (await podsOf(client, 'boom'))[0]!, 1);
    r = await failedWait;
    assert.equal(r.code, 0, r.out);
    r = await kubectl('get', 'job', 'boom', '-o', 'jsonpath={.status.failed} {.status.conditions[?(@.type=="Failed")].reason}');
    assert.equal(r.out, '1 BackoffLimitExceeded');
    r = await kubectl('get', 'job', 'boom');
    assert.deepEqual(columns(r.out.trim().split('\n')[1]!).slice(0, 3), ['boom', 'Failed', '0/1']);

    // ttlSecondsAfterFinished 0: once Complete, the ttl-after-finished controller deletes the Job (Foreground: its pod first).
    writeFileSync(file, manifest('brief', ['  ttlSecondsAfterFinished: 0']));
    r = await kubectl('apply', '-f', file);
    assert.equal(r.code, 0, r.out);
    await waitFor('brief pod', async () => (await podsOf(client, 'brief')).length === 1, 20_000);
    await finish(client, (await podsOf(client, 'brief'))[0]!, 0);
    await waitFor('brief deleted with its pod', async () => !(await client.tryGet<Job>(Jobs, 'brief', 'default')) && (await podsOf(client, 'brief')).length === 0, 30_000);

    // kubectl delete job cascades (background) to the pods through the garbage collector.
    r = await kubectl('delete', 'job', 'pi', 'boom');
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /job\.batch "pi" deleted/);
    await waitFor('pods gone', async () => (await podsOf(client, 'pi')).length === 0 && (await podsOf(client, 'boom')).length === 0, 30_000);
  } finally {
    ac.abort();
    await cm.catch(() => undefined);
  }
});
