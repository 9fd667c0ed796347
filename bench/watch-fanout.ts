/**
 * The "watch fan-out" case of `npm run bench`: W HTTP watchers (real
 * loopback sockets to the real API server over etcd) on one collection while
 * N pods are created one after another; delivery latency is the time from a
 * write's acknowledgement to its event arriving at a watcher (ms, clamped at
 * 0 when the event beats the ack), and also from the moment the write was
 * sent. The floor is one raw etcd watcher on the same kind of writes done
 * straight against etcd in the same run. The watchers' sockets are read in
 * the bench process, which also runs the API server (a pessimistic setup).
 *
 * With `cpuProf` the same W watchers then take an extra, untimed pass of the
 * same N writes (same gap) under the CPU profiler of this process, after the
 * latencies are taken: its top three self-time functions (the server's
 * create and fan-out, its etcd client and the watchers' socket reading, all
 * in this process) go into the row as `hotSpots`; those pods are deleted
 * again after the watchers close.
 */
import http from 'node:http';
import { Etcd3 } from 'etcd3';
import type { Pod } from 'kubernetes-types/core/v1';
import { Pods } from '../apiserver/client/resources.ts';
import type { TestApiServer } from '../testutil/apiserver.ts';
import { openWatch, type WatchStream } from '../testutil/watch-stream.ts';
import { profilePhase, type HotSpot } from './hot-spots.ts';

/** Latency percentiles of one side, ms. */
export interface LatencySummary {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Deliveries measured (watchers × writes). */
  samples: number;
}

/** The fan-out result row. */
export interface FanoutResult {
  name: string;
  watchers: number;
  writes: number;
  /** One raw etcd watcher, writes straight to etcd. */
  floor: LatencySummary;
  skiff: LatencySummary;
  /** The same deliveries measured from the moment each write was sent (the floor: txn sent → raw etcd event). */
  floorFromSend: LatencySummary;
  skiffFromSend: LatencySummary;
  /** floorFromSend p99 / skiffFromSend p99 (1.0 = the API adds no delay over etcd's own write + watch). */
  ratio: number;
  targetP99Ms: number;
  meetsTarget: boolean;
  /** Events each watcher got beyond the writes (duplicates would show here); 0 expected. */
  extraEvents: number;
  /** With cpuProf: top three self-time functions of the extra, untimed pass (see file doc). */
  hotSpots?: HotSpot[];
  /** With cpuProf: the share (0..1) of that pass's non-idle time in GC. */
  gcShare?: number;
}

/** Options of the fan-out case. */
export interface FanoutOptions {
  watchers: number;
  writes: number;
  /** Pause between writes, ms (the writes are a stream, not a burst). */
  gapMs: number;
  /** Profile an extra, untimed pass of the writes and record its hot spots (see file doc). */
  cpuProf?: boolean;
}

function summarize(samples: number[]): LatencySummary {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => (s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]);
  const r = (x: number): number => Math.round(x * 100) / 100;
  return { p50Ms: r(at(0.5)), p99Ms: r(at(0.99)), maxMs: r(s[s.length - 1] ?? NaN), samples: s.length };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function pod(name: string): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'fanout' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.22' }] } };
}

/** Waits until `done()` or `ms` passed; resolves done(). */
async function until(done: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await sleep(20);
  return done();
}

async function floorLatency(api: TestApiServer, writes: number, gapMs: number): Promise<{ fromAck: number[]; fromSend: number[] }> {
  const etcd = new Etcd3({ hosts: api.etcd.endpoint });
  const prefix = '/bench-fanout/pods/';
  const acked = new Map<string, number>();
  const sent = new Map<string, number>();
  const received = new Map<string, number>();
  try {
    const watcher = await etcd.watch().prefix(prefix).create();
    watcher.on('put', (kv) => received.set(kv.key.toString(), performance.now()));
    for (let i = 0; i < writes; i++) {
      const key = `${prefix}p-${i}`;
      sent.set(key, performance.now());
      const r = await etcd.if(key, 'Mod', '==', 0).then(etcd.put(key).value(JSON.stringify(pod(`p-${i}`)))).commit();
      if (!r.succeeded) throw new Error(`floor create of ${key} failed`);
      acked.set(key, performance.now());
      if (gapMs > 0) await sleep(gapMs);
    }
    if (!(await until(() => received.size >= writes, 30000))) throw new Error(`raw etcd watcher saw ${received.size}/${writes}`);
    await watcher.cancel();
  } finally {
    etcd.close();
  }
  return {
    fromAck: [...acked].map(([k, t]) => Math.max(0, received.get(k)! - t)),
    fromSend: [...sent].map(([k, t]) => received.get(k)! - t),
  };
}

/** Runs the case against `api` (namespace `ns` must exist). */
export async function watchFanout(api: TestApiServer, ns: string, o: FanoutOptions): Promise<FanoutResult> {
  const floor = await floorLatency(api, o.writes, o.gapMs);
  const list = await api.client.list<Pod>(Pods, { namespace: ns });
  const from = list.metadata?.resourceVersion ?? '0';
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const received: Array<Map<string, number>> = [];
  const extra: number[] = [];
  // ADDED events of the profiled pass's pods (named `h-`), per watcher: counted, not timed.
  const profiled: number[] = [];
  let profiledWrites = 0;
  const streams: WatchStream[] = [];
  for (let w = 0; w < o.watchers; w++) {
    const got = new Map<string, number>();
    received.push(got);
    extra.push(0);
    profiled.push(0);
    streams.push(openWatch(`${api.url}/api/v1/namespaces/${ns}/pods?watch=true&resourceVersion=${from}`, (ev) => {
      const name = ev.object.metadata?.name ?? '';
      if (ev.type === 'ADDED' && name.startsWith('h-')) profiled[w]++;
      else if (ev.type !== 'ADDED' || got.has(name)) extra[w]++;
      else got.set(name, performance.now());
    }, agent));
  }
  try {
    const codes = await Promise.all(streams.map((s) => s.connected));
    if (codes.some((c) => c !== 200)) throw new Error(`watch answered ${codes.find((c) => c !== 200)}`);
    const acked = new Map<string, number>();
    const sent = new Map<string, number>();
    for (let i = 0; i < o.writes; i++) {
      const name = `f-${i}`;
      sent.set(name, performance.now());
      await api.client.create(Pods, pod(name), ns);
      acked.set(name, performance.now());
      if (o.gapMs > 0) await sleep(o.gapMs);
    }
    const all = (): boolean => received.every((m) => m.size >= o.writes);
    if (!(await until(all, 60000))) throw new Error(`watchers got ${Math.min(...received.map((m) => m.size))}/${o.writes} events`);
    const skiff: number[] = [];
    const skiffSend: number[] = [];
    for (const m of received) {
      for (const [name, t] of m) {
        skiff.push(Math.max(0, t - acked.get(name)!));
        skiffSend.push(t - sent.get(name)!);
      }
    }
    const s = summarize(skiff);
    const fs = summarize(floor.fromSend);
    const ss = summarize(skiffSend);
    const result: FanoutResult = {
      name: `watch fan-out (${o.watchers} watchers)`, watchers: o.watchers, writes: o.writes,
      floor: summarize(floor.fromAck), skiff: s, floorFromSend: fs, skiffFromSend: ss,
      ratio: Math.round((fs.p99Ms / ss.p99Ms) * 1000) / 1000,
      targetP99Ms: 100, meetsTarget: s.p99Ms <= 100, extraEvents: extra.reduce((a, b) => a + b, 0),
    };
    if (!o.cpuProf) return result;
    const { hotSpots, gcShare } = await profilePhase(async () => {
      for (let i = 0; i < o.writes; i++) {
        profiledWrites++;
        await api.client.create(Pods, pod(`h-${i}`), ns);
        if (o.gapMs > 0) await sleep(o.gapMs);
      }
      if (!(await until(() => profiled.every((k) => k >= o.writes), 60000))) {
        throw new Error(`watchers got ${Math.min(...profiled)}/${o.writes} events of the profiled pass`);
      }
    });
    return { ...result, hotSpots, gcShare };
  } finally {
    for (const s of streams) s.close();
    agent.destroy();
    // The profiled pass's pods go again (once nobody watches), so that later cases see the store as without it.
    await deleteProfiled(api, ns, profiledWrites);
  }
}

/** Deletes the pods `h-0` … `h-(n-1)` of namespace `ns` (16 at a time); best effort: errors are ignored. */
async function deleteProfiled(api: TestApiServer, ns: string, n: number): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    for (let i = next++; i < n; i = next++) await api.client.delete(Pods, `h-${i}`, ns, { gracePeriodSeconds: 0 }).catch(() => undefined);
  }));
}
