/**
 * The cluster bench's (cluster.ts) shared pod burst and its two extra,
 * untimed passes, run after every timed mode so that neither touches the
 * startup, RSS or burst figures of those modes:
 *
 * - agent pass: `skiff server` plus one `skiff agent` from the same command
 *   (bundle and Node flags) on the multi-node e2e topology
 *   (e2e/harness/multi-cluster.ts: one network namespace per node, a bridge
 *   namespace holding the registry, no default route anywhere; the agent
 *   joins with the server's agent token). Reports the agent process's VmRSS
 *   (its kubelet and proxy run in it; containerd apart, etcd none) idle and
 *   with `pods` nginx pods on it (a Deployment pinned by the
 *   `kubernetes.io/hostname` nodeSelector, through the scheduler). Issue 9's
 *   target: agent ≤ 70 MiB with 30 pods.
 * - profile pass: a fresh one-process single-node cluster whose server runs
 *   with `--cpu-prof --cpu-prof-dir=<tmp>` added to its Node flags; the same
 *   warm-up and 0 → 30 burst as the timed pass; the profile Node writes when
 *   the server exits on SIGTERM is cut to the burst's window (both clocks are
 *   CLOCK_MONOTONIC: V8's profile timestamps and process.hrtime), its frames
 *   mapped through the bundle's source maps, and its top self-time functions
 *   taken (hot-spots.ts).
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { Deployment } from 'kubernetes-types/apps/v1';
import type { Node } from 'kubernetes-types/core/v1';
import type { PushableImage } from '../deploy/images/registry.ts';
import { startCluster } from '../e2e/harness/cluster.ts';
import { agentFlags, startMultiCluster } from '../e2e/harness/multi-cluster.ts';
import { processModeArgs } from '../e2e/harness/process-mode.ts';
import { webDeployment } from '../e2e/harness/workload.ts';
import { readRss } from '../testutil/process-memory.ts';
import { waitFor } from '../testutil/wait.ts';
import { clippedTo, pseudoShares, topSelfTime, type CpuProfile, type HotSpot } from './hot-spots.ts';

const MIN = 60_000;
/** How long the agent is left alone after its Node turns Ready before its idle RSS is read, ms. */
const AGENT_SETTLE_MS = 10_000;

/** kubectl of a bench cluster (admin kubeconfig, inside its namespace): resolves stdout, rejects on a non-zero exit. */
export type Kubectl = (...args: string[]) => Promise<string>;

/** One timed burst: wall-clock ms, and its window on CLOCK_MONOTONIC in µs (the clock of V8's CPU profiles). */
export interface BurstWindow {
  ms: number;
  fromUs: number;
  toUs: number;
}

const monoUs = (): number => Number(process.hrtime.bigint() / 1000n);

/** Whether node `name` (any node when undefined) has Ready=True. Never throws. */
export async function nodeReady(kubectl: Kubectl, name?: string): Promise<boolean> {
  const text = await kubectl('get', 'nodes', '-o', 'json').catch(() => '{"items":[]}');
  const nodes = (JSON.parse(text) as { items: Node[] }).items;
  return nodes.some((n) => (name === undefined || n.metadata?.name === name) && n.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') === true);
}

/** Number of Running pods labelled app=web. Rejects when kubectl fails. */
export async function runningWeb(kubectl: Kubectl): Promise<number> {
  const out = await kubectl('get', 'pods', '-l', 'app=web', '--field-selector=status.phase=Running', '-o', 'name');
  return out.split('\n').filter((l) => l.trim() !== '').length;
}

/**
 * Deployment `web` (workload.ts: nginx:1.22, 50m cpu / 32Mi each), written
 * to `<dir>/web.yaml` and applied with 1 replica; once that pod runs (image
 * cached, pod path warm) it is scaled to 0, and when it is gone the timed
 * part starts: `kubectl scale` to `replicas` until that many are Running
 * (polled every 100 ms). `nodeSelector` pins the pods. Rejects on a kubectl
 * error or after 3 (warm-up) / 5 (burst) minutes.
 */
export async function warmThenBurst(kubectl: Kubectl, dir: string, replicas: number, nodeSelector?: Record<string, string>): Promise<BurstWindow> {
  const d: Deployment = webDeployment({ replicas: 1, image: 'nginx:1.22' });
  const tpl = d.spec?.template.spec;
  if (nodeSelector && tpl) tpl.nodeSelector = nodeSelector;
  const manifest = join(dir, 'web.yaml');
  await writeFile(manifest, stringify(d));
  await kubectl('apply', '-f', manifest);
  await waitFor(async () => (await runningWeb(kubectl)) === 1, 3 * MIN, 'the warm-up pod to run');
  await kubectl('scale', 'deployment/web', '--replicas=0');
  await waitFor(async () => (await kubectl('get', 'pods', '-l', 'app=web', '-o', 'name')).trim() === '', 2 * MIN, 'the warm-up pod to go');
  const started = Date.now();
  const fromUs = monoUs();
  await kubectl('scale', 'deployment/web', `--replicas=${replicas}`);
  await waitFor(async () => (await runningWeb(kubectl)) === replicas, 5 * MIN, `${replicas} Running web pods`, 100);
  return { ms: Date.now() - started, fromUs, toUs: monoUs() };
}

/** The agent's resident memory at one moment, MiB. */
export interface AgentFootprint {
  /** VmRSS of the `skiff agent` process (kubelet and proxy run in it). */
  agentMiB: number;
  /** Its VmHWM so far. */
  agentPeakMiB: number;
  /** The agent's containerd (not part of the target). */
  containerdMiB: number;
}

/** The agent pass's figures. */
export interface AgentResult {
  /** Pods placed on the agent. */
  pods: number;
  /** ms from spawning `skiff agent` (the server already up) to its Node being Ready. */
  readyMs: number;
  /** AGENT_SETTLE_MS after its Node turned Ready. */
  idle: AgentFootprint;
  /** Right after all `pods` are Running on it. */
  withPods: AgentFootprint;
  /** ms from `kubectl scale` 0 → pods (nodeSelector on the agent, image cached there) to all Running. */
  burstMs: number;
}

/**
 * The agent pass (see the file header): `command` is the bench's server
 * command (Node, its flags, the bundle); the agent runs the same. Resolves
 * `{ skipped }` when this `skiff` has no usable agent subcommand or the e2e
 * env asks for split processes; rejects when the cluster fails.
 */
export async function agentPass(o: { command: readonly string[]; images: readonly PushableImage[]; pods: number; dir: string; log: (l: string) => void }): Promise<AgentResult | { skipped: string }> {
  if (processModeArgs().length > 0) return { skipped: 'the e2e env asks for --split-processes; the agent row is for the one-process agent' };
  const flags = await agentFlags(o.command);
  if (!flags?.has('--server') || !flags.has('--token')) return { skipped: '`skiff agent --help` shows no agent subcommand with --server and --token' };
  let spawnedAt = 0;
  const mc = await startMultiCluster({
    images: o.images, agents: 1, agentFlags: flags, agentTokenFile: 'agent-token', command: o.command,
    progress: (l) => { if (l.startsWith('agent ')) spawnedAt = Date.now(); o.log(l); },
  });
  try {
    const agent = mc.agents[0];
    if (!agent) throw new Error('the multi-node harness started no agent');
    const name = agent.nodeName;
    const outcome = await waitFor(async () => (agent.exited() ? 'exited' : (await nodeReady(mc.kubectl, name)) && 'ready'), 3 * MIN, `${name} Ready`, 100);
    if (outcome === 'exited') throw new Error(`skiff agent exited before its Node was Ready; log tail:\n${await agent.logTail()}`);
    const readyMs = Date.now() - spawnedAt;
    await waitFor(() => nodeReady(mc.kubectl, mc.server.nodeName), 2 * MIN, `${mc.server.nodeName} Ready`);
    o.log(`agent ${name}: Node Ready ${readyMs} ms after spawning skiff agent`);
    const footprint = async (): Promise<AgentFootprint> => {
      const rss = await readRss(agent.pid());
      const cPid = Number((await readFile(join(agent.dataDir, 'run', 'containerd.pid'), 'utf8').catch(() => '')).trim());
      const c = Number.isInteger(cPid) && cPid > 0 ? await readRss(cPid).catch(() => undefined) : undefined;
      return { agentMiB: rss.rssMiB, agentPeakMiB: rss.peakMiB, containerdMiB: c?.rssMiB ?? 0 };
    };
    await new Promise((r) => setTimeout(r, AGENT_SETTLE_MS));
    const idle = await footprint();
    const burst = await warmThenBurst(mc.kubectl, o.dir, o.pods, { 'kubernetes.io/hostname': name });
    const withPods = await footprint();
    o.log(`agent ${name}: ${o.pods} pods Running ${burst.ms} ms after the scale; skiff agent ${idle.agentMiB} MiB idle, ${withPods.agentMiB} MiB with ${o.pods} pods (peak ${withPods.agentPeakMiB}; containerd ${withPods.containerdMiB})`);
    return { pods: o.pods, readyMs, idle, withPods, burstMs: burst.ms };
  } finally {
    await mc.stop();
  }
}

/** The one-process server's hot spots during the 30-pod burst (profile pass). */
export interface BurstHotSpots {
  /** The profiled pass's own burst, ms (slower than the timed one: the profiler runs). */
  burstMs: number;
  /** Non-idle main-thread time inside the window, ms. */
  busyMs: number;
  /** Top 3 functions by self time ('name file:line', repository-relative through the bundle's source maps), each with the caller most of it came through. */
  top: Array<HotSpot & { via?: string }>;
  /** Shares of the non-idle window time in GC and in V8's (program). */
  gc: number;
  program: number;
  /** How the figures were taken. */
  how: string;
}

/** A V8 profile node as `--cpu-prof` writes it (column included). */
interface FramedNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

/** A full `.cpuprofile` as `--cpu-prof` writes it. */
export interface FramedProfile extends CpuProfile {
  nodes: FramedNode[];
}

/**
 * `p` with every frame in a bundle file (file URL under `bundleDir` with a
 * `.map` beside it) moved to its original source position, the path made
 * relative to `root` (dependencies: from `node_modules/` on). Frames without a mapping keep their URL. Reads the
 * maps; rejects when a map is unreadable JSON.
 */
export async function mapToSources(p: FramedProfile, bundleDir: string, root: string): Promise<FramedProfile> {
  const maps = new Map<string, { map: SourceMap; dir: string } | undefined>();
  const mapOf = async (file: string): Promise<{ map: SourceMap; dir: string } | undefined> => {
    if (!maps.has(file)) {
      const text = await readFile(`${file}.map`, 'utf8').catch(() => undefined);
      maps.set(file, text === undefined ? undefined : { map: new SourceMap(JSON.parse(text) as SourceMapPayload), dir: dirname(file) });
    }
    return maps.get(file);
  };
  const nodes: FramedNode[] = [];
  for (const n of p.nodes) {
    const url = n.callFrame.url;
    const file = url.startsWith('file://') ? fileURLToPath(url) : url;
    const m = file.startsWith(bundleDir) ? await mapOf(file) : undefined;
    const e = m?.map.findEntry(n.callFrame.lineNumber, n.callFrame.columnNumber);
    // Segments without a source (generated-only) come back with originalSource undefined.
    const orig = e && 'originalSource' in e && typeof e.originalSource === 'string' ? e : undefined;
    if (m && orig) {
      const src = orig.originalSource.startsWith('file://') ? fileURLToPath(orig.originalSource) : resolve(m.dir, orig.originalSource);
      // Dependencies resolve through the node_modules symlink to another checkout: name them from node_modules/ on.
      const at = src.lastIndexOf('/node_modules/');
      const url = at >= 0 ? src.slice(at + 1) : relative(root, src);
      nodes.push({ ...n, callFrame: { ...n.callFrame, url, lineNumber: orig.originalLine, columnNumber: orig.originalColumn } });
    } else {
      nodes.push(n);
    }
  }
  return { ...p, nodes };
}

/** topSelfTime's key of a frame: 'name url:line' (url with `rootUrl` stripped), or the bare name without a url. */
function frameKey(n: FramedNode, rootUrl: string): string {
  const name = n.callFrame.functionName || '(anonymous)';
  const url = rootUrl && n.callFrame.url.startsWith(rootUrl) ? n.callFrame.url.slice(rootUrl.length) : n.callFrame.url;
  return url ? `${name} ${url}:${n.callFrame.lineNumber + 1}` : name;
}

/**
 * For each hot spot key in `keys` (from topSelfTime on `p` with `rootUrl`),
 * the nearest calling frame outside Node's own code (`node:` URLs) and
 * outside the hot function itself through which most of its self time
 * (timeDeltas) came; keys with none are left out. Pure.
 */
export function callersOf(p: FramedProfile, keys: readonly string[], rootUrl = ''): Map<string, string> {
  const parent = new Map<number, FramedNode>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n);
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  (p.samples ?? []).forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, p.timeDeltas?.[i] ?? 0)));
  const tally = new Map<string, Map<string, number>>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    const key = n === undefined ? undefined : frameKey(n, rootUrl);
    if (n === undefined || key === undefined || !keys.includes(key)) continue;
    let up = parent.get(n.id);
    while (up && (up.callFrame.url === '' || up.callFrame.url.startsWith('node:') || frameKey(up, rootUrl) === key)) up = parent.get(up.id);
    if (!up) continue;
    const t = tally.get(key) ?? new Map<string, number>();
    const via = frameKey(up, rootUrl);
    t.set(via, (t.get(via) ?? 0) + us);
    tally.set(key, t);
  }
  const out = new Map<string, string>();
  for (const [key, t] of tally) {
    const best = [...t.entries()].sort((a, b) => b[1] - a[1])[0];
    if (best) out.set(key, best[0]);
  }
  return out;
}

/**
 * The profile pass (see the file header): `serverCommand(flags)` is the
 * bench's server command with `flags` added to its Node flags; `bundleDir`
 * holds the bundle and its maps (or undefined when run from sources).
 * Rejects when the cluster fails or no profile was written (the server did
 * not exit cleanly).
 */
export async function profilePass(o: {
  serverCommand: (extraNodeFlags: string[]) => string[]; bundleDir: string | undefined; root: string; images: readonly PushableImage[]; dir: string; log: (l: string) => void;
}): Promise<BurstHotSpots> {
  const profDir = join(o.dir, 'cpu-prof');
  const c = await startCluster({ images: o.images, serverCommand: o.serverCommand(['--cpu-prof', `--cpu-prof-dir=${profDir}`]), extraServerArgs: [], progress: o.log });
  let burst: BurstWindow;
  try {
    await waitFor(() => nodeReady(c.kubectl), 2 * MIN, 'the node to be Ready', 100);
    await waitFor(async () => (await c.kubectl('get', 'serviceaccount', 'default', '-o', 'name')).includes('default'), MIN, 'the default ServiceAccount');
    burst = await warmThenBurst(c.kubectl, o.dir, 30);
    o.log(`profile pass: 30 pods Running ${burst.ms} ms after the scale (profiler on)`);
  } finally {
    await c.stop();
  }
  const files = (await readdir(profDir).catch(() => [] as string[])).filter((f) => f.endsWith('.cpuprofile'));
  // One process, one isolate: a single file (CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile); the main thread's is thread 0.
  const file = files.find((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f)) ?? files[0];
  if (file === undefined) throw new Error(`no .cpuprofile in ${profDir}: the server did not exit cleanly on SIGTERM`);
  const whole = JSON.parse(await readFile(join(profDir, file), 'utf8')) as FramedProfile;
  if (burst.fromUs < whole.startTime || burst.toUs > whole.endTime) {
    throw new Error(`the burst window [${burst.fromUs}, ${burst.toUs}] µs is outside the profile's [${whole.startTime}, ${whole.endTime}]: not the same clock`);
  }
  const mapped = o.bundleDir === undefined ? whole : await mapToSources(whole, o.bundleDir, o.root);
  const win = clippedTo(mapped, burst.fromUs, burst.toUs);
  const rootUrl = `file://${o.root}/`;
  const all = topSelfTime(win, Number.MAX_SAFE_INTEGER, rootUrl);
  const busyMs = Math.round(all.reduce((a, s) => a + s.selfMs, 0));
  const top3 = topSelfTime(win, 3, rootUrl, true);
  const via = callersOf(win, top3.map((h) => h.fn), rootUrl);
  return {
    burstMs: burst.ms, busyMs, top: top3.map((h) => ({ ...h, ...(via.has(h.fn) ? { via: via.get(h.fn) } : {}) })), ...pseudoShares(win),
    how: 'an extra one-process cluster after the timed passes, its server started with --cpu-prof; the profile written at its SIGTERM exit, cut to the 0 → 30 scale → 30 Running window',
  };
}
