import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { atSourcePositions, clippedTo, phaseHotSpots, profilePhase, pseudoShares, repoRoot, topSelfTime, type CpuProfile, type FrameLocator } from './hot-spots.ts';

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

test('topSelfTime caps a sample gap at twice the median (time off the CPU is not the function\'s)', () => {
  const profile: CpuProfile = {
    startTime: 0,
    endTime: 0,
    nodes: [{ id: 1, callFrame: frame('work', 'file:///repo/w.ts', 0) }, { id: 2, callFrame: frame('now') }],
    // `now` resumed after a 30 ms gap (the machine busy elsewhere); the usual gap is 1 ms.
    samples: [1, 1, 1, 2, 1],
    timeDeltas: [1000, 1000, 1000, 30_000, 1000],
  };
  assert.deepEqual(topSelfTime(profile, 2, 'file:///repo/'), [{ fn: 'work w.ts:1', selfMs: 4, share: 0.667 }, { fn: 'now', selfMs: 2, share: 0.333 }]);
});

test('topSelfTime falls back to hit counts spread over the profile span', () => {
  const profile: CpuProfile = {
    startTime: 0,
    endTime: 4000,
    nodes: [{ id: 1, callFrame: frame('a'), hitCount: 3 }, { id: 2, callFrame: frame('b'), hitCount: 1 }],
  };
  assert.deepEqual(topSelfTime(profile, 5), [{ fn: 'a', selfMs: 3, share: 0.75 }, { fn: 'b', selfMs: 1, share: 0.25 }]);
});

test('functionsOnly keeps anonymous functions and drops only (program) and GC', () => {
  const profile: CpuProfile = {
    startTime: 0,
    endTime: 0,
    nodes: [
      { id: 1, callFrame: frame('(program)') },
      { id: 2, callFrame: frame('', 'file:///repo/a.ts', 4) },
      { id: 3, callFrame: frame('(garbage collector)') },
      { id: 4, callFrame: frame('stringify') },
    ],
    samples: [1, 1, 2, 3, 4],
    timeDeltas: [500, 500, 500, 500, 500],
  };
  assert.deepEqual(phaseHotSpots(profile, 3, 'file:///repo/'), {
    hotSpots: [{ fn: '(anonymous) a.ts:5', selfMs: 0.5, share: 0.2 }, { fn: 'stringify', selfMs: 0.5, share: 0.2 }],
    gcShare: 0.2,
  });
  assert.deepEqual(pseudoShares(profile), { gc: 0.2, program: 0.4 });
});

test('an empty profile has no hot spots and no GC share', () => {
  const profile: CpuProfile = { startTime: 0, endTime: 0, nodes: [{ id: 1, callFrame: frame('(root)') }], samples: [], timeDeltas: [] };
  assert.deepEqual(phaseHotSpots(profile), { hotSpots: [], gcShare: 0 });
});

test('atSourcePositions moves the frames the locator knows and merges them per source function', () => {
  // Two frames of one generated line (columns 10 and 90) from two source functions; a node: frame unknown.
  const locate: FrameLocator = (url, line, col) => (url === 'file:///repo/a.ts' && line === 0 ? { url, lineNumber: col < 50 ? 4 : 20 } : undefined);
  const profile: CpuProfile = {
    startTime: 0,
    endTime: 0,
    nodes: [
      { id: 1, callFrame: { functionName: 'f', url: 'file:///repo/a.ts', lineNumber: 0, columnNumber: 10 } },
      { id: 2, callFrame: { functionName: 'g', url: 'file:///repo/a.ts', lineNumber: 0, columnNumber: 90 } },
      { id: 3, callFrame: { functionName: 'f', url: 'file:///repo/a.ts', lineNumber: 0, columnNumber: 10 } },
      { id: 4, callFrame: { functionName: 'now', url: 'node:internal/perf', lineNumber: 136, columnNumber: 2 } },
    ],
    samples: [1, 2, 3, 4],
    timeDeltas: [1000, 1000, 1000, 1000],
  };
  const mapped = atSourcePositions(profile, locate);
  assert.deepEqual(mapped.nodes.map((x) => x.callFrame), [
    { functionName: 'f', url: 'file:///repo/a.ts', lineNumber: 4 },
    { functionName: 'g', url: 'file:///repo/a.ts', lineNumber: 20 },
    { functionName: 'f', url: 'file:///repo/a.ts', lineNumber: 4 },
    { functionName: 'now', url: 'node:internal/perf', lineNumber: 136, columnNumber: 2 },
  ]);
  assert.deepEqual(topSelfTime(mapped, 3, 'file:///repo/').map((h) => [h.fn, h.selfMs]), [['f a.ts:5', 2], ['g a.ts:21', 1], ['now node:internal/perf:137', 1]]);
  assert.equal(profile.nodes[0].callFrame.lineNumber, 0, 'the input is not changed');
});

test('clippedTo keeps only the time inside the window, cutting the sample that straddles its start', () => {
  const profile: CpuProfile = {
    startTime: 1000,
    endTime: 1400,
    nodes: [{ id: 1, callFrame: frame('dispatch') }, { id: 2, callFrame: frame('work', 'file:///repo/w.ts', 2) }, { id: 3, callFrame: frame('stop') }],
    // Samples at 1250 (dispatch: the profiler's start-up), 1300, 1350 (work), 1400 (stop).
    samples: [1, 2, 2, 3],
    timeDeltas: [250, 50, 50, 50],
  };
  const clipped = clippedTo(profile, 1200, 1350);
  assert.deepEqual({ ...clipped, nodes: [] }, { startTime: 1200, endTime: 1350, nodes: [], samples: [1, 2, 2], timeDeltas: [50, 50, 50] });
  assert.deepEqual(topSelfTime(clippedTo(profile, 1250, 1350), 3, 'file:///repo/').map((h) => [h.fn, h.share]), [['work w.ts:3', 1]]);
  const noSamples: CpuProfile = { startTime: 0, endTime: 5, nodes: [] };
  assert.equal(clippedTo(noSamples, 1, 2), noSamples);
});

test('files under node_modules (a symlink outside the root) are named from node_modules/ on', () => {
  const profile: CpuProfile = {
    startTime: 0,
    endTime: 0,
    nodes: [
      { id: 1, callFrame: frame('start', 'file:///elsewhere/node_modules/@grpc/grpc-js/src/call.ts', 9) },
      { id: 2, callFrame: frame('emit', 'node:events', 470) },
    ],
    samples: [1, 1, 2],
    timeDeltas: [1000, 1000, 1000],
  };
  assert.deepEqual(topSelfTime(profile, 2, 'file:///repo/').map((h) => h.fn), ['start node_modules/@grpc/grpc-js/src/call.ts:10', 'emit node:events:471']);
  assert.deepEqual(topSelfTime(profile, 1).map((h) => h.fn), ['start file:///elsewhere/node_modules/@grpc/grpc-js/src/call.ts:10'], 'no root: URLs as they are');
});

/** Busy JS for about `ms` (the profiled work of the next test). */
function spinForHotSpots(ms: number): number {
  let x = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) for (let i = 0; i < 10_000; i++) x = (x * 31 + i) % 1_000_003;
  return x;
}

test('profilePhase profiles this process and names the busy function repo-relative', async () => {
  assert.ok(repoRoot.startsWith('file:///') && repoRoot.endsWith('/'));
  const r = await profilePhase(async () => spinForHotSpots(300), { intervalUs: 200 });
  assert.equal(typeof r.value, 'number');
  assert.ok(r.hotSpots.length > 0 && r.hotSpots.length <= 3);
  const spin = r.hotSpots.find((h) => h.fn.startsWith('spinForHotSpots '));
  assert.ok(spin, JSON.stringify(r.hotSpots));
  // At its source line (not line 1 of tsx's one-line output).
  const line = readFileSync(new URL(import.meta.url), 'utf8').split('\n').findIndex((l) => l.startsWith('function spinForHotSpots(')) + 1;
  assert.equal(spin.fn, `spinForHotSpots bench/hot-spots.test.ts:${line}`);
  assert.ok(spin.share > 0.3, JSON.stringify(r.hotSpots));
  assert.ok(!r.hotSpots.some((h) => h.fn === 'dispatch'), `the profiler's start-up is clipped off: ${JSON.stringify(r.hotSpots)}`);
});

test('profilePhase stops the profiler and rethrows when the phase rejects', async () => {
  await assert.rejects(profilePhase(async () => { throw new Error('boom'); }), /boom/);
  // The profiler was stopped: a new profile can start.
  const r = await profilePhase(async () => 1);
  assert.equal(r.value, 1);
});
