import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pseudoShares, topSelfTime, type CpuProfile } from './scheduler-profile.ts';

const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });

test('topSelfTime ranks functions by self time, merges frames of one function and skips idle', () => {
  const profile: CpuProfile = {
    startTime: 0,
    endTime: 10_000,
    nodes: [
      { id: 1, callFrame: frame('(root)') },
      { id: 2, callFrame: frame('(idle)') },
      { id: 3, callFrame: frame('decide', 'file:///repo/scheduler/decide.ts', 9) },
      { id: 4, callFrame: frame('parse', 'file:///repo/x.ts', 0) },
      { id: 5, callFrame: frame('decide', 'file:///repo/scheduler/decide.ts', 9) },
      { id: 6, callFrame: frame('(garbage collector)') },
    ],
    samples: [2, 2, 3, 4, 5, 3, 6, 2],
    timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
  };
  assert.deepEqual(topSelfTime(profile, 2, 'file:///repo/'), [
    { fn: 'decide scheduler/decide.ts:10', selfMs: 3, share: 0.6 },
    { fn: 'parse x.ts:1', selfMs: 1, share: 0.2 },
  ]);
  assert.deepEqual(topSelfTime(profile, 5, 'file:///repo/', true).map((h) => h.fn), ['decide scheduler/decide.ts:10', 'parse x.ts:1'], 'functions only');
  assert.deepEqual(pseudoShares(profile), { gc: 0.2, program: 0 });
});

test('topSelfTime falls back to hit counts spread over the profile span', () => {
  const profile: CpuProfile = {
    startTime: 0,
    endTime: 4000,
    nodes: [{ id: 1, callFrame: frame('a'), hitCount: 3 }, { id: 2, callFrame: frame('b'), hitCount: 1 }],
  };
  assert.deepEqual(topSelfTime(profile, 5), [{ fn: 'a', selfMs: 3, share: 0.75 }, { fn: 'b', selfMs: 1, share: 0.25 }]);
});
