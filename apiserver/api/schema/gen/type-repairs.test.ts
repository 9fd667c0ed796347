import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Definitions, Schema } from '../types.ts';
import { definitionsPath } from '../generate.ts';
import { applyTypeRepairs } from './type-repairs.ts';

test('the generated ResourceRule has the verbs and resources kubernetes-types loses', () => {
  const file = JSON.parse(readFileSync(definitionsPath, 'utf8')) as Definitions;
  const rr = file.definitions['io.k8s.api.authorization.v1.ResourceRule']!;
  assert.deepEqual(Object.keys(rr.properties ?? {}), ['apiGroups', 'resourceNames', 'resources', 'verbs']);
  assert.deepEqual(rr.required, ['verbs']);
});

test('applyTypeRepairs adds only what is missing and refuses a definition that was not read', () => {
  const defs: Record<string, Schema> = { T: { type: 'object', properties: { b: { type: 'string' }, keep: { type: 'boolean' } } } };
  applyTypeRepairs(defs, { T: { properties: { a: { type: 'string' }, keep: { type: 'string' } }, required: ['a'] } });
  assert.deepEqual(defs.T, { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' }, keep: { type: 'boolean' } }, required: ['a'] });
  assert.throws(() => applyTypeRepairs(defs, { Missing: { properties: {} } }), /Missing, which was not read/);
});
