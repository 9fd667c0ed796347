import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Job, JobStatus } from 'kubernetes-types/batch/v1';
import type { Pod } from 'kubernetes-types/core/v1';
import { decideJob, POD_FAILURE_BACKOFF_MS } from './decide.ts';

const T0 = Date.parse('2026-06-01T00:00:00Z');
const iso = (t: number): string => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');

const job = (spec: Partial<NonNullable<Job['spec']>> = {}, status?: JobStatus): Job => ({
  metadata: { name: 'j', namespace: 'default', uid: 'u' },
  spec: { completions: 1, parallelism: 1, backoffLimit: 6, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'i' }] } }, ...spec },
  ...(status ? { status } : {}),
});

let n = 0;
const pod = (phase: string, extra: { ready?: boolean; deleting?: boolean; node?: string; created?: number; finished?: number; restarts?: number } = {}): Pod => ({
  metadata: { name: `p${n++}`, namespace: 'default', creationTimestamp: iso(extra.created ?? T0), ...(extra.deleting ? { deletionTimestamp: iso(T0) } : {}) },
  spec: { containers: [{ name: 'c' }], ...(extra.node ? { nodeName: extra.node } : {}) },
  status: {
    phase,
    conditions: extra.ready ? [{ type: 'Ready', status: 'True' }] : [],
    containerStatuses: [{
      name: 'c', image: 'i', imageID: '', ready: Boolean(extra.ready), restartCount: extra.restarts ?? 0,
      ...(extra.finished !== undefined ? { state: { terminated: { exitCode: 1, finishedAt: iso(extra.finished) } } } : {}),
    }],
  },
});

const types = (s: JobStatus): string[] => (s.conditions ?? []).filter((c) => c.status === 'True').map((c) => `${c.type}:${c.reason ?? ''}`);
const running = { startTime: iso(T0) };

test('decideJob: pods to create and delete, counts and conditions', () => {
  const cases: Array<{ name: string; job: Job; pods: Pod[]; now?: number; create: number; del: number; conds: string[]; status?: Partial<JobStatus>; requeue?: number }> = [
    { name: 'new job: one pod, startTime set', job: job(), pods: [], create: 1, del: 0, conds: [], status: { startTime: iso(T0), ready: 0, terminating: 0 } },
    { name: 'parallel 3 of 5', job: job({ completions: 5, parallelism: 3 }), pods: [pod('Succeeded'), pod('Running')], create: 2, del: 0, conds: [], status: { succeeded: 1, active: 1 } },
    { name: 'no more than completions left', job: job({ completions: 3, parallelism: 3 }), pods: [pod('Succeeded'), pod('Succeeded'), pod('Running', { ready: true })], create: 0, del: 0, conds: [], status: { active: 1, ready: 1, succeeded: 2 } },
    { name: 'excess active deleted, unscheduled first', job: job({ completions: 5, parallelism: 1 }), pods: [pod('Running', { node: 'n', ready: true }), pod('Pending')], create: 0, del: 1, conds: [], status: { active: 1, terminating: 1 } },
    { name: 'completions reached: SuccessCriteriaMet and Complete', job: job({}, running), pods: [pod('Succeeded')], create: 0, del: 0, conds: ['SuccessCriteriaMet:CompletionsReached', 'Complete:CompletionsReached'], status: { succeeded: 1, completionTime: iso(T0) } },
    { name: 'success with pods still active: delete them, Complete waits', job: job({ completions: 1, parallelism: 2 }, running), pods: [pod('Succeeded'), pod('Running')], create: 0, del: 1, conds: ['SuccessCriteriaMet:CompletionsReached'], status: { terminating: 1 } },
    { name: 'work queue (no completions): any success, none active', job: job({ completions: undefined, parallelism: 2 }, running), pods: [pod('Succeeded'), pod('Succeeded')], create: 0, del: 0, conds: ['SuccessCriteriaMet:CompletionsReached', 'Complete:CompletionsReached'] },
    { name: 'work queue: a success stops new pods', job: job({ completions: undefined, parallelism: 2 }, running), pods: [pod('Succeeded'), pod('Running')], create: 0, del: 0, conds: [] },
    { name: 'backoffLimit exceeded', job: job({ backoffLimit: 1 }, running), pods: [pod('Failed'), pod('Failed')], create: 0, del: 0, conds: ['FailureTarget:BackoffLimitExceeded', 'Failed:BackoffLimitExceeded'], status: { failed: 2 } },
    { name: 'backoffLimit 0: first failure fails, active pods deleted first', job: job({ backoffLimit: 0, completions: 2, parallelism: 2 }, running), pods: [pod('Failed'), pod('Running')], create: 0, del: 1, conds: ['FailureTarget:BackoffLimitExceeded'] },
    { name: 'failure backoff: wait 10 s after one failure', job: job({}, running), pods: [pod('Failed', { finished: T0 })], now: T0 + 4000, create: 0, del: 0, conds: [], requeue: POD_FAILURE_BACKOFF_MS - 4000 },
    { name: 'failure backoff over: replace', job: job({}, running), pods: [pod('Failed', { finished: T0 })], now: T0 + POD_FAILURE_BACKOFF_MS, create: 1, del: 0, conds: [] },
    { name: 'OnFailure restarts count toward the limit', job: job({ backoffLimit: 2, template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'i' }] } } }, running), pods: [pod('Running', { restarts: 2 })], create: 0, del: 1, conds: ['FailureTarget:BackoffLimitExceeded'] },
    { name: 'deadline exceeded', job: job({ activeDeadlineSeconds: 30 }, running), pods: [pod('Running')], now: T0 + 30_000, create: 0, del: 1, conds: ['FailureTarget:DeadlineExceeded'] },
    { name: 'deadline ahead: requeue', job: job({ activeDeadlineSeconds: 30 }, running), pods: [pod('Running')], now: T0 + 10_000, create: 0, del: 0, conds: [], requeue: 20_000 },
    { name: 'failure target, pods gone: Failed', job: job({}, { ...running, conditions: [{ type: 'FailureTarget', status: 'True', reason: 'DeadlineExceeded', message: 'm' }] }), pods: [pod('Failed')], create: 0, del: 0, conds: ['FailureTarget:DeadlineExceeded', 'Failed:DeadlineExceeded'] },
    { name: 'failure target, a pod still terminating: wait', job: job({}, { ...running, conditions: [{ type: 'FailureTarget', status: 'True', reason: 'DeadlineExceeded', message: 'm' }] }), pods: [pod('Running', { deleting: true })], create: 0, del: 0, conds: ['FailureTarget:DeadlineExceeded'], status: { terminating: 1 } },
    { name: 'suspended: delete active, Suspended, no startTime', job: job({ suspend: true }), pods: [pod('Running')], create: 0, del: 1, conds: ['Suspended:JobSuspended'] },
    { name: 'terminating pods are replaced (TerminatingOrFailed)', job: job({ podReplacementPolicy: 'TerminatingOrFailed' }, running), pods: [pod('Running', { deleting: true })], create: 1, del: 0, conds: [] },
    { name: 'terminating pods hold their place (Failed)', job: job({ podReplacementPolicy: 'Failed' }, running), pods: [pod('Running', { deleting: true })], create: 0, del: 0, conds: [] },
    { name: 'finished: nothing, pods kept', job: job({}, { succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] }), pods: [pod('Running')], create: 0, del: 0, conds: ['Complete:'] },
  ];
  for (const c of cases) {
    const plan = decideJob(c.job, c.pods, c.now ?? T0);
    assert.equal(plan.create, c.create, `${c.name}: create`);
    assert.equal(plan.delete.length, c.del, `${c.name}: delete`);
    assert.deepEqual(types(plan.status), c.conds, `${c.name}: conditions`);
    for (const [k, v] of Object.entries(c.status ?? {})) assert.deepEqual(plan.status[k as keyof JobStatus], v, `${c.name}: status.${k}`);
    assert.equal(plan.requeueAfterMs, c.requeue, `${c.name}: requeue`);
  }
});

test('decideJob: the pod deleted first is the unscheduled one; a rerun of a stable plan changes nothing', () => {
  const scheduled = pod('Running', { node: 'n', ready: true });
  const pending = pod('Pending');
  assert.deepEqual(decideJob(job({ completions: 5 }), [scheduled, pending], T0).delete, [pending]);
  const first = decideJob(job({ completions: 3, parallelism: 2 }), [pod('Running'), pod('Running')], T0);
  const again = decideJob(job({ completions: 3, parallelism: 2 }, first.status), [pod('Running'), pod('Running')], T0 + 5000);
  assert.deepEqual(again.status, first.status, 'level based: same world, same status');
});

test('decideJob: resume sets Suspended False JobResumed and restarts startTime; counts never drop below the recorded ones', () => {
  const suspended = job({ suspend: false }, { startTime: iso(T0 - 60_000), conditions: [{ type: 'Suspended', status: 'True', reason: 'JobSuspended', message: 'Job suspended' }] });
  const plan = decideJob(suspended, [], T0);
  assert.equal(plan.create, 1);
  assert.equal(plan.status.startTime, iso(T0));
  assert.deepEqual(plan.status.conditions?.map((c) => [c.type, c.status, c.reason]), [['Suspended', 'False', 'JobResumed']]);
  assert.deepEqual(plan.events, [['Normal', 'Resumed', 'Job resumed']]);
  const counted = decideJob(job({ completions: 3 }, { ...running, succeeded: 2, failed: 1 }), [], T0);
  assert.deepEqual([counted.status.succeeded, counted.status.failed, counted.create], [2, 1, 1]);
});
