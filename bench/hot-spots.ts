/**
 * Hot spots of the bench (issue 9: "record the top three hot spots in each
 * benchmark's result"). A V8 CPU profile (the .cpuprofile JSON that
 * `node --cpu-prof` writes and the inspector's Profiler.stop returns) is
 * reduced to self time per function (name, repo-relative file, 1-based line),
 * largest first, as a share of the non-idle samples. `profilePhase` profiles
 * one async phase of this process through node:inspector (the profiler
 * --cpu-prof uses) and returns its top self-time functions.
 *
 * Under tsx the code V8 runs is esbuild's output (a module on one line), so
 * a raw frame says `file.ts:1`; `startProfile` moves every frame to its
 * source line through the source maps tsx registers (node:module
 * findSourceMap), in the process that ran the code.
 */
import { findSourceMap, type SourceMap } from 'node:module';
import path from 'node:path';
import { Session } from 'node:inspector/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The parts of a V8 CPU profile read here. */
export interface CpuProfile {
  /** callFrame lineNumber and columnNumber are 0-based (-1: none, e.g. a module's top level). */
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber?: number }; hitCount?: number }[];
  /** Microseconds. */
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** One hot spot: self time of one function. */
export interface HotSpot {
  /** 'functionName file:line' (file relative to the repository when inside it; line 1-based). */
  fn: string;
  selfMs: number;
  /** selfMs / non-idle profile time, 0..1. */
  share: number;
}

/**
 * The `n` functions with the most self time in `profile`. The (idle) and
 * (root) pseudo-frames are ignored; with `functionsOnly` so are (program) and
 * (garbage collector), whose share `pseudoShares` reports (anonymous functions
 * are kept, as '(anonymous) file:line'). Time per sample is taken from timeDeltas
 * when present, capped at twice their median (so selfMs is close to CPU time
 * on a loaded machine), else the profile span divided evenly among the hits. `root`
 * is stripped from file URLs, and a file under node_modules is named from
 * `node_modules/` on. Pure.
 */
export function topSelfTime(profile: CpuProfile, n: number, root = '', functionsOnly = false): HotSpot[] {
  const selfUs = new Map<number, number>();
  if (profile.samples && profile.timeDeltas && profile.samples.length === profile.timeDeltas.length) {
    // timeDeltas[i] is the gap before sample i; charge it to the sample's frame, at most twice the usual
    // gap: a longer one is the thread off the CPU (shared cores), not time of the function it resumed in.
    const sorted = profile.timeDeltas.filter((d) => d > 0).sort((a, b) => a - b);
    const cap = sorted.length > 0 ? 2 * sorted[Math.floor(sorted.length / 2)] : 0;
    for (let i = 0; i < profile.samples.length; i++) selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + Math.min(cap, Math.max(0, profile.timeDeltas[i])));
  } else {
    const hits = profile.nodes.reduce((a, x) => a + (x.hitCount ?? 0), 0);
    const per = hits > 0 ? (profile.endTime - profile.startTime) / hits : 0;
    for (const x of profile.nodes) selfUs.set(x.id, (x.hitCount ?? 0) * per);
  }
  const byFn = new Map<string, number>();
  let total = 0;
  for (const x of profile.nodes) {
    const us = selfUs.get(x.id) ?? 0;
    const name = x.callFrame.functionName || '(anonymous)';
    if (name === '(idle)' || name === '(root)' || us === 0) continue;
    const url = relativeUrl(x.callFrame.url, root);
    const key = url ? `${name} ${url}:${x.callFrame.lineNumber + 1}` : name;
    byFn.set(key, (byFn.get(key) ?? 0) + us);
    total += us;
  }
  return [...byFn.entries()]
    .filter(([fn]) => !functionsOnly || (fn !== '(program)' && fn !== '(garbage collector)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([fn, us]) => ({ fn, selfMs: Math.round(us / 100) / 10, share: total > 0 ? Math.round((us / total) * 1000) / 1000 : 0 }));
}

/** `url` without `root` (none: as is); a file under a node_modules directory (the worktrees' node_modules is a symlink) from `node_modules/` on. */
function relativeUrl(url: string, root: string): string {
  if (!root) return url;
  if (url.startsWith(root)) return url.slice(root.length);
  const at = url.indexOf('/node_modules/');
  return at >= 0 && url.startsWith('file:') ? url.slice(at + 1) : url;
}

/** Shares (0..1 of the non-idle time) of garbage collection and of (program), V8's time outside JS functions. Pure. */
export function pseudoShares(profile: CpuProfile): { gc: number; program: number } {
  const spots = topSelfTime(profile, Number.MAX_SAFE_INTEGER);
  const share = (name: string): number => spots.find((s) => s.fn === name)?.share ?? 0;
  return { gc: share('(garbage collector)'), program: share('(program)') };
}

/** The repository root as a file URL with a trailing slash (what topSelfTime strips to make names repo-relative). */
export const repoRoot: string = pathToFileURL(path.resolve(fileURLToPath(import.meta.url), '../..') + '/').href;

/** Where a call frame's code came from: its source file URL and 0-based line, or undefined when not known. */
export type FrameLocator = (url: string, lineNumber: number, columnNumber: number) => { url: string; lineNumber: number } | undefined;

/**
 * A FrameLocator over the source maps of the modules this process has loaded
 * (node:module findSourceMap: tsx registers one per transformed file; a file
 * without one, node: internals and positions < 0 are left unknown). Each
 * map is looked up once per locator.
 */
export function loadedSourceMaps(): FrameLocator {
  const maps = new Map<string, SourceMap | undefined>();
  return (url, lineNumber, columnNumber) => {
    if (lineNumber < 0 || !url.startsWith('file:')) return undefined;
    if (!maps.has(url)) maps.set(url, findSourceMap(url));
    const entry = maps.get(url)?.findEntry(lineNumber, Math.max(0, columnNumber));
    return entry && 'originalSource' in entry ? { url: entry.originalSource, lineNumber: entry.originalLine } : undefined;
  };
}

/** `profile` with each call frame that `locate` knows moved to its source file and line (column dropped). Pure given `locate`. */
export function atSourcePositions(profile: CpuProfile, locate: FrameLocator): CpuProfile {
  return {
    ...profile,
    nodes: profile.nodes.map((x) => {
      const at = locate(x.callFrame.url, x.callFrame.lineNumber, x.callFrame.columnNumber ?? 0);
      return at ? { ...x, callFrame: { functionName: x.callFrame.functionName, url: at.url, lineNumber: at.lineNumber } } : x;
    }),
  };
}

/**
 * `profile` with only the time in (fromUs, toUs] (the profile's clock,
 * microseconds): each sample keeps the part of its timeDelta inside the
 * window, samples outside it are dropped. A profile without samples or
 * timeDeltas is returned as is. Pure.
 */
export function clippedTo<P extends CpuProfile>(profile: P, fromUs: number, toUs: number): P {
  if (!profile.samples || !profile.timeDeltas || profile.samples.length !== profile.timeDeltas.length) return profile;
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const prev = t;
    t += profile.timeDeltas[i];
    if (t <= fromUs || t > toUs) continue;
    samples.push(profile.samples[i]);
    timeDeltas.push(t - Math.max(prev, fromUs));
  }
  return { ...profile, startTime: Math.max(profile.startTime, fromUs), endTime: Math.min(profile.endTime, toUs), samples, timeDeltas };
}

/** Now on the monotonic clock V8's profiler stamps samples with (CLOCK_MONOTONIC on Linux), µs. */
const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

/** A running profile of this process; `stop` ends it and resolves the profile (call it once). */
export interface RunningProfile {
  stop(): Promise<CpuProfile>;
}

/**
 * Starts V8's CPU profiler on this process through an inspector session
 * (the profiler --cpu-prof uses; default sampling interval, 1 ms unless
 * `intervalUs`). `stop` disconnects the session and resolves the profile
 * with its frames at their source lines (atSourcePositions over
 * loadedSourceMaps), clipped to the time between this call resolving and
 * `stop` being called: the profiler's own start-up (tens to hundreds of ms of
 * code logging on a big heap, charged to the first sample, the inspector's
 * `dispatch`) is not in it. Rejects if the inspector refuses.
 */
export async function startProfile(intervalUs?: number): Promise<RunningProfile> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    if (intervalUs !== undefined) await session.post('Profiler.setSamplingInterval', { interval: intervalUs });
    await session.post('Profiler.start');
  } catch (e) {
    session.disconnect();
    throw e;
  }
  const fromUs = monotonicUs();
  return {
    async stop() {
      const toUs = monotonicUs();
      try {
        const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
        // Clip only when the profile's clock is this one (its start lies within the start call).
        const sameClock = profile.startTime <= fromUs && profile.startTime > fromUs - 60_000_000;
        return atSourcePositions(sameClock ? clippedTo(profile, fromUs, toUs) : profile, loadedSourceMaps());
      } finally {
        session.disconnect();
      }
    },
  };
}

/** The hot spots of one profiled phase (as recorded on a bench row). */
export interface PhaseHotSpots {
  /** The top self-time functions, (program) and (garbage collector) left out; share is of all non-idle time. */
  hotSpots: HotSpot[];
  /** Share (0..1) of the non-idle time spent in garbage collection. */
  gcShare: number;
}

/** The `top` functions of `profile` (repo-relative names, GC and (program) left out) and its GC share. Pure. */
export function phaseHotSpots(profile: CpuProfile, top = 3, root = repoRoot): PhaseHotSpots {
  return { hotSpots: topSelfTime(profile, top, root, true), gcShare: pseudoShares(profile).gc };
}

/**
 * Runs `phase` under the CPU profiler of this process and resolves its
 * value with the `top` (default 3) self-time functions; `intervalUs` is the
 * sampling interval (default V8's, 1 ms: pass less for phases of tens of ms). The profile covers
 * everything this process runs meanwhile (e.g. an in-process API server as
 * well as its client), so callers profile an extra, untimed pass of the work
 * they time. If `phase` rejects, the profiler is stopped and the error is
 * rethrown.
 */
export async function profilePhase<T>(phase: () => Promise<T>, opts: { top?: number; intervalUs?: number } = {}): Promise<{ value: T } & PhaseHotSpots> {
  const prof = await startProfile(opts.intervalUs);
  let value: T;
  try {
    value = await phase();
  } catch (e) {
    await prof.stop().catch(() => undefined);
    throw e;
  }
  return { value, ...phaseHotSpots(await prof.stop(), opts.top ?? 3) };
}
