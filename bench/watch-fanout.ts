/**
 * The "watch fan-out" case of `npm run bench`: W HTTP watchers (real
 * loopback sockets to the real API server over etcd) on one collection while
 * N pods are created one after another; delivery latency is the time from a
 * write's acknowledgement to its event arriving at a watcher (ms, clamped at
 * 0 when the event beats the ack), and also from the moment the write was
 * sent. The floor is one raw etcd watcher on the same kind of writes done
 * straight against etcd in the same run. The watchers' sockets are read in
 * the bench process, which also runs the API server (a pessimistic setup).
 */
import http from 'node:http';
import { Etcd3 } from 'etcd3';
import type { Pod } from 'kubernetes-types/core/v1';
import { Pods } from '../apiserver/client/resources.ts';
import type { TestApiServer } from '../testutil/apiserver.ts';
import { openWatch, type WatchStream } from '../testutil/watch-stream.ts';

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
}

/** Options of the fan-out case. */
export interface FanoutOptions {
  watchers: number;
  writes: number;
  /** Pause between writes, ms (the writes are a stream, not a burst). */
  gapMs: number;
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
  const streams: WatchStream[] = [];
  for (let w = 0; w < o.watchers; w++) {
    const got = new Map<string, number>();
    received.push(got);
    extra.push(0);
    streams.push(openWatch(`${api.url}/api/v1/namespaces/${ns}/pods?watch=true&resourceVersion=${from}`, (ev) => {
      const name = ev.object.metadata?.name ?? '';
      if (ev.type !== 'ADDED' || got.has(name)) extra[w]++;
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
    return {
      name: `watch fan-out (${o.watchers} watchers)`, watchers: o.watchers, writes: o.writes,
      floor: summarize(floor.fromAck), skiff: s, floorFromSend: fs, skiffFromSend: ss,
      ratio: Math.round((fs.p99Ms / ss.p99Ms) * 1000) / 1000,
      targetP99Ms: 100, meetsTarget: s.p99Ms <= 100, extraEvents: extra.reduce((a, b) => a + b, 0),
    };
  } finally {
    for (const s of streams) s.close();
    agent.destroy();
  }
}
