import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Job } from 'kubernetes-types/batch/v1';
import { decideTTL, type TTLDecision } from './decide.ts';

const T0 = Date.parse('2026-06-01T00:00:00Z');
const job = (ttl: number | undefined, cond?: [string, string, string?], deleting = false): Job => ({
  metadata: { name: 'j', ...(deleting ? { deletionTimestamp: '2026-06-01T00:00:00Z' } : {}) },
  spec: { template: {}, ...(ttl !== undefined ? { ttlSecondsAfterFinished: ttl } : {}) },
  status: cond ? { conditions: [{ type: cond[0], status: cond[1], ...(cond[2] !== undefined ? { lastTransitionTime: cond[2] } : {}) }] } : {},
});

test('decideTTL: finished Jobs expire ttl seconds after their terminal condition', () => {
  const at = '2026-06-01T00:00:00Z';
  const cases: Array<[string, Job, number, TTLDecision]> = [
    ['no ttl', job(undefined, ['Complete', 'True', at]), T0 + 1e9, { action: 'none' }],
    ['running', job(10), T0, { action: 'none' }],
    ['complete, before ttl', job(10, ['Complete', 'True', at]), T0 + 4000, { action: 'wait', afterMs: 6000 }],
    ['complete, at ttl', job(10, ['Complete', 'True', at]), T0 + 10_000, { action: 'delete' }],
    ['failed, ttl 0', job(0, ['Failed', 'True', at]), T0, { action: 'delete' }],
    ['condition False', job(0, ['Complete', 'False', at]), T0, { action: 'none' }],
    ['no transition time', job(0, ['Complete', 'True']), T0, { action: 'none' }],
    ['already deleting', job(0, ['Complete', 'True', at], true), T0, { action: 'none' }],
  ];
  for (const [name, j, now, want] of cases) assert.deepEqual(decideTTL(j, now), want, name);
});
