import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PodDisruptionBudget, PodDisruptionBudgetSpec } from 'kubernetes-types/policy/v1';
import { FakeClient } from '../../testing/fake-client.ts';
import { PodDisruptionBudgets } from '../../client/resources.ts';
import { ApiError } from '../../client/types.ts';
import { podDisruptionBudgetsResource, validatePdb } from './pdb.ts';

const def = podDisruptionBudgetsResource();
const pdb = (spec: PodDisruptionBudgetSpec, status?: PodDisruptionBudget['status']): PodDisruptionBudget => ({
  apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'ns' }, spec, ...(status ? { status } : {}),
});

test('PodDisruptionBudget validation causes (kube ValidatePodDisruptionBudget)', () => {
  const sel = { matchLabels: { app: 'web' } };
  const cases: Array<[string, PodDisruptionBudget, Array<[string, string]>]> = [
    ['minAvailable int', pdb({ minAvailable: 2, selector: sel }), []],
    ['maxUnavailable percent', pdb({ maxUnavailable: '25%', selector: sel }), []],
    ['neither set, no selector', pdb({}), []],
    ['both set', pdb({ minAvailable: 1, maxUnavailable: 1 }), [['spec', 'Invalid value: {"minAvailable":1,"maxUnavailable":1}: minAvailable and maxUnavailable cannot be both set']]],
    ['negative minAvailable', pdb({ minAvailable: -1 }), [['spec.minAvailable', 'Invalid value: -1: must be greater than or equal to 0']]],
    ['minAvailable over 100%', pdb({ minAvailable: '101%' }), [['spec.minAvailable', 'Invalid value: "101%": must not be greater than 100%']]],
    ['maxUnavailable not a percent', pdb({ maxUnavailable: 'half' }), [['spec.maxUnavailable', 'Invalid value: "half": a valid percent string must be a numeric string followed by an ending \'%\' (e.g. \'1%\',  or \'93%\', regex used for validation is \'[0-9]+%\')']]],
    ['In without values', pdb({ selector: { matchExpressions: [{ key: 'app', operator: 'In' }] } }), [['spec.selector.matchExpressions[0].values', "Required value: must be specified when `operator` is 'In' or 'NotIn'"]]],
    ['Exists with values', pdb({ selector: { matchExpressions: [{ key: 'app', operator: 'Exists', values: ['x'] }] } }), [['spec.selector.matchExpressions[0].values', "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"]]],
    ['bad operator', pdb({ selector: { matchExpressions: [{ key: 'app', operator: 'Is' }] } }), [['spec.selector.matchExpressions[0].operator', 'Invalid value: "Is": not a valid selector operator']]],
    ['bad label value', pdb({ selector: { matchLabels: { app: '-x' } } }), [['spec.selector.matchLabels', 'Invalid value: "-x": a valid label must be an empty string or consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character (e.g. \'MyValue\',  or \'my_value\',  or \'12345\', regex used for validation is \'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?\')']]],
    ['unknown eviction policy', pdb({ unhealthyPodEvictionPolicy: 'Never' }), [['spec.unhealthyPodEvictionPolicy', 'Unsupported value: "Never": supported values: "AlwaysAllow", "IfHealthyBudget"']]],
    ['negative status count', pdb({}, { currentHealthy: 0, desiredHealthy: 0, disruptionsAllowed: -1, expectedPods: 0 }), [['status.disruptionsAllowed', 'Invalid value: -1: must be greater than or equal to 0']]],
  ];
  for (const [name, obj, want] of cases) assert.deepEqual(validatePdb(obj).map((c) => [c.field, c.message]), want, name);
});

test('PodDisruptionBudget table cells as kubectl prints them', () => {
  const created = { ...pdb({ minAvailable: 2 }, { currentHealthy: 3, desiredHealthy: 2, disruptionsAllowed: 1, expectedPods: 3 }) };
  created.metadata = { ...created.metadata, creationTimestamp: '2026-01-01T00:00:00Z' };
  assert.deepEqual(def.table.columns.map((c) => c.name), ['Min Available', 'Max Unavailable', 'Allowed Disruptions', 'Age']);
  assert.deepEqual(def.table.cells(created, Date.parse('2026-01-01T00:05:00Z')), ['2', 'N/A', 1, '5m']);
  assert.deepEqual(def.table.cells(pdb({ maxUnavailable: '25%' }), 0).slice(0, 3), ['N/A', '25%', 0]);
  assert.deepEqual([def.group, def.version, def.shortNames, def.subresources, def.namespaced], ['policy', 'v1', ['pdb'], ['status'], true]);
});

test('the store resets status on create, bumps generation on spec changes, and the status subresource keeps the spec', async () => {
  const c = new FakeClient({ namespaces: ['ns'] });
  const made = await c.create<PodDisruptionBudget>(PodDisruptionBudgets, pdb({ minAvailable: 2, selector: { matchLabels: { app: 'web' } } }, { currentHealthy: 9, desiredHealthy: 9, disruptionsAllowed: 9, expectedPods: 9 }), 'ns');
  assert.deepEqual(made.status, { currentHealthy: 0, desiredHealthy: 0, disruptionsAllowed: 0, expectedPods: 0 });
  assert.equal(made.metadata?.generation, 1);
  const withStatus = await c.updateStatus<PodDisruptionBudget>(PodDisruptionBudgets, { ...made, spec: { minAvailable: 0 }, status: { currentHealthy: 3, desiredHealthy: 2, disruptionsAllowed: 1, expectedPods: 3, observedGeneration: 1 } }, 'ns');
  assert.equal(withStatus.spec?.minAvailable, 2, 'a status write keeps the spec');
  assert.equal(withStatus.status?.disruptionsAllowed, 1);
  const changed = await c.update<PodDisruptionBudget>(PodDisruptionBudgets, { ...withStatus, spec: { ...withStatus.spec, minAvailable: 3 }, status: { currentHealthy: 0, desiredHealthy: 0, disruptionsAllowed: 5, expectedPods: 0 } }, 'ns');
  assert.equal(changed.metadata?.generation, 2);
  assert.equal(changed.status?.disruptionsAllowed, 1, 'a spec write keeps the status');
  await assert.rejects(c.create(PodDisruptionBudgets, { ...pdb({ minAvailable: 1, maxUnavailable: 1 }), metadata: { name: 'bad', namespace: 'ns' } }, 'ns'), (e: unknown) => e instanceof ApiError && e.code === 422);
});
