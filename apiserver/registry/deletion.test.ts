import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/object.ts';
import { testDefs } from '../routes/core.test-helper.ts';
import { gracePeriodSeconds, planDeletion, type DeleteParams } from './deletion.ts';

const [namespaces, nodes, pods] = testDefs();
const NOW = Date.parse('2026-01-01T00:00:00Z');

interface Case {
  name: string;
  def: typeof pods;
  obj: KubeObject;
  opts?: DeleteParams;
  /** undefined = delete now; else the metadata (and status phase) expected. */
  want?: { deletionTimestamp?: string; deletionGracePeriodSeconds?: number; finalizers?: string[]; phase?: string };
}

const bound = (extra: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): KubeObject =>
  ({ metadata: { name: 'p', ...meta }, spec: { nodeName: 'n1', ...extra } }) as KubeObject;

test('planDeletion table', () => {
  const cases: Case[] = [
    { name: 'plain object goes now', def: nodes, obj: { metadata: { name: 'n' } } },
    { name: 'unbound pod goes now', def: pods, obj: { metadata: { name: 'p' }, spec: {} } as KubeObject },
    { name: 'bound pod: default grace 30 s', def: pods, obj: bound(), want: { deletionTimestamp: '2026-01-01T00:00:30Z', deletionGracePeriodSeconds: 30 } },
    { name: 'bound pod: terminationGracePeriodSeconds', def: pods, obj: bound({ terminationGracePeriodSeconds: 5 }), want: { deletionTimestamp: '2026-01-01T00:00:05Z', deletionGracePeriodSeconds: 5 } },
    { name: 'bound pod: options override', def: pods, obj: bound({ terminationGracePeriodSeconds: 5 }), opts: { gracePeriodSeconds: 2 }, want: { deletionTimestamp: '2026-01-01T00:00:02Z', deletionGracePeriodSeconds: 2 } },
    { name: 'bound pod: grace 0 goes now', def: pods, obj: bound(), opts: { gracePeriodSeconds: 0 } },
    { name: 'finished pod goes now', def: pods, obj: { ...bound(), status: { phase: 'Succeeded' } } as KubeObject },
    {
      name: 'terminating pod: a longer grace changes nothing', def: pods,
      obj: bound({}, { deletionTimestamp: '2026-01-01T00:00:05Z', deletionGracePeriodSeconds: 5 }), opts: { gracePeriodSeconds: 60 },
      want: { deletionTimestamp: '2026-01-01T00:00:05Z', deletionGracePeriodSeconds: 5 },
    },
    {
      name: 'terminating pod with a finalizer, grace 0: waits for the finalizer', def: pods,
      obj: bound({}, { deletionTimestamp: '2026-01-01T00:00:05Z', deletionGracePeriodSeconds: 5, finalizers: ['f'] }), opts: { gracePeriodSeconds: 0 },
      want: { deletionTimestamp: '2026-01-01T00:00:05Z', deletionGracePeriodSeconds: 0, finalizers: ['f'] },
    },
    { name: 'finalizers hold the object', def: nodes, obj: { metadata: { name: 'n', finalizers: ['f'] } }, want: { deletionTimestamp: '2026-01-01T00:00:00Z', deletionGracePeriodSeconds: 0, finalizers: ['f'] } },
    { name: 'Foreground adds foregroundDeletion', def: nodes, obj: { metadata: { name: 'n' } }, opts: { propagationPolicy: 'Foreground' }, want: { deletionTimestamp: '2026-01-01T00:00:00Z', deletionGracePeriodSeconds: 0, finalizers: ['foregroundDeletion'] } },
    { name: 'Orphan adds orphan', def: nodes, obj: { metadata: { name: 'n', finalizers: ['f'] } }, opts: { propagationPolicy: 'Orphan' }, want: { deletionTimestamp: '2026-01-01T00:00:00Z', deletionGracePeriodSeconds: 0, finalizers: ['f', 'orphan'] } },
    {
      name: 'policies are not re-added once deleting', def: nodes,
      obj: { metadata: { name: 'n', deletionTimestamp: '2025-12-31T00:00:00Z', deletionGracePeriodSeconds: 0, finalizers: ['f'] } }, opts: { propagationPolicy: 'Foreground' },
      want: { deletionTimestamp: '2025-12-31T00:00:00Z', deletionGracePeriodSeconds: 0, finalizers: ['f'] },
    },
    {
      name: 'namespace with spec.finalizers turns Terminating', def: namespaces,
      obj: { metadata: { name: 'ns' }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } } as KubeObject,
      want: { deletionTimestamp: '2026-01-01T00:00:00Z', deletionGracePeriodSeconds: 0, phase: 'Terminating' },
    },
    { name: 'namespace without finalizers goes now', def: namespaces, obj: { metadata: { name: 'ns' }, spec: {} } as KubeObject },
  ];
  for (const c of cases) {
    const before = JSON.stringify(c.obj);
    const out = planDeletion(c.def, c.obj, c.opts ?? {}, NOW);
    assert.equal(JSON.stringify(c.obj), before, `${c.name}: input untouched`);
    if (!c.want) {
      assert.equal(out, undefined, c.name);
      continue;
    }
    assert.ok(out, c.name);
    const m = out.metadata ?? {};
    const got: Case['want'] = { deletionTimestamp: m.deletionTimestamp, deletionGracePeriodSeconds: m.deletionGracePeriodSeconds };
    if (m.finalizers) got.finalizers = m.finalizers;
    const phase = (out as { status?: { phase?: string } }).status?.phase;
    if (c.want.phase) got.phase = phase;
    assert.deepEqual(got, c.want, c.name);
  }
});

test('gracePeriodSeconds: a negative value is 1 s (rest.BeforeDelete), never an immediate delete; other resources 0', () => {
  assert.equal(gracePeriodSeconds(pods, bound(), { gracePeriodSeconds: -5 }), 1);
  assert.equal(gracePeriodSeconds(pods, bound(), { gracePeriodSeconds: -1 }), 1);
  assert.equal(gracePeriodSeconds(pods, bound(), { gracePeriodSeconds: 0 }), 0);
  assert.equal(gracePeriodSeconds(nodes, bound(), { gracePeriodSeconds: 10 }), 0);
});
