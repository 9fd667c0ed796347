import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ageSince, humanDuration } from './duration.ts';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

test('humanDuration matches Kubernetes HumanDuration', () => {
  const cases: Array<[number, string]> = [
    [-5 * S, '<invalid>'],
    [-500, '0s'],
    [-1999, '0s'],
    [-2000, '<invalid>'],
    [0, '0s'],
    [5 * S, '5s'],
    [119 * S, '119s'],
    [2 * M, '2m'],
    [3 * M + 2 * S, '3m2s'],
    [9 * M + 59 * S, '9m59s'],
    [10 * M + 30 * S, '10m'],
    [179 * M, '179m'],
    [3 * H, '3h'],
    [4 * H, '4h'],
    [5 * H + 30 * M, '5h30m'],
    [8 * H, '8h'],
    [47 * H, '47h'],
    [2 * D, '2d'],
    [3 * D + 4 * H, '3d4h'],
    [8 * D, '8d'],
    [400 * D, '400d'],
    [2 * 365 * D + 10 * D, '2y10d'],
    [3 * 365 * D, '3y'],
    [9 * 365 * D, '9y'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `for ${ms} ms`);
});

test('ageSince handles absent and bad timestamps', () => {
  const now = Date.parse('2026-01-01T00:10:00Z');
  assert.equal(ageSince('2026-01-01T00:00:00Z', now), '10m');
  assert.equal(ageSince(undefined, now), '<unknown>');
  assert.equal(ageSince('garbage', now), '<unknown>');
});
