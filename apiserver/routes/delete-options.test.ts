import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StatusError } from '../api/errors.ts';
import { deleteOptionsOf, type DeleteRequestOptions } from './delete-options.ts';
import type { RawQuery } from './query.ts';

interface Case {
  name: string;
  query?: RawQuery;
  body?: unknown;
  want?: DeleteRequestOptions;
  /** Expected HTTP code of the StatusError. */
  code?: number;
  message?: string;
}

test('deleteOptionsOf table: types, kind/apiVersion, ValidateDeleteOptions, dryRun from body or query', () => {
  const cases: Case[] = [
    { name: 'nothing', want: { params: {}, dryRun: false } },
    { name: 'kubectl delete', body: { propagationPolicy: 'Background' }, want: { params: { propagationPolicy: 'Background' }, dryRun: false } },
    { name: 'kubectl delete --dry-run=server (body)', body: { propagationPolicy: 'Background', dryRun: ['All'] }, want: { params: { propagationPolicy: 'Background' }, dryRun: true } },
    { name: 'dryRun in the query', query: { dryRun: 'All' }, want: { params: {}, dryRun: true } },
    { name: 'dryRun in the query with a body that has none', query: { dryRun: 'All' }, body: { gracePeriodSeconds: 0 }, want: { params: { gracePeriodSeconds: 0 }, dryRun: true } },
    { name: 'full body', body: { kind: 'DeleteOptions', apiVersion: 'meta.k8s.io/v1', gracePeriodSeconds: 5, preconditions: { uid: 'u', resourceVersion: '7' }, orphanDependents: null, propagationPolicy: 'Foreground' }, want: { params: { gracePeriodSeconds: 5, preconditions: { uid: 'u', resourceVersion: '7' }, propagationPolicy: 'Foreground' }, dryRun: false } },
    { name: 'per-group apiVersion', body: { kind: 'DeleteOptions', apiVersion: 'apps/v1', gracePeriodSeconds: 1 }, want: { params: { gracePeriodSeconds: 1 }, dryRun: false } },
    { name: 'orphanDependents true → Orphan', body: { orphanDependents: true }, want: { params: { propagationPolicy: 'Orphan' }, dryRun: false } },
    { name: 'query orphanDependents=True', query: { orphanDependents: 'True' }, want: { params: { propagationPolicy: 'Orphan' }, dryRun: false } },
    { name: 'body policy replaces query orphanDependents', query: { orphanDependents: 'true' }, body: { propagationPolicy: 'Background' }, want: { params: { propagationPolicy: 'Background' }, dryRun: false } },
    { name: 'negative grace passes (the store counts it as 1 s)', body: { gracePeriodSeconds: -3 }, want: { params: { gracePeriodSeconds: -3 }, dryRun: false } },
    { name: 'grace as a string', body: { gracePeriodSeconds: 'abc' }, code: 400, message: 'json: cannot unmarshal string into Go struct field DeleteOptions.gracePeriodSeconds of type int64' },
    { name: 'grace as a fraction', body: { gracePeriodSeconds: 1.5 }, code: 400 },
    { name: 'grace in the query as garbage', query: { gracePeriodSeconds: 'abc' }, code: 400 },
    { name: 'preconditions as a string', body: { preconditions: 'x' }, code: 400, message: 'json: cannot unmarshal string into Go struct field DeleteOptions.preconditions of type v1.Preconditions' },
    { name: 'preconditions.uid as a number', body: { preconditions: { uid: 5 } }, code: 400 },
    { name: 'orphanDependents=maybe', query: { orphanDependents: 'maybe' }, code: 400 },
    { name: 'orphanDependents as a string in the body', body: { orphanDependents: 'yes' }, code: 400 },
    { name: 'propagationPolicy as a number', body: { propagationPolicy: 1 }, code: 400 },
    { name: 'unknown propagationPolicy', body: { propagationPolicy: 'Sideways' }, code: 422, message: 'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Sideways": supported values: "Foreground", "Background", "Orphan", "nil"' },
    { name: 'unknown propagationPolicy in the query', query: { propagationPolicy: 'x' }, code: 422 },
    { name: 'orphanDependents with propagationPolicy', body: { orphanDependents: false, propagationPolicy: 'Orphan' }, code: 422, message: 'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Invalid value: "Orphan": orphanDependents and deletionPropagation cannot be both set' },
    { name: 'dryRun as a string', body: { dryRun: 'All' }, code: 400 },
    { name: 'dryRun with a number', body: { dryRun: [1] }, code: 400 },
    { name: 'unknown dryRun value in the body', body: { dryRun: ['Some'] }, code: 422 },
    { name: 'unknown dryRun value in the query', query: { dryRun: 'Some' }, code: 422 },
    { name: 'another kind', body: { kind: 'Pod', apiVersion: 'v1' }, code: 400 },
    { name: 'an unknown apiVersion', body: { kind: 'DeleteOptions', apiVersion: 'nope/v9' }, code: 400 },
    { name: 'a non-object body', body: ['x'], code: 400 },
    { name: 'a string body', body: 'x', code: 400 },
  ];
  for (const c of cases) {
    try {
      const got = deleteOptionsOf(c.query ?? {}, c.body, 'apps/v1');
      assert.equal(c.code, undefined, `${c.name}: accepted`);
      assert.deepEqual(got, c.want, c.name);
    } catch (e) {
      if (!(e instanceof StatusError)) throw e;
      assert.equal(e.code, c.code, `${c.name}: ${e.message}`);
      if (c.message) assert.equal(e.message, c.message, c.name);
    }
  }
});

test('deleteOptionsOf: a __proto__ key in the body touches no prototype', () => {
  const body = JSON.parse('{"__proto__":{"polluted":"yes"},"gracePeriodSeconds":0}') as unknown;
  assert.deepEqual(deleteOptionsOf({}, body, 'v1'), { params: { gracePeriodSeconds: 0 }, dryRun: false });
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});
