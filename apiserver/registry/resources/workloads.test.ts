import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1';
import { deploymentsResource, replicaSetsResource } from './workloads.ts';

const deps = deploymentsResource();
const rss = replicaSetsResource();

const dep = (extra: Partial<NonNullable<Deployment['spec']>> = {}, labels: Record<string, string> = { app: 'web' }): Deployment => ({
  metadata: { name: 'web' },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.22' }] } },
    ...extra,
  },
});

test('deployment defaults match Kubernetes', () => {
  const d = dep();
  (d as { status?: unknown }).status = { replicas: 4 };
  deps.strategy.prepareForCreate!(d);
  assert.equal(d.spec!.replicas, 1);
  assert.deepEqual(d.spec!.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
  assert.equal(d.spec!.revisionHistoryLimit, 10);
  assert.equal(d.spec!.progressDeadlineSeconds, 600);
  const pod = d.spec!.template.spec!;
  assert.equal(pod.restartPolicy, 'Always');
  assert.equal(pod.containers[0]!.imagePullPolicy, 'IfNotPresent');
  assert.equal(pod.priority, undefined, 'templates get no priority');
  assert.equal(d.status, undefined);
  assert.deepEqual(deps.strategy.validate!(d), []);
  assert.equal(deps.strategy.bumpsGeneration, true);
  const r = dep({ strategy: { type: 'Recreate' } });
  deps.strategy.prepareForCreate!(r);
  assert.deepEqual(r.spec!.strategy, { type: 'Recreate' });
});

test('deployment and replicaset validation causes', () => {
  const cases: Array<[string, Deployment, Array<[string, string]>]> = [
    ['negative replicas', dep({ replicas: -1 }), [['spec.replicas', 'Invalid value: -1: must be greater than or equal to 0']]],
    ['selector mismatch', dep({}, { app: 'other' }), [['spec.template.metadata.labels', 'Invalid value: {"app":"other"}: `selector` does not match template `labels`']]],
    ['empty selector', dep({ selector: {} }), [['spec.selector', 'Invalid value: {}: empty selector is invalid for deployment']]],
    ['no image', dep({ template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c' }] } } }), [['spec.template.spec.containers[0].image', 'Required value']]],
    ['restart policy', dep({ template: { metadata: { labels: { app: 'web' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'i' }] } } }), [['spec.template.spec.restartPolicy', 'Unsupported value: "Never": supported values: "Always"']]],
  ];
  for (const [name, d, want] of cases) {
    deps.strategy.prepareForCreate!(d);
    const got = deps.strategy.validate!(d);
    assert.deepEqual(got.map((c) => [c.field, c.message]), want, name);
  }
  const noSel = dep();
  delete (noSel.spec as { selector?: unknown }).selector;
  deps.strategy.prepareForCreate!(noSel);
  assert.deepEqual(deps.strategy.validate!(noSel).map((c) => [c.field, c.message]), [['spec.selector', 'Required value']]);
  const rs: ReplicaSet = { metadata: { name: 'rs' }, spec: { selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['a'] }] }, template: { metadata: { labels: { app: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } };
  rss.strategy.prepareForCreate!(rs);
  assert.equal(rs.spec!.replicas, 1);
  assert.deepEqual(rss.strategy.validate!(rs).map((c) => c.field), ['spec.template.metadata.labels']);
});

test('selector is immutable; status and spec are preserved across updates', () => {
  const old = dep();
  deps.strategy.prepareForCreate!(old);
  (old as { status?: unknown }).status = { replicas: 1, readyReplicas: 1 };
  const next = dep({ selector: { matchLabels: { app: 'web', x: 'y' } } }, { app: 'web', x: 'y' });
  deps.strategy.prepareForUpdate!(next, old);
  assert.deepEqual(next.status, { replicas: 1, readyReplicas: 1 });
  assert.deepEqual(deps.strategy.validateUpdate!(next, old).map((c) => [c.field, c.message]), [['spec.selector', 'Invalid value: {"matchLabels":{"app":"web","x":"y"}}: field is immutable']]);
  const st = dep({ replicas: 9 });
  (st as { status?: unknown }).status = { replicas: 2 };
  deps.strategy.prepareForStatusUpdate!(st, old);
  assert.equal(st.spec!.replicas, 1);
  assert.deepEqual(st.status, { replicas: 2 });
});

test('deployment and replicaset table cells', () => {
  const now = Date.parse('2026-01-01T00:04:00Z');
  const d = dep({ replicas: 3 });
  (d.metadata as { creationTimestamp?: string }).creationTimestamp = '2026-01-01T00:00:00Z';
  (d as { status?: unknown }).status = { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 };
  assert.deepEqual(deps.table.cells(d, now), ['2/3', 3, 2, '4m', 'nginx', 'nginx:1.22', 'app=web']);
  assert.deepEqual(deps.table.columns.map((c) => [c.name, c.priority]), [['Ready', 0], ['Up-to-date', 0], ['Available', 0], ['Age', 0], ['Containers', 1], ['Images', 1], ['Selector', 1]]);
  const rs: ReplicaSet = { metadata: { name: 'rs', creationTimestamp: '2026-01-01T00:00:00Z' }, spec: { replicas: 2, selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['b', 'a'] }] }, template: { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] } } }, status: { replicas: 2, readyReplicas: 1 } };
  assert.deepEqual(rss.table.cells(rs, now), [2, 2, 1, '4m', 'a,b', 'x,y', 'app=web,tier in (a,b)']);
  assert.deepEqual(rss.strategy.selectableFields!(rs), { 'status.replicas': '2' });
});

test('rolling update parameters', () => {
  const cases: Array<[Record<string, number | string>, string[]]> = [
    [{ maxUnavailable: '25%', maxSurge: '25%' }, []],
    [{ maxUnavailable: 0, maxSurge: 1 }, []],
    [{ maxUnavailable: 0, maxSurge: '0%' }, ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0']],
    [{ maxUnavailable: 'abc', maxSurge: 1 }, ["spec.strategy.rollingUpdate.maxUnavailable: Invalid value: \"abc\": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"]],
    [{ maxUnavailable: '150%', maxSurge: 1 }, ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "150%": must not be greater than 100%']],
    [{ maxUnavailable: 1, maxSurge: -1 }, ['spec.strategy.rollingUpdate.maxSurge: Invalid value: -1: must be greater than or equal to 0']],
  ];
  for (const [ru, want] of cases) {
    const d = dep({ strategy: { type: 'RollingUpdate', rollingUpdate: ru } });
    deps.strategy.prepareForCreate!(d);
    assert.deepEqual(deps.strategy.validate!(d).map((c) => `${c.field}: ${c.message}`), want, JSON.stringify(ru));
  }
});
