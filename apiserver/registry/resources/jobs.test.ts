import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Job } from 'kubernetes-types/batch/v1';
import { jobsResource } from './jobs.ts';
import { jobCompletionsCell, jobDurationCell, jobStatusCell } from './jobtable.ts';

const def = jobsResource();
const s = def.strategy;

const job = (spec: Partial<NonNullable<Job['spec']>> = {}, restartPolicy: string | null = 'Never'): Job => ({
  metadata: { name: 'pi', namespace: 'default', uid: 'u-1' },
  spec: {
    template: { spec: { ...(restartPolicy ? { restartPolicy } : {}), containers: [{ name: 'c', image: 'busybox' }] } },
    ...spec,
  },
});

const created = (j: Job): Job => {
  s.prepareForCreate!(j);
  return j;
};

const causes = (j: Job): Array<[string | undefined, string]> => s.validate!(j).map((c) => [c.field, c.message]);

test('job defaults as SetDefaults_Job: both unset → 1/1; only completions → parallelism 1; only parallelism stays without completions', () => {
  const cases: Array<[string, Partial<NonNullable<Job['spec']>>, number | undefined, number]> = [
    ['both unset', {}, 1, 1],
    ['completions only', { completions: 5 }, 5, 1],
    ['parallelism only', { parallelism: 3 }, undefined, 3],
    ['both set', { completions: 4, parallelism: 2 }, 4, 2],
  ];
  for (const [name, spec, completions, parallelism] of cases) {
    const j = created(job(spec));
    assert.equal(j.spec!.completions, completions, name);
    assert.equal(j.spec!.parallelism, parallelism, name);
    assert.equal(j.spec!.backoffLimit, 6, name);
    assert.equal(j.spec!.completionMode, 'NonIndexed', name);
    assert.equal(j.spec!.suspend, false, name);
    assert.equal(j.spec!.podReplacementPolicy, 'TerminatingOrFailed', name);
    assert.deepEqual(causes(j), [], name);
  }
});

test('the generated selector and template labels; the Job labels default to the template labels', () => {
  const j = created(job({ template: { metadata: { labels: { app: 'x' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'i' }] } } }));
  assert.deepEqual(j.spec!.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u-1' } });
  const want = { app: 'x', 'batch.kubernetes.io/controller-uid': 'u-1', 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': 'u-1', 'job-name': 'pi' };
  assert.deepEqual(j.spec!.template.metadata!.labels, want);
  assert.deepEqual(j.metadata!.labels, want);
  assert.equal(j.status, undefined);
  const own = created({ ...job(), metadata: { name: 'pi', uid: 'u-1', labels: { team: 'a' } } });
  assert.deepEqual(own.metadata!.labels, { team: 'a' }, 'labels the user set are kept');
  const manual = created(job({ manualSelector: true, selector: { matchLabels: { app: 'm' } }, template: { metadata: { labels: { app: 'm' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'i' }] } } }));
  assert.deepEqual(manual.spec!.template.metadata!.labels, { app: 'm' });
  assert.deepEqual(causes(manual), []);
});

test('job validation causes, with kube messages', () => {
  const cases: Array<[string, Job, Array<[string, string]>]> = [
    ['restartPolicy Always', job({}, 'Always'), [['spec.template.spec.restartPolicy', 'Unsupported value: "Always": supported values: "OnFailure", "Never"']]],
    ['restartPolicy defaulted to Always', job({}, null), [['spec.template.spec.restartPolicy', 'Unsupported value: "Always": supported values: "OnFailure", "Never"']]],
    ['negative parallelism', job({ parallelism: -1 }), [['spec.parallelism', 'Invalid value: -1: must be greater than or equal to 0']]],
    ['negative completions', job({ completions: -2 }), [['spec.completions', 'Invalid value: -2: must be greater than or equal to 0']]],
    ['negative backoffLimit', job({ backoffLimit: -1 }), [['spec.backoffLimit', 'Invalid value: -1: must be greater than or equal to 0']]],
    ['negative deadline', job({ activeDeadlineSeconds: -5 }), [['spec.activeDeadlineSeconds', 'Invalid value: -5: must be greater than or equal to 0']]],
    ['negative ttl', job({ ttlSecondsAfterFinished: -1 }), [['spec.ttlSecondsAfterFinished', 'Invalid value: -1: must be greater than or equal to 0']]],
    ['Indexed', job({ completionMode: 'Indexed' }), [['spec.completionMode', 'Unsupported value: "Indexed": supported values: "NonIndexed"']]],
    ['wrong generated uid', job({ selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'other' } } }), [
      ['spec.template.metadata.labels', 'Invalid value: {"controller-uid":"u-1","batch.kubernetes.io/controller-uid":"u-1","job-name":"pi","batch.kubernetes.io/job-name":"pi"}: `selector` does not match template `labels`'],
      ['spec.selector', 'Invalid value: {"matchLabels":{"batch.kubernetes.io/controller-uid":"other"}}: `selector` not auto-generated'],
    ]],
    ['manual selector required', job({ manualSelector: true }), [['spec.selector', 'Required value']]],
  ];
  for (const [name, j, want] of cases) assert.deepEqual(causes(created(j)), want, name);
});

test('selector, template and completions are immutable; parallelism and suspend are not', () => {
  const old = created(job());
  const edit = (f: (j: Job) => void): Array<[string | undefined, string]> => {
    const n = structuredClone(old);
    f(n);
    s.prepareForUpdate!(n, old);
    return s.validateUpdate!(n, old).map((c) => [c.field, c.message]);
  };
  assert.deepEqual(edit((j) => { j.spec!.parallelism = 3; j.spec!.suspend = true; j.spec!.backoffLimit = 1; }), []);
  assert.deepEqual(edit((j) => { j.spec!.completions = 2; }), [['spec.completions', 'Invalid value: 2: field is immutable']]);
  assert.deepEqual(edit((j) => { j.spec!.template.spec!.containers[0]!.image = 'other'; }).map(([f]) => f), ['spec.template']);
  assert.ok(edit((j) => { j.spec!.template.spec!.containers[0]!.image = 'other'; })[0]![1].endsWith(': field is immutable'));
  assert.deepEqual(edit((j) => { j.spec!.selector = { matchLabels: { ...j.spec!.selector!.matchLabels, a: 'b' } }; }).map(([f, m]) => [f, m.endsWith('field is immutable') || m]),
    [['spec.template.metadata.labels', 'Invalid value: {"controller-uid":"u-1","batch.kubernetes.io/controller-uid":"u-1","job-name":"pi","batch.kubernetes.io/job-name":"pi"}: `selector` does not match template `labels`'], ['spec.selector', true]]);
  const st = structuredClone(old);
  st.status = { active: 1 };
  st.spec!.parallelism = 9;
  s.prepareForStatusUpdate!(st, old);
  assert.equal(st.spec!.parallelism, 1, 'a status write keeps the spec');
  assert.deepEqual(st.status, { active: 1 });
});

test('job table cells as kube printJob', () => {
  const now = Date.parse('2026-06-01T00:10:00Z');
  const start = '2026-06-01T00:00:00Z';
  const cases: Array<[string, Job, string, string, string]> = [
    ['new', created(job()), 'Running', '0/1', ''],
    ['running', { ...created(job({ completions: 3 })), status: { startTime: start, succeeded: 1 } }, 'Running', '1/3', '10m'],
    ['complete', { ...created(job()), status: { startTime: start, completionTime: '2026-06-01T00:00:42Z', succeeded: 1, conditions: [{ type: 'SuccessCriteriaMet', status: 'True' }, { type: 'Complete', status: 'True' }] } }, 'Complete', '1/1', '42s'],
    ['failed', { ...created(job()), status: { startTime: start, failed: 7, conditions: [{ type: 'FailureTarget', status: 'True' }, { type: 'Failed', status: 'True' }] } }, 'Failed', '0/1', '10m'],
    ['failure target', { ...created(job()), status: { conditions: [{ type: 'FailureTarget', status: 'True' }] } }, 'FailureTarget', '0/1', ''],
    ['suspended', { ...created(job({ suspend: true })), status: { conditions: [{ type: 'Suspended', status: 'True' }] } }, 'Suspended', '0/1', ''],
    ['resumed', { ...created(job()), status: { conditions: [{ type: 'Suspended', status: 'False' }] } }, 'Running', '0/1', ''],
    ['no completions, parallel', created(job({ parallelism: 3 })), 'Running', '0/1 of 3', ''],
    ['terminating', { ...created(job()), metadata: { name: 'pi', deletionTimestamp: start } }, 'Terminating', '0/1', ''],
  ];
  for (const [name, j, status, completions, duration] of cases) {
    assert.deepEqual([jobStatusCell(j), jobCompletionsCell(j), jobDurationCell(j, now)], [status, completions, duration], name);
  }
  assert.deepEqual(def.table.columns.map((c) => [c.name, c.priority]), [['Status', 0], ['Completions', 0], ['Duration', 0], ['Age', 0], ['Containers', 1], ['Images', 1], ['Selector', 1]]);
  assert.deepEqual(def.table.cells(created(job()), now).slice(4), ['c', 'busybox', 'batch.kubernetes.io/controller-uid=u-1']);
});
