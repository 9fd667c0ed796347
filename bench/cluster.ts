/**
 * The `cluster` case of `npm run bench` (issue 9's `footprint`, `startup`
 * and the 30-replica burst of `pod-startup`): a real single-node cluster
 * (`skiff server` from the esbuild bundle, as installed, in its own network
 * namespace with the e2e harness: real etcd, containerd, runc, CNI,
 * iptables and images pulled from a local registry), once per process mode.
 *
 * - startup: ms from spawning `skiff server` on a fresh data dir (PKI,
 *   etcd member and containerd created from nothing) to its Node being
 *   Ready; target ≤ 3,000 ms.
 * - footprint: resident memory (VmRSS, MiB) of every Skiff process (the
 *   server, and in split mode each component) and, apart, of etcd and
 *   containerd: idle (Node Ready, system pods settled) and with 30 nginx
 *   pods Running; target for the one-process server with 30 pods: Skiff ≤ 150 MiB.
 * - burst: ms from `kubectl scale` of an nginx Deployment 0 → 30 to all 30
 *   Running (image cached); target ≤ 4,000 ms.
 * - single pods: 10 pods one at a time, apply → Ready, against raw CRI
 *   sandbox + create + start of the same image (pod-startup.ts); target
 *   p50 ≤ floor + 100 ms.
 *
 * - agent: VmRSS of a one-process `skiff agent` (kubelet and proxy in it;
 *   etcd none, containerd apart) idle and with 30 nginx pods on it; target
 *   ≤ 70 MiB. Its own extra pass after the timed modes (cluster-passes.ts):
 *   server and agent from the same command on the multi-node e2e topology
 *   (a network namespace per node, the registry in a bridge namespace, no
 *   default route). Only the agent's 30 pods run in that pass (the server's
 *   own 30-pod figure is the timed pass's).
 * - hot spots: the one-process server's top 3 self-time functions during the
 *   30-pod burst, from a further extra pass whose server runs with
 *   `--cpu-prof` (cluster-passes.ts), so the profiler never runs in a timed
 *   pass.
 *
 * Needs root and the e2e tools; skipped with a reason otherwise. Flags:
 * --cluster-modes one-process,split-processes (default both),
 * --cluster-from bundle|sources (default bundle), --cluster-node-flags
 * "<V8/Node flags>" (the server's Node flags; default the installed
 * launchers' NODE_MEMORY_FLAGS, `none` for Node's defaults, to compare),
 * --cluster-agent-pods N (pods on the agent, default 30; 0 skips the agent
 * pass), --no-cpu-prof (skips the profile pass). Both extra passes run only
 * when the one-process mode does.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImages } from '../deploy/images/build.ts';
import { buildBundle, repoRoot } from '../deploy/build/build.ts';
import { startCluster, type Cluster } from '../e2e/harness/cluster.ts';
import { prerequisites } from '../e2e/harness/prelude.ts';
import { waitFor } from '../testutil/wait.ts';
import { agentPass, nodeReady, profilePass, warmThenBurst, type AgentResult, type BurstHotSpots } from './cluster-passes.ts';
import { NODE_MEMORY_FLAGS } from '../deploy/server/node-flags.ts';
import { podStartup, type PodStartupResult } from './pod-startup.ts';
import { readRss } from '../testutil/process-memory.ts';

/** Resident memory of one cluster at one moment, MiB. */
export interface Footprint {
  /** Sum over the Skiff processes (server and, split, its components). */
  skiffMiB: number;
  etcdMiB: number;
  containerdMiB: number;
  /** Each process by its pid-file name. */
  perProcess: Record<string, number>;
  /** The V8 heap (used, total) and external memory of the process serving the controller-manager's /metrics, MiB (the whole server in one process). */
  heap?: { usedMiB: number; totalMiB: number; externalMiB: number };
}

/** One process mode's figures. */
export interface ClusterModeResult {
  mode: 'one-process' | 'split-processes';
  startupMs: number;
  /** The server's own step times (its `✓ <step> ready (N s)` lines), ms: where the start-up goes. */
  startupSteps: Record<string, number>;
  idle: Footprint;
  with30Pods: Footprint;
  burst30Ms: number;
  /** Single pods, apply → Ready, against the raw CRI floor (pod-startup.ts). */
  singlePods: PodStartupResult;
}

/** The case's row in bench/results. */
export interface ClusterBenchResult {
  name: 'cluster';
  from: 'bundle' | 'sources';
  /** Flags the server's Node ran with (--cluster-node-flags). */
  nodeFlags: string[];
  skipped?: string;
  modes: ClusterModeResult[];
  targets: { startupMs: number; serverWith30PodsMiB: number; burst30Ms: number; singlePodOverheadMs: number; agentWith30PodsMiB: number };
  /** The one-process agent (agent pass; absent when the one-process mode did not run). */
  agent?: AgentResult | { skipped: string } | { error: string };
  /** The one-process server's hot spots during the burst (profile pass; absent when the one-process mode did not run). */
  burstHotSpots?: BurstHotSpots | { skipped: string } | { error: string };
  /** The one-process figures against the targets (absent when that mode did not run); agentFootprint only when the agent pass ran with 30 pods or more. */
  meets?: { startup: boolean; footprint: boolean; burst: boolean; singlePod: boolean; agentFootprint?: boolean };
}

const TOOLS = ['ip', 'nsenter', 'umoci', 'skopeo', 'docker-registry', 'gcc', 'dpkg-deb', 'curl', 'etcd', 'etcdctl', 'containerd', 'runc', 'ctr', 'iptables'];
const TARGETS = { startupMs: 3_000, serverWith30PodsMiB: 150, burst30Ms: 4_000, singlePodOverheadMs: 100, agentWith30PodsMiB: 70 };
const COMPONENTS = ['apiserver', 'scheduler', 'controller-manager', 'kubelet', 'proxy'];
const MIN = 60_000;

/** The footprint now, from the cluster's pid files. */
async function footprint(c: Cluster): Promise<Footprint> {
  const perProcess: Record<string, number> = {};
  for (const name of ['server', ...COMPONENTS, 'etcd', 'containerd']) {
    const pid = await c.pidOf(name).catch(() => undefined);
    const mib = pid === undefined ? undefined : (await readRss(pid).catch(() => undefined))?.rssMiB;
    if (mib !== undefined) perProcess[name] = mib;
  }
  const skiff = ['server', ...COMPONENTS].reduce((sum, n) => sum + (perProcess[n] ?? 0), 0);
  const heap = await heapOf(c);
  return { skiffMiB: Math.round(skiff * 10) / 10, etcdMiB: perProcess.etcd ?? 0, containerdMiB: perProcess.containerd ?? 0, perProcess, ...(heap ? { heap } : {}) };
}

/** The process metrics (prom-client's nodejs_heap_size_*_bytes, nodejs_external_memory_bytes) the controller-manager serves, in MiB; undefined if unreadable. */
async function heapOf(c: Cluster): Promise<Footprint['heap']> {
  const text = await c.exec('curl', '-s', '--max-time', '5', 'http://127.0.0.1:10257/metrics').catch(() => '');
  const mib = (name: string): number | undefined => {
    const v = text.match(new RegExp(`^${name} ([0-9.e+]+)$`, 'm'))?.[1];
    return v === undefined ? undefined : Math.round(Number(v) / 104857.6) / 10;
  };
  const used = mib('nodejs_heap_size_used_bytes');
  const total = mib('nodejs_heap_size_total_bytes');
  const external = mib('nodejs_external_memory_bytes');
  return used === undefined || total === undefined || external === undefined ? undefined : { usedMiB: used, totalMiB: total, externalMiB: external };
}

/** Brings up one cluster in `mode`, measures, tears it down. */
async function measureMode(mode: ClusterModeResult['mode'], serverCommand: string[], images: Awaited<ReturnType<typeof buildImages>>['images'], log: (l: string) => void): Promise<ClusterModeResult> {
  let spawnedAt = 0;
  const c = await startCluster({
    images, serverCommand, extraServerArgs: mode === 'split-processes' ? ['--split-processes'] : [],
    progress: (l) => { if (l.startsWith('skiff server started')) spawnedAt = Date.now(); log(l); },
  });
  const work = await mkdtemp(join(tmpdir(), 'skiff-bench-cluster-'));
  try {
    await waitFor(() => nodeReady(c.kubectl), 2 * MIN, 'the node to be Ready', 50);
    const startupMs = Date.now() - spawnedAt;
    const startupSteps: Record<string, number> = {};
    for (const m of (await c.logTail(200_000)).matchAll(/✓ (\S+) ready \((\d+(?:\.\d+)?)s\)/g)) startupSteps[m[1] ?? ''] = Math.round(Number(m[2]) * 1000);
    log(`${mode}: node Ready ${startupMs} ms after spawning skiff server; steps ${JSON.stringify(startupSteps)}`);
    // Idle: let the system pods (none by default) and the first syncs settle before reading RSS.
    await waitFor(async () => (await c.kubectl('get', 'serviceaccount', 'default', '-o', 'name')).includes('default'), MIN, 'the default ServiceAccount');
    const idle = await footprint(c);
    // Warm the image and the pod path with one replica, then scale 0 → 30.
    const burst30Ms = (await warmThenBurst(c.kubectl, work, 30)).ms;
    log(`${mode}: 30 pods Running ${burst30Ms} ms after the scale`);
    const with30Pods = await footprint(c);
    await c.kubectl('scale', 'deployment/web', '--replicas=0');
    const singlePods = await podStartup(c, 'docker.io/library/nginx:1.22', work);
    log(`${mode}: single pod p50 ${singlePods.p50Ms} ms, raw CRI floor p50 ${singlePods.floorP50Ms} ms (+${singlePods.overheadMs} ms; two trivial kubectl calls ${singlePods.kubectlP50Ms} ms); 30 raw CRI starts at once ${singlePods.burstFloorMs} ms`);
    log(`${mode}: Skiff ${idle.skiffMiB} MiB idle, ${with30Pods.skiffMiB} MiB with 30 pods (etcd ${with30Pods.etcdMiB}, containerd ${with30Pods.containerdMiB}); heap ${JSON.stringify(idle.heap)} → ${JSON.stringify(with30Pods.heap)}`);
    return { mode, startupMs, startupSteps, idle, with30Pods, burst30Ms, singlePods };
  } finally {
    await c.stop();
    await rm(work, { recursive: true, force: true });
  }
}

/** The extra passes' error as a row field (their failure must not lose the timed figures). */
const failed = (e: unknown): { error: string } => ({ error: (e instanceof Error ? e.message : String(e)).slice(0, 4000) });

/**
 * Runs the case; never throws for a missing prerequisite (the row says why
 * it was skipped). `agentPods` (default 30; 0 skips) and `cpuProf` (default
 * true) control the extra passes that follow the timed one-process mode.
 */
export async function clusterBench(opts: { modes: Array<ClusterModeResult['mode']>; from: 'bundle' | 'sources'; nodeFlags?: string[]; agentPods?: number; cpuProf?: boolean; log?: (l: string) => void }): Promise<ClusterBenchResult> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`[bench cluster] ${l}\n`));
  const base = { name: 'cluster' as const, from: opts.from, nodeFlags: opts.nodeFlags ?? [], modes: [] as ClusterModeResult[], targets: TARGETS };
  const missing = process.getuid?.() !== 0 ? 'needs root' : await prerequisites(TOOLS);
  if (missing !== undefined) return { ...base, skipped: missing };
  const built = await buildImages({ progress: log });
  const flags = opts.nodeFlags ?? [];
  let script = join(repoRoot, 'deploy/bin/skiff.mjs');
  let outDir: string | undefined;
  if (opts.from === 'bundle') {
    outDir = await mkdtemp(join(tmpdir(), 'skiff-bench-dist-'));
    script = (await buildBundle({ outDir })).bundle;
  }
  const commandWith = (extraNodeFlags: string[]): string[] => [process.execPath, ...flags, ...extraNodeFlags, script];
  const serverCommand = commandWith([]);
  const agentPods = opts.agentPods ?? 30;
  let agent: ClusterBenchResult['agent'];
  let burstHotSpots: ClusterBenchResult['burstHotSpots'];
  try {
    for (const mode of opts.modes) base.modes.push(await measureMode(mode, serverCommand, built.images, log));
    if (opts.modes.includes('one-process')) {
      // The extra passes, each on a cluster of its own after every timed figure is taken.
      const work = await mkdtemp(join(tmpdir(), 'skiff-bench-extra-'));
      try {
        agent = agentPods <= 0 ? { skipped: '--cluster-agent-pods 0' }
          : await agentPass({ command: serverCommand, images: built.images, pods: agentPods, dir: work, log }).catch(failed);
        if (opts.cpuProf === false) burstHotSpots = { skipped: '--no-cpu-prof' };
        else {
          burstHotSpots = await profilePass({ serverCommand: commandWith, bundleDir: outDir, root: repoRoot, images: built.images, dir: work, log }).catch(failed);
          if ('top' in burstHotSpots) log(`profile pass: server hot spots during the burst (${burstHotSpots.busyMs} ms busy; gc ${burstHotSpots.gc}, program ${burstHotSpots.program}): ${burstHotSpots.top.map((h) => `${h.fn} ${h.selfMs} ms${h.via ? ` (via ${h.via})` : ''}`).join('; ')}`);
        }
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    }
  } finally {
    if (outDir) await rm(outDir, { recursive: true, force: true });
  }
  const one = base.modes.find((m) => m.mode === 'one-process');
  const agentMeets = agent !== undefined && 'withPods' in agent && agent.pods >= 30 ? { agentFootprint: agent.withPods.agentMiB <= TARGETS.agentWith30PodsMiB } : {};
  return {
    ...base,
    ...(agent ? { agent } : {}),
    ...(burstHotSpots ? { burstHotSpots } : {}),
    ...(one ? { meets: { startup: one.startupMs <= TARGETS.startupMs, footprint: one.with30Pods.skiffMiB <= TARGETS.serverWith30PodsMiB, burst: one.burst30Ms <= TARGETS.burst30Ms, singlePod: one.singlePods.overheadMs <= TARGETS.singlePodOverheadMs, ...agentMeets } } : {}),
  };
}

/** The case's options from `npm run bench` flags. Throws on an unknown mode or source, or a --cluster-agent-pods that is not a whole number. */
export function clusterBenchOptionsFromArgv(argv: readonly string[] = process.argv): { modes: Array<ClusterModeResult['mode']>; from: 'bundle' | 'sources'; nodeFlags: string[]; agentPods: number; cpuProf: boolean } {
  const value = (f: string): string | undefined => { const i = argv.indexOf(f); return i < 0 ? undefined : argv[i + 1]; };
  const modes = (value('--cluster-modes') ?? 'one-process,split-processes').split(',');
  for (const m of modes) if (m !== 'one-process' && m !== 'split-processes') throw new Error(`--cluster-modes: unknown mode ${m}`);
  const from = value('--cluster-from') ?? 'bundle';
  if (from !== 'bundle' && from !== 'sources') throw new Error(`--cluster-from: want bundle or sources, got ${from}`);
  const given = value('--cluster-node-flags');
  const nodeFlags = given === undefined ? [...NODE_MEMORY_FLAGS] : given === 'none' ? [] : given.split(/\s+/).filter((f) => f !== '');
  const agentPods = Number(value('--cluster-agent-pods') ?? '30');
  if (!Number.isInteger(agentPods) || agentPods < 0) throw new Error(`--cluster-agent-pods: want a whole number, got ${value('--cluster-agent-pods')}`);
  return { modes: modes as Array<ClusterModeResult['mode']>, from, nodeFlags, agentPods, cpuProf: !argv.includes('--no-cpu-prof') };
}
