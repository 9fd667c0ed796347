/**
 * Hot spots of a V8 CPU profile (the .cpuprofile JSON that `node --cpu-prof`
 * writes and the inspector's Profiler.stop returns): self time per function
 * (name, file, line), largest first, as a share of the non-idle samples.
 */

/** The parts of a V8 CPU profile read here. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[];
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
 * (garbage collector), whose share `pseudoShares` reports. Time per sample is taken from timeDeltas
 * when present, else the profile span divided evenly among the hits. `root`
 * is stripped from file URLs. Pure.
 */
export function topSelfTime(profile: CpuProfile, n: number, root = '', functionsOnly = false): HotSpot[] {
  const selfUs = new Map<number, number>();
  if (profile.samples && profile.timeDeltas && profile.samples.length === profile.timeDeltas.length) {
    // timeDeltas[i] is the gap before sample i; charge it to the sample's frame.
    for (let i = 0; i < profile.samples.length; i++) selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + Math.max(0, profile.timeDeltas[i]));
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
    const url = root && x.callFrame.url.startsWith(root) ? x.callFrame.url.slice(root.length) : x.callFrame.url;
    const key = url ? `${name} ${url}:${x.callFrame.lineNumber + 1}` : name;
    byFn.set(key, (byFn.get(key) ?? 0) + us);
    total += us;
  }
  return [...byFn.entries()]
    .filter(([fn]) => !functionsOnly || !fn.startsWith('('))
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([fn, us]) => ({ fn, selfMs: Math.round(us / 100) / 10, share: total > 0 ? Math.round((us / total) * 1000) / 1000 : 0 }));
}

/** Shares (0..1 of the non-idle time) of garbage collection and of (program), V8's time outside JS functions. Pure. */
export function pseudoShares(profile: CpuProfile): { gc: number; program: number } {
  const spots = topSelfTime(profile, Number.MAX_SAFE_INTEGER);
  const share = (name: string): number => spots.find((s) => s.fn === name)?.share ?? 0;
  return { gc: share('(garbage collector)'), program: share('(program)') };
}
