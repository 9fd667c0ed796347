/**
 * `npm run bench`: measures the API server's cost over its etcd floor.
 *
 * Each case runs the same work twice in one run — once straight against etcd
 * with the `etcd3` client (the baseline: the txn shapes the apiserver itself
 * uses) and once through the real API server over HTTP with the RestClient —
 * and reports ops/s for both and the ratio api/etcd. The list baseline reads
 * the very values the server stored (same bytes; the bench's smaller own
 * values are reported as smallValueBaseline, with byte totals). Results are printed as
 * JSON and written to bench/results/<ISO time>.json. Needs /usr/bin/etcd.
 *
 * The watch fan-out case (watch-fanout.ts) reports delivery latency
 * percentiles of W HTTP watchers against one raw etcd watcher.
 *
 * The proxy-sync case (proxy-sync.ts; root only, in a private network
 * namespace) reports each proxy mode's full sync and one endpoint change of
 * --proxy-services S (default 5000) x --proxy-endpoints E (default 5), each
 * against the raw apply of the same payload (--proxy-rounds R, default 1;
 * --proxy-modes iptables,nftables to choose).
 * `--only proxy` runs just that (no etcd needed).
 *
 * The list cases LIST the pods the create rounds stored (pods x rounds; the defaults --pods 2000 --rounds 5
 * are issue 9's 10,000), plainly, with resourceVersion=0, and with a label selector that matches every pod and one
 * that matches none, each against the same etcd range floor.
 *
 * Hot spots (issue 9: "record the top three hot spots in each benchmark's result"; bench/hot-spots.ts):
 * the create row, each list row, the watch fan-out row and each proxy-sync row carry `hotSpots`, the top
 * three self-time functions ('name repo/relative/file.ts:line'; (program) and GC left out, GC's share is
 * `gcShare`) of this process under V8's CPU profiler (node:inspector). Profiling slows what it watches, so
 * it never runs over a timed pass: each row gets one extra, untimed pass of its API-side work, run after
 * the timed work it could disturb — for create, one more API round (--pods creates, --concurrency in
 * flight) into namespace hot-spots after the lists (no etcd baseline: the API side only; the profile
 * covers the in-process server, its etcd client and the HTTP client); for each list row, 5 more of its
 * lists after all timed lists; for the fan-out, the same writes again to the same watchers after the
 * latencies are taken (those pods deleted again); for proxy sync, one more full sync and ten more
 * endpoint changes after the timed rounds (proxy-sync.ts). The reported rates and ratios are thus the
 * unprofiled ones. The scheduler row keeps its own profiles (scheduler.ts). --no-cpu-prof skips all
 * profiling.
 *
 * Flags: --pods N (default 2000), --concurrency C (default 16), --rounds R
 * (create rounds, baseline and API alternating; default 5),
 * --watchers W (default 500), --watch-writes N (default 200),
 * --watch-gap-ms G (pause between fan-out writes, default 10),
 * --only watch (just the fan-out case), --only create (just the create rounds), --no-watch-cache (one etcd watch
 * per HTTP watch, as before the cache, for comparison), --warmup W (default 0: none; W baseline and W API
 * creates before the rounds, not timed, so that the rounds measure JIT-compiled code on both sides),
 * --slice S (default: the whole round; a round alternates baseline and API every S creates).
 * The scheduler case (scheduler.ts, its own etcd and API server): --only scheduler, --sched-pods P (default
 * 10000, the size), --sched-nodes N (default 1000), --sched-inline, --sched-parallel B, --no-cpu-prof
 * (hot spots are recorded by default, for every case above; it turns all profiling off).
 * The cluster case (cluster.ts; root and the e2e tools): a real single-node cluster from the bundle in each process
 * mode: startup to Node Ready, RSS idle and with 30 pods, a 0 → 30 scale burst. --only cluster,
 * --cluster-modes one-process,split-processes, --cluster-from bundle|sources.
 * The hollow case (hollow.ts, its own etcd and API server; about 90 s on the shared 2-core machine; issue 9's
 * footprint row): --hollow-nodes N (default 100), --hollow-pods-per-node P (default 30): the RSS of
 * `skiff hollow-nodes` with N x P pods Running, and the time for them to be Running. The default run ends
 * with it, in a child process (bench/hollow.ts run alone, so that its benchProcess RSS is a fresh
 * process's); --no-hollow skips it; --only hollow runs just that, in this process.
 * Without --only, the proxy, cluster and hollow cases run after the API cases' server is stopped.
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Etcd3 } from 'etcd3';
import type { Pod } from 'kubernetes-types/core/v1';
import { Namespaces, Pods, ServiceAccounts } from '../apiserver/client/resources.ts';
import { startApiServer } from '../testutil/apiserver.ts';
import { watchFanout, type FanoutResult } from './watch-fanout.ts';
import { proxySync, type ProxySyncResult } from './proxy-sync.ts';
import { isProxyMode } from '../proxy/backend.ts';
import { benchPod, timed } from './create-shared.ts';
import { startProcessCreateClient } from './create-client.ts';
import { profilePhase, type HotSpot, type PhaseHotSpots } from './hot-spots.ts';

import { schedulerBench, schedulerBenchOptionsFromArgv, type SchedulerBenchResult } from './scheduler.ts';
import { clusterBench, clusterBenchOptionsFromArgv, type ClusterBenchResult } from './cluster.ts';
import { hollowBench, hollowBenchOptionsFromArgv, type HollowBenchResult } from './hollow.ts';

type AnyResult = CaseResult | FanoutResult | ProxySyncResult | SchedulerBenchResult | ClusterBenchResult | HollowBenchResult;

interface CaseResult {
  name: string;
  ops: number;
  baselineOpsPerSec: number;
  skiffOpsPerSec: number;
  /** skiff / baseline: 1.0 would mean the API adds no cost over etcd. */
  ratio: number;
  /** Per-round ratios when the case ran in rounds (the row is the median round). */
  rounds?: number[];
  /** Lists: the old baseline (the bench's own ~300-byte values) and the API's ratio against it. */
  smallValueBaseline?: { opsPerSec: number; ratio: number };
  /** Lists: total bytes of the values the server stored, of the bench's own values, and of one API list response. */
  bytes?: { storedValueBytes: number; benchValueBytes: number; responseBytes: number };
  /** Top three self-time functions of this process over the row's extra, untimed profiled pass (file doc). */
  hotSpots?: HotSpot[];
  /** The share (0..1) of that pass's non-idle time in GC. */
  gcShare?: number;
}

function flag(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

function only(): string | undefined {
  const i = process.argv.indexOf('--only');
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** The proxy-sync rows (both modes), or none when not root; with `cpuProf` each carries its hot spots. */
async function proxyRows(cpuProf: boolean): Promise<ProxySyncResult[]> {
  if (process.getuid?.() !== 0) return [];
  const i = process.argv.indexOf('--proxy-modes');
  const modes = (i >= 0 ? process.argv[i + 1] ?? '' : 'iptables,nftables').split(',').filter(isProxyMode);
  return proxySync({ services: flag('proxy-services', 5000), endpoints: flag('proxy-endpoints', 5), rounds: flag('proxy-rounds', 1), modes, cpuProf });
}

/**
 * The hollow case in a process of its own (`node --import tsx bench/hollow.ts` with this run's
 * --hollow-nodes, --hollow-pods-per-node and --concurrency), so that its benchProcess RSS is a fresh API
 * server's rather than this process's heap after the other cases. Rejects when it exits non-zero or prints
 * no result.
 */
async function hollowInChild(): Promise<HollowBenchResult> {
  const pass = ['hollow-nodes', 'hollow-pods-per-node', 'concurrency'].flatMap((name) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? [`--${name}`, process.argv[i + 1] ?? ''] : [];
  });
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./hollow.ts', import.meta.url)), ...pass], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c) => resolve(c));
  });
  if (code !== 0) throw new Error(`bench/hollow.ts exited ${code}: ${out.slice(-500)}`);
  try {
    return JSON.parse(out) as HollowBenchResult;
  } catch {
    throw new Error(`bench/hollow.ts printed no result: ${out.slice(-500)}`);
  }
}

async function main(): Promise<void> {
  const n = flag('pods', 2000);
  const c = flag('concurrency', 16);
  const cpuProf = !process.argv.includes('--no-cpu-prof');
  if (only() === 'proxy') {
    await report(n, c, await proxyRows(cpuProf));
    return;
  }
  if (only() === 'cluster') {
    await report(n, c, [await clusterBench(clusterBenchOptionsFromArgv())]);
    return;
  }
  // Alone: its own etcd and API server in this process (in the default run it runs in a child, last).
  if (only() === 'hollow') {
    await report(n, c, [await hollowBench(hollowBenchOptionsFromArgv())]);
    return;
  }
  const results: AnyResult[] = [];
  try {
    await apiCases(results, n, c, cpuProf);
    if (only() === undefined) {
      results.push(...await proxyRows(cpuProf));
      results.push(await clusterBench(clusterBenchOptionsFromArgv()));
      if (!process.argv.includes('--no-hollow')) results.push(await hollowInChild());
    }
  } finally {
    await report(n, c, results);
  }
}

/** `task` run `passes` times, one at a time, untimed, under the profiler: the hot spots of a row's extra pass. */
function profiledPasses(passes: number, task: () => Promise<unknown>): Promise<PhaseHotSpots> {
  return profilePhase(() => timed(passes, 1, task), { intervalUs: 250 });
}

/**
 * The cases against one API server of this process (watch fan-out, scheduler, create, lists), appended to
 * `results` as they finish; returns early after the one `--only` names. The server is stopped on return
 * and on error.
 */
async function apiCases(results: AnyResult[], n: number, c: number, cpuProf: boolean): Promise<void> {
  const R = flag('rounds', 5);
  const api = await startApiServer({ watchCache: !process.argv.includes('--no-watch-cache') });
  // The list floor reads the whole range in one response (20 MB for 10,000 stored pods): no 4 MiB gRPC cap.
  const etcd = new Etcd3({ hosts: api.etcd.endpoint, grpcOptions: { 'grpc.max_receive_message_length': -1 } });
  // In a running cluster the ServiceAccount controller keeps `default` in every namespace, and
  // ServiceAccount admission finds it in the watch cache; the bench runs no controllers, so it makes it.
  await api.client.create(ServiceAccounts, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'default' } }, 'default');
  const run = (name: string): boolean => only() === undefined || only() === name;
  try {
    if (run('watch')) {
      await api.client.create(Namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fanout' } });
      results.push(await watchFanout(api, 'fanout', { watchers: flag('watchers', 500), writes: flag('watch-writes', 200), gapMs: flag('watch-gap-ms', 10), cpuProf }));
    }
    if (only() === 'watch') return;
    if (run('scheduler')) { results.push(await schedulerBench(schedulerBenchOptionsFromArgv())); if (only() === 'scheduler') return; }
    // Create: baseline is a create txn on mod_revision == 0, as the store does. Rounds alternate
    // baseline and API so that load from other processes hits both alike; the row is the median round.
    const rounds: CaseResult[] = [];
    const warmup = flag('warmup', 0);
    if (warmup > 0) {
      await timed(warmup, c, async (i) => {
        const key = `/bench/warmup/default/w-${i}`;
        const res = await etcd.if(key, 'Mod', '==', 0).then(etcd.put(key).value(JSON.stringify(benchPod(`w-${i}`)))).commit();
        if (!res.succeeded) throw new Error(`warm-up create of ${key} failed`);
      });
      await api.client.create(Namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'warmup' } });
      await api.client.create(ServiceAccounts, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'warmup' } }, 'warmup');
      await timed(warmup, c, (i) => api.client.create(Pods, benchPod(`w-${i}`, 'warmup'), 'warmup'));
    }
    // With --slice S a round alternates baseline and API every S creates (times summed per side), so that
    // a burst of load from other processes lands on both sides rather than on one whole phase.
    const slice = flag('slice', 0) > 0 ? flag('slice', 0) : n;
    // The same creates from a client in a child process (its own namespace, so the list cases see only the
    // in-process pods): the server's thread then does only the server's work, as for every real client.
    const workerNs = 'bench-worker';
    await api.client.create(Namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: workerNs } });
    await api.client.create(ServiceAccounts, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: workerNs } }, workerNs);
    const workerClient = startProcessCreateClient(api.url);
    const workerRounds: CaseResult[] = [];
    for (let r = 0; r < R; r++) {
      let baseCreateMs = 0;
      let apiCreateMs = 0;
      let workerCreateMs = 0;
      for (let from = 0; from < n; from += slice) {
        const m = Math.min(slice, n - from);
        baseCreateMs += await timed(m, c, async (j) => {
          const i = from + j;
          const key = `/bench/pods/default/r${r}-p-${i}`;
          const p = benchPod(`r${r}-p-${i}`);
          const body = JSON.stringify({ ...p, metadata: { ...p.metadata, uid: randomUUID(), creationTimestamp: new Date().toISOString() } });
          const res = await etcd.if(key, 'Mod', '==', 0).then(etcd.put(key).value(body)).commit();
          if (!res.succeeded) throw new Error(`baseline create of ${key} failed`);
        });
        apiCreateMs += await timed(m, c, (j) => api.client.create(Pods, benchPod(`r${r}-p-${from + j}`), 'default'));
        workerCreateMs += await workerClient.create({ namespace: workerNs, prefix: `r${r}-p-`, from, count: m, concurrency: c });
      }
      rounds.push(row('create pod', n, baseCreateMs, apiCreateMs));
      workerRounds.push(row('create pod, client in its own process', n, baseCreateMs, workerCreateMs));
    }
    await workerClient.stop();
    const createRow = median(rounds);
    results.push(createRow, median(workerRounds));
    const createAt = results.length - 2;
    // The create row's hot spots: one extra API round (n creates, c in flight) into a namespace of its own,
    // untimed, once no timed work is left on this server (after the lists), so that nothing timed sees its pods.
    const profileCreates = async (): Promise<void> => {
      if (!cpuProf) return;
      await api.client.create(Namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'hot-spots' } });
      await api.client.create(ServiceAccounts, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'hot-spots' } }, 'hot-spots');
      const { hotSpots, gcShare } = await profilePhase(() => timed(n, c, (i) => api.client.create(Pods, benchPod(`h-${i}`, 'hot-spots'), 'hot-spots')), { intervalUs: 250 });
      results[createAt] = { ...createRow, hotSpots, gcShare };
    };
    if (only() === 'create') {
      await profileCreates();
      return;
    }

    // List: baseline is one prefix range + JSON.parse of every value — of the values the server
    // stored (defaulted, with managedFields: ~5x the bench's own pod), so both sides move the same
    // bytes. The bench's small values are still timed, as the old baseline, for comparison.
    const lists = 20;
    const profileLists = 5;
    const want = n * R;
    const storedPrefix = '/registry/pods/default/';
    const stored = await etcd.getAll().prefix(storedPrefix).strings();
    const storedCount = Object.keys(stored).filter((k) => /\/r\d+-p-\d+$/.test(k)).length;
    if (storedCount !== want) throw new Error(`server stored ${storedCount} bench pods`);
    const bytes = (kvs: Record<string, string>): number => Object.values(kvs).reduce((a, v) => a + Buffer.byteLength(v), 0);
    const baseListMs = await timed(lists, 1, async () => {
      const kvs = await etcd.getAll().prefix(storedPrefix).strings();
      const items = Object.values(kvs).map((v) => JSON.parse(v) as unknown);
      if (items.length < want) throw new Error(`baseline list saw ${items.length}`);
    });
    const smallListMs = await timed(lists, 1, async () => {
      const kvs = await etcd.getAll().prefix('/bench/pods/default/').strings();
      const items = Object.values(kvs).map((v) => JSON.parse(v) as unknown);
      if (items.length !== want) throw new Error(`small-value baseline list saw ${items.length}`);
    });
    // Each list row: its timed task, profiled again after every timed list (profileLists more, untimed).
    const listRows: Array<{ row: CaseResult; task: () => Promise<void> }> = [];
    const plainList = async (): Promise<void> => {
      const list = await api.client.list<Pod>(Pods, { namespace: 'default' });
      if (list.items.length !== want) throw new Error(`API list saw ${list.items.length}`);
    };
    const apiListMs = await timed(lists, 1, plainList);
    const body = await (await fetch(`${api.url}/api/v1/namespaces/default/pods`)).text();
    const listBytes = {
      storedValueBytes: bytes(stored),
      benchValueBytes: bytes(await etcd.getAll().prefix('/bench/pods/default/').strings()),
      responseBytes: Buffer.byteLength(body),
    };
    const small = row('', lists, smallListMs, apiListMs);
    listRows.push({ row: { ...row(`list ${want} pods`, lists, baseListMs, apiListMs), smallValueBaseline: { opsPerSec: small.baselineOpsPerSec, ratio: small.ratio }, bytes: listBytes }, task: plainList });
    // resourceVersion=0 lists are answered from the watch cache (same floor).
    const cachedList = async (): Promise<void> => {
      const list = await api.client.list<Pod>(Pods, { namespace: 'default', resourceVersion: '0' });
      if (list.items.length !== want) throw new Error(`API rv=0 list saw ${list.items.length}`);
    };
    const cachedListMs = await timed(lists, 1, cachedList);
    listRows.push({ row: row(`list ${want} pods, resourceVersion=0 (watch cache)`, lists, baseListMs, cachedListMs), task: cachedList });
    // A label selector every pod matches (the worst case: the server decodes, matches and sends every
    // item) and one none matches (the matching cost alone, an empty response); same floor, since etcd
    // cannot filter by label and kube-apiserver reads the whole range too.
    for (const [selector, expect] of [['app=bench', want], ['app=none', 0]] as const) {
      const selList = async (): Promise<void> => {
        const list = await api.client.list<Pod>(Pods, { namespace: 'default', labelSelector: selector });
        if (list.items.length !== expect) throw new Error(`API list with ${selector} saw ${list.items.length}`);
      };
      const selMs = await timed(lists, 1, selList);
      listRows.push({ row: row(`list ${want} pods, labelSelector=${selector}`, lists, baseListMs, selMs), task: selList });
    }
    for (const { row: r, task } of listRows) results.push(cpuProf ? { ...r, ...await profiledPasses(profileLists, task) } : r);
    await profileCreates();
  } finally {
    etcd.close();
    await api.stop();
  }
}

async function report(n: number, c: number, results: AnyResult[]): Promise<void> {
  const out = { date: new Date().toISOString(), node: process.version, pods: n, concurrency: c, warmup: flag('warmup', 0), slice: flag('slice', 0), results };
  const text = JSON.stringify(out, null, 2);
  console.log(text);
  await mkdir(new URL('./results/', import.meta.url), { recursive: true });
  await writeFile(new URL(`./results/${out.date.replace(/[:.]/g, '-')}.json`, import.meta.url), text + '\n');
}

/** The round with the median ratio, annotated with every round's ratio. */
function median(rounds: CaseResult[]): CaseResult {
  const sorted = [...rounds].sort((a, b) => a.ratio - b.ratio);
  return { ...sorted[Math.floor(sorted.length / 2)], rounds: rounds.map((r) => r.ratio) };
}

function row(name: string, ops: number, baseMs: number, skiffMs: number): CaseResult {
  const baselineOpsPerSec = Math.round((ops / baseMs) * 1000 * 10) / 10;
  const skiffOpsPerSec = Math.round((ops / skiffMs) * 1000 * 10) / 10;
  return { name, ops, baselineOpsPerSec, skiffOpsPerSec, ratio: Math.round((skiffOpsPerSec / baselineOpsPerSec) * 1000) / 1000 };
}

await main();
