/**
 * The `hollow` case of `npm run bench` (issue 9's footprint row "with 100
 * hollow nodes × 30 pods"; opt-in: `--only hollow`). A real etcd and API
 * server of its own (in the bench's process); the hollow nodes are the real
 * `skiff hollow-nodes` command in a process of their own.
 *
 * - floor: the RSS of that command running one idle hollow node (modules
 *   loaded, one node registered);
 * - figure: its RSS with N nodes and N×P pods Running (pods created through
 *   the API with spec.nodeName set, round-robin, `concurrency` in flight),
 *   read from /proc/<pid>/status when the last pod is Running and again
 *   `settleMs` later (VmHWM is the peak); ratio = figure / floor. The RSS with
 *   the N nodes idle gives the cost per node and per pod;
 * - pods: seconds from the first create to the last pod Running with a podIP
 *   (seen by an informer in the bench's process), against the seconds the
 *   creates alone took in the same window (ratio = create / running: 1.0
 *   means the kubelets keep up with the API).
 *
 * The bench's process (API server plus its client side: creates and one pod
 * informer) is reported too. Run alone: `node --import tsx bench/hollow.ts
 * [--hollow-nodes N] [--hollow-pods-per-node P]`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Node, Pod } from 'kubernetes-types/core/v1';
import { createInformer } from '../apiserver/client/informer.ts';
import { Nodes, Pods, ServiceAccounts } from '../apiserver/client/resources.ts';
import type { RestClient } from '../apiserver/client/rest.ts';
import { startApiServer } from '../testutil/apiserver.ts';
import { stopChild } from '../testutil/child.ts';
import { quietLogger } from '../testutil/log.ts';
import { readRss, type Rss } from '../testutil/process-memory.ts';

/** Options of the hollow case. */
export interface HollowBenchOptions {
  nodes: number;
  podsPerNode: number;
  /** Pod creates in flight (default 16). */
  concurrency?: number;
  /** RSS is read again this long after the last pod is Running (ms; default 10 000). */
  settleMs?: number;
  /** Give up waiting for nodes or pods after this long (ms; default 10 min). */
  timeoutMs?: number;
}

/** Memory of one process, MiB (VmRSS; peak = VmHWM). */

/** The result row (see file doc). */
export interface HollowBenchResult {
  name: 'hollow';
  nodes: number;
  podsPerNode: number;
  pods: number;
  floor: { what: string } & Rss;
  figure: { what: string } & Rss & { settledMiB: number };
  /** figure.rssMiB / floor.rssMiB. */
  ratio: number;
  /** The hollow-nodes process with the N nodes Ready and no pods. */
  idle: Rss;
  perNodeKiB: number;
  perPodKiB: number;
  /** Seconds from starting the command to N Ready nodes. */
  registerSeconds: number;
  running: { seconds: number; podsPerSec: number; createSeconds: number; createPodsPerSec: number; ratio: number };
  /** CPU seconds (user + system) of the hollow-nodes process while the pods started, and over its whole life. */
  cpuSeconds: { podsPhase: number; total: number };
  /** The bench's own process: the API server plus the bench's creates and pod informer. */
  benchProcess: Rss;
  loadAverage: number[];
}

const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;

/** User + system CPU seconds of `pid` so far (from /proc/<pid>/stat, 100 ticks a second). */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Spawns `skiff hollow-nodes` (warnings and errors only, on our stderr's tail). */
function spawnHollowNodes(apiUrl: string, count: number, prefix: string, rootDir: string): ChildProcess {
  const skiff = fileURLToPath(new URL('../deploy/bin/skiff.mjs', import.meta.url));
  const child = spawn(process.execPath, [skiff, 'hollow-nodes', '--count', String(count), '--name-prefix', prefix, '--api-url', apiUrl, '--root-dir', rootDir], {
    env: { ...process.env, SKIFF_LOG_LEVEL: 'warn', SKIFF_LOG_FORMAT: 'json' }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  let tail = '';
  child.stderr?.on('data', (b: Buffer) => { tail = (tail + b.toString()).slice(-4000); });
  child.once('exit', (code, sig) => { if (code !== 0 && code !== null) process.stderr.write(`hollow-nodes exited ${code ?? sig}:\n${tail}\n`); });
  return child;
}

/** Polls until `count` nodes named `prefix`* are Ready; rejects after `timeoutMs` or when `child` exits. */
async function nodesReady(client: RestClient, prefix: string, count: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`hollow-nodes exited (${child.exitCode}) before ${count} nodes were Ready`);
    const ready = (await client.list<Node>(Nodes)).items.filter((n) => n.metadata?.name?.startsWith(prefix)
      && n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
    if (ready >= count) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`fewer than ${count} ${prefix}* nodes Ready after ${timeoutMs} ms`);
}

/** Runs the case (see file doc). Rejects when the nodes or the pods do not come up within `timeoutMs`. */
export async function hollowBench(o: HollowBenchOptions): Promise<HollowBenchResult> {
  const concurrency = o.concurrency ?? 16;
  const timeoutMs = o.timeoutMs ?? 600_000;
  const total = o.nodes * o.podsPerNode;
  const api = await startApiServer();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'skiff-bench-hollow-'));
  const ac = new AbortController();
  let child: ChildProcess | undefined;
  try {
    const c = api.client;
    // No controllers run here: make the ServiceAccount that admission looks for.
    await c.create(ServiceAccounts, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'default' } }, 'default');

    // Floor: the same command with one idle node.
    child = spawnHollowNodes(api.url, 1, 'floor-', path.join(dir, 'floor'));
    await nodesReady(c, 'floor-', 1, child, timeoutMs);
    const floor = await readRss(child.pid ?? 0);
    await stopChild(child, 10_000);
    await c.delete(Nodes, 'floor-0');

    const t0 = performance.now();
    child = spawnHollowNodes(api.url, o.nodes, 'hollow-', path.join(dir, 'nodes'));
    const pid = child.pid ?? 0;
    await nodesReady(c, 'hollow-', o.nodes, child, timeoutMs);
    const registerSeconds = (performance.now() - t0) / 1000;
    const idle = await readRss(pid);

    const running = new Set<string>();
    let allRunning!: () => void;
    const done = new Promise<void>((resolve) => { allRunning = resolve; });
    const informer = createInformer<Pod>(c, Pods, { namespace: 'default', labelSelector: 'bench=hollow' }, quietLogger('bench'));
    const seen = (p: Pod): void => {
      if (p.status?.phase === 'Running' && p.status.podIP) running.add(p.metadata?.name ?? '');
      if (running.size === total) allRunning();
    };
    informer.addHandlers({ onAdd: seen, onUpdate: (_old, p) => seen(p), onDelete: () => {} });
    informer.start(ac.signal);
    await informer.synced();

    const cpu0 = await cpuSeconds(pid);
    const start = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < total; i = next++) {
        await c.create<Pod>(Pods, {
          apiVersion: 'v1', kind: 'Pod', metadata: { name: `hollow-pod-${i}`, namespace: 'default', labels: { bench: 'hollow' } },
          spec: { nodeName: `hollow-${i % o.nodes}`, containers: [{ name: 'app', image: 'pause:3.9' }] },
        }, 'default');
      }
    }));
    const createSeconds = (performance.now() - start) / 1000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${running.size}/${total} pods Running after ${timeoutMs} ms`)), timeoutMs);
    })]).finally(() => clearTimeout(timer));
    const seconds = (performance.now() - start) / 1000;
    const figure = await readRss(pid);
    const cpu1 = await cpuSeconds(pid);
    await new Promise((r) => setTimeout(r, o.settleMs ?? 10_000));
    const settled = await readRss(pid);
    const benchProcess = await readRss('self');
    const cpuTotal = await cpuSeconds(pid);

    return {
      name: 'hollow', nodes: o.nodes, podsPerNode: o.podsPerNode, pods: total,
      floor: { what: 'RSS of `skiff hollow-nodes --count 1` (one idle node)', ...floor },
      figure: { what: `RSS of \`skiff hollow-nodes --count ${o.nodes}\` with ${total} pods Running`, ...figure, settledMiB: settled.rssMiB },
      ratio: round(figure.rssMiB / floor.rssMiB, 2),
      idle,
      perNodeKiB: Math.round(((idle.rssMiB - floor.rssMiB) * 1024) / Math.max(1, o.nodes - 1)),
      perPodKiB: Math.round(((settled.rssMiB - idle.rssMiB) * 1024) / total),
      registerSeconds: round(registerSeconds, 2),
      running: {
        seconds: round(seconds, 2), podsPerSec: round(total / seconds), createSeconds: round(createSeconds, 2),
        createPodsPerSec: round(total / createSeconds), ratio: round(createSeconds / seconds, 2),
      },
      cpuSeconds: { podsPhase: round(cpu1 - cpu0, 2), total: round(cpuTotal, 2) },
      benchProcess,
      loadAverage: os.loadavg().map((x) => round(x, 2)),
    };
  } finally {
    ac.abort();
    await stopChild(child, 20_000);
    await api.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The case's options from `--hollow-nodes N` (default 100) and `--hollow-pods-per-node P` (default 30). */
export function hollowBenchOptionsFromArgv(argv: string[] = process.argv): HollowBenchOptions {
  const flag = (name: string, dflt: number): number => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? Number(argv[i + 1]) : dflt;
  };
  return { nodes: flag('hollow-nodes', 100), podsPerNode: flag('hollow-pods-per-node', 30), concurrency: flag('concurrency', 16) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(JSON.stringify(await hollowBench(hollowBenchOptionsFromArgv()), null, 2));
}
