import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Namespace } from 'kubernetes-types/core/v1';
import { serviceAccountsToCreate } from './decide.ts';

const ns = (extra: { phase?: string; deleting?: boolean } = {}): Namespace => ({
  apiVersion: 'v1', kind: 'Namespace',
  metadata: { name: 'team', ...(extra.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
  ...(extra.phase ? { status: { phase: extra.phase } } : {}),
});

test('serviceAccountsToCreate: Active namespaces get the missing default SA, others none', () => {
  const cases: Array<{ name: string; ns: Namespace | undefined; existing: string[]; want: string[] }> = [
    { name: 'active, no SA', ns: ns({ phase: 'Active' }), existing: [], want: ['default'] },
    { name: 'no phase yet counts as Active', ns: ns(), existing: [], want: ['default'] },
    { name: 'active, default present', ns: ns({ phase: 'Active' }), existing: ['default'], want: [] },
    { name: 'active, only other SAs', ns: ns({ phase: 'Active' }), existing: ['builder'], want: ['default'] },
    { name: 'terminating phase', ns: ns({ phase: 'Terminating' }), existing: [], want: [] },
    { name: 'deletionTimestamp set', ns: ns({ phase: 'Active', deleting: true }), existing: [], want: [] },
    { name: 'namespace gone', ns: undefined, existing: [], want: [] },
  ];
  for (const c of cases) assert.deepEqual(serviceAccountsToCreate(c.ns, new Set(c.existing)), c.want, c.name);
});

test('serviceAccountsToCreate: an explicit managed list', () => {
  assert.deepEqual(serviceAccountsToCreate(ns(), new Set(['a']), ['a', 'b']), ['b']);
});
