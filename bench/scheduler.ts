/**
 * The `scheduler` case of `npm run bench` (issue 9): P pending pods onto N
 * Ready Node objects (no kubelets) through the real API server on a real
 * etcd of its own.
 *
 * - floor: the API create rate of those very pods (RestClient, `concurrency`
 *   creates in flight, from the API server's process), measured in the run;
 * - figure: pods bound per second by the real scheduler (runScheduler, in
 *   its own process by default, as kube-scheduler and --split-processes;
 *   `inline` runs it in the API server's process, as the one-process server),
 *   from the first binding to the last, seen on a raw etcd watch so that the
 *   measurement adds no API work. The wall rate (from starting the scheduler,
 *   so including its start-up and the initial LIST) is reported too;
 * - ratio = figure / floor; targets ≥ 500 pods/s and ≥ 0.8.
 *
 * With `cpuProf` (the default; --no-cpu-prof turns it off) the scheduler's
 * process and the API server's are profiled through the inspector (the V8
 * profiler --cpu-prof uses) over the scheduling window, and the API server's
 * also over both floor phases (the same overhead on both sides); the top
 * three self-time functions of each go into the result. The load average
 * and the CPU time per pod are recorded (the cores are shared).
 * Run alone: `node --import tsx bench/scheduler.ts [--sched-pods P]
 * [--sched-nodes N] [--sched-inline] [--no-cpu-prof] [--sched-parallel B]`.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Etcd3 } from 'etcd3';
import type { Node, Pod } from 'kubernetes-types/core/v1';
import { Namespaces, Nodes, Pods, ServiceAccounts } from '../apiserver/client/resources.ts';
import { runScheduler } from '../scheduler/main.ts';
import { startApiServer } from '../testutil/apiserver.ts';
import { stopChild } from '../testutil/child.ts';
import { quietLogger } from '../testutil/log.ts';
import { pseudoShares, repoRoot, startProfile, topSelfTime, type CpuProfile, type HotSpot } from './hot-spots.ts';

/** Options of the scheduler case. */
export interface SchedulerBenchOptions {
  pods: number;
  nodes: number;
  /** Creates in flight for the floor and the setup (default 16). */
  concurrency?: number;
  /** Run the scheduler in the API server's process instead of its own. */
  inline?: boolean;
  /** Profile both processes and report the top three hot spots of each. */
  cpuProf?: boolean;
  /** The scheduler's parallelBindings (default: its own default). */
  parallelBindings?: number;
  /** Also write the raw .cpuprofile files into this directory (with cpuProf). */
  profileOut?: string;
  /** Give up waiting for the bindings after this long (ms; default 10 min). */
  timeoutMs?: number;
}

/** The result row (see file doc). Rates in pods per second. */
export interface SchedulerBenchResult {
  name: 'scheduler';
  pods: number;
  nodes: number;
  mode: 'separate-process' | 'inline';
  floor: { what: string; podsPerSec: number; before: number; after: number };
  figure: { what: string; podsPerSec: number };
  ratio: number;
  /** Bound pods / seconds from starting the scheduler to the last binding (start-up and initial LIST included). */
  wallPodsPerSec: number;
  /** ms from starting the scheduler to its first binding (process start, informer LIST of every pod). */
  firstBindMs: number;
  targets: { podsPerSec: number; ratio: number };
  meetsTargets: boolean;
  /** Pods per node at the end (a spread check). */
  perNode: { min: number; max: number };
  /** Scheduled Events stored when the scheduler stopped. */
  events: number;
  /**
   * CPU ms per pod (user + system; steadier than rates on shared cores): the API server's process while
   * creating the floor's pods and while the pods were being bound (the etcd observer included in both),
   * and the scheduler's process over its whole life (start-up and initial LIST included).
   */
  cpuMsPerPod: { apiProcessCreating: number; apiProcessScheduling: number; schedulerProcess?: number };
  /** 1-minute load average before the floor, before scheduling and after; and the core count. */
  load: { before: number; scheduling: number; after: number; cpus: number };
  /**
   * Top three self-time functions (GC and (program) left out; GC's share given apart): the scheduler's
   * process, the API server's while binding, and while creating the floor's pods.
   */
  hotSpots?: { scheduler: HotSpot[]; apiserver: HotSpot[]; apiserverCreating: HotSpot[]; gcShare: { scheduler: number; apiserver: number } };
}

/** Runs `n` tasks with at most `c` in flight; resolves elapsed ms. */
async function timed(n: number, c: number, task: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const start = performance.now();
  const worker = async (): Promise<void> => {
    while (next < n) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(c, n) }, worker));
  return performance.now() - start;
}

function benchPod(name: string): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'sched-bench' } },
    spec: { containers: [{ name: 'c', image: 'nginx:1.22', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
  };
}

function benchNode(name: string, zone: string): Node {
  const alloc = { cpu: '32', memory: '128Gi', pods: '110' };
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': zone } },
    spec: {},
    status: { capacity: alloc, allocatable: alloc, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: new Date().toISOString(), lastTransitionTime: new Date().toISOString() }] },
  };
}

const rate = (n: number, ms: number): number => Math.round((n / ms) * 1000 * 10) / 10;
const round2 = (x: number): number => Math.round(x * 100) / 100;
const cpuMsSince = (since: NodeJS.CpuUsage): number => { const u = process.cpuUsage(since); return (u.user + u.system) / 1000; };
const load1 = (): number => Math.round(os.loadavg()[0] * 100) / 100;

/** Runs the case (see file doc). Throws if the pods are not all bound within the timeout. */
export async function schedulerBench(opts: SchedulerBenchOptions): Promise<SchedulerBenchResult> {
  const c = opts.concurrency ?? 16;
  const loadBefore = load1();
  const api = await startApiServer();
  const etcd = new Etcd3({ hosts: api.etcd.endpoint, grpcOptions: { 'grpc.max_receive_message_length': -1 } });
  const profDir = opts.cpuProf ? await mkdtemp(path.join(os.tmpdir(), 'sched-prof-')) : undefined;
  let child: ReturnType<typeof spawn> | undefined;
  const ac = new AbortController();
  let inline: Promise<void> | undefined;
  let childOut = '';
  try {
    await api.client.create(ServiceAccounts, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'default' } }, 'default');
    await timed(opts.nodes, c, async (i) => {
      const n = benchNode(`node-${i}`, `zone-${i % 3}`);
      const created = await api.client.create<Node>(Nodes, { apiVersion: 'v1', kind: 'Node', metadata: n.metadata, spec: n.spec });
      await api.client.updateStatus<Node>(Nodes, { ...created, status: n.status });
    });
    // Count bindings on a raw etcd watch: a stored pod with spec.nodeName is bound. It runs during the
    // floor too, so that both phases carry the same observer.
    const bound = new Set<string>();
    let firstBindAt = 0;
    let lastBindAt = 0;
    let allBound!: () => void;
    const done = new Promise<void>((r) => { allBound = r; });
    const watcher = await etcd.watch().prefix('/registry/pods/default/').create();
    watcher.on('put', (kv) => {
      const key = kv.key.toString();
      if (bound.has(key) || !kv.value.includes('"nodeName"')) return;
      const t = performance.now();
      if (bound.size === 0) firstBindAt = t;
      lastBindAt = t;
      bound.add(key);
      if (bound.size === opts.pods) allBound();
    });

    // The floor: the API create rate of the very pods the scheduler will place (and again after the
    // scheduling, of as many pods in another namespace, so that a change of load shows; floor = the mean).
    // With cpuProf the floor's creates run under the profiler too, so that both sides carry its overhead.
    const floorProf = opts.cpuProf ? await startProfile() : undefined;
    const cpu0 = process.cpuUsage();
    const createMs = await timed(opts.pods, c, (i) => api.client.create(Pods, benchPod(`p-${i}`), 'default'));
    const floorCpu = cpuMsSince(cpu0);
    const floorProfile = await floorProf?.stop();
    const floorBefore = rate(opts.pods, createMs);

    const loadScheduling = load1();
    const schedProf = opts.cpuProf ? await startProfile() : undefined;
    const cpu1 = process.cpuUsage();
    const startedAt = performance.now();
    if (opts.inline) {
      inline = runScheduler({ apiUrl: api.url, healthzPort: 0, log: quietLogger('scheduler'), ...(opts.parallelBindings ? { parallelBindings: opts.parallelBindings } : {}) }, ac.signal);
    } else {
      const args = ['--import', 'tsx', fileURLToPath(new URL('./scheduler-child.ts', import.meta.url)), api.url,
        opts.parallelBindings ? String(opts.parallelBindings) : '-', profDir ? path.join(profDir, 'scheduler.cpuprofile') : '-'];
      child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
      child.stdout?.on('data', (b: Buffer) => { childOut += b.toString(); });
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      done,
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`only ${bound.size}/${opts.pods} pods bound within ${opts.timeoutMs ?? 600_000} ms`)), opts.timeoutMs ?? 600_000); }),
    ]).finally(() => clearTimeout(timer));
    const schedulingCpu = cpuMsSince(cpu1);
    const apiProfile = await schedProf?.stop();
    await watcher.cancel();

    ac.abort();
    await inline;
    await stopChild(child, 20_000);
    const schedulerCpu = child ? (JSON.parse(childOut.trim().split('\n').pop() || '{}') as { cpuMs?: number }).cpuMs : undefined;
    await api.client.create(Namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'floor-after' } });
    await api.client.create(ServiceAccounts, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'floor-after' } }, 'floor-after');
    const afterProf = opts.cpuProf ? await startProfile() : undefined;
    const floorAfter = rate(opts.pods, await timed(opts.pods, c, (i) => api.client.create(Pods, { ...benchPod(`q-${i}`), metadata: { name: `q-${i}`, namespace: 'floor-after' } }, 'floor-after')));
    await afterProf?.stop();
    const floor = Math.round(((floorBefore + floorAfter) / 2) * 10) / 10;
    const events = Number(await etcd.getAll().prefix('/registry/events/default/').count());
    const perNode = new Map<string, number>();
    for (const v of Object.values(await etcd.getAll().prefix('/registry/pods/default/').strings())) {
      const n = (JSON.parse(v) as Pod).spec?.nodeName ?? '';
      perNode.set(n, (perNode.get(n) ?? 0) + 1);
    }
    const counts = [...perNode.values()];
    const figure = rate(opts.pods, Math.max(1, lastBindAt - firstBindAt));
    const ratio = Math.round((figure / floor) * 1000) / 1000;
    const result: SchedulerBenchResult = {
      name: 'scheduler',
      pods: opts.pods,
      nodes: opts.nodes,
      mode: opts.inline ? 'inline' : 'separate-process',
      floor: { what: `API pod creates/s (${c} in flight) of the same pods, mean of before and after the scheduling`, podsPerSec: floor, before: floorBefore, after: floorAfter },
      figure: { what: 'pods bound/s, first binding to last', podsPerSec: figure },
      ratio,
      wallPodsPerSec: rate(opts.pods, lastBindAt - startedAt),
      firstBindMs: Math.round(firstBindAt - startedAt),
      targets: { podsPerSec: 500, ratio: 0.8 },
      meetsTargets: figure >= 500 && ratio >= 0.8,
      perNode: { min: perNode.size < opts.nodes ? 0 : Math.min(...counts), max: Math.max(...counts) },
      events,
      cpuMsPerPod: {
        apiProcessCreating: round2(floorCpu / opts.pods),
        apiProcessScheduling: round2(schedulingCpu / opts.pods),
        ...(schedulerCpu !== undefined ? { schedulerProcess: round2(schedulerCpu / opts.pods) } : {}),
      },
      load: { before: loadBefore, scheduling: loadScheduling, after: load1(), cpus: os.cpus().length },
    };
    if (profDir && apiProfile) {
      const schedProfile = opts.inline ? undefined : (JSON.parse(await readFile(path.join(profDir, 'scheduler.cpuprofile'), 'utf8')) as CpuProfile);
      if (opts.profileOut) {
        await mkdir(opts.profileOut, { recursive: true });
        await writeFile(path.join(opts.profileOut, 'apiserver.cpuprofile'), JSON.stringify(apiProfile));
        if (schedProfile) await writeFile(path.join(opts.profileOut, 'scheduler.cpuprofile'), JSON.stringify(schedProfile));
      }
      result.hotSpots = {
        scheduler: schedProfile ? topSelfTime(schedProfile, 3, repoRoot, true) : [],
        apiserver: topSelfTime(apiProfile, 3, repoRoot, true),
        apiserverCreating: floorProfile ? topSelfTime(floorProfile, 3, repoRoot, true) : [],
        gcShare: { scheduler: schedProfile ? pseudoShares(schedProfile).gc : 0, apiserver: pseudoShares(apiProfile).gc },
      };
    }
    return result;
  } finally {
    ac.abort();
    await inline?.catch(() => undefined);
    await stopChild(child, 5_000);
    etcd.close();
    await api.stop();
    if (profDir) await rm(profDir, { recursive: true, force: true });
  }
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/**
 * The options `npm run bench` passes: --sched-pods (default 10000, the size),
 * --sched-nodes (1000), --sched-inline, --sched-parallel, --sched-prof-out DIR; profiling (hot spots) is on
 * unless --no-cpu-prof.
 */
export function schedulerBenchOptionsFromArgv(): SchedulerBenchOptions {
  return {
    pods: Number(flag('sched-pods') ?? 10000),
    nodes: Number(flag('sched-nodes') ?? 1000),
    inline: process.argv.includes('--sched-inline'),
    cpuProf: !process.argv.includes('--no-cpu-prof'),
    ...(flag('sched-parallel') ? { parallelBindings: Number(flag('sched-parallel')) } : {}),
    ...(flag('sched-prof-out') ? { profileOut: flag('sched-prof-out') } : {}),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(JSON.stringify(await schedulerBench(schedulerBenchOptionsFromArgv()), null, 2));
}
