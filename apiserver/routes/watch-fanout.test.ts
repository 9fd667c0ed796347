import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { Etcd3 } from 'etcd3';
import type { FastifyInstance } from 'fastify';
import { startEtcd, type TestEtcd } from '../../testutil/etcd.ts';
import { quietLogger } from '../../testutil/log.ts';
import { waitFor } from '../../testutil/wait.ts';
import { openWatch, type StreamEvent, type WatchStream } from '../../testutil/watch-stream.ts';
import { buildCoreApp } from './core.ts';
import { testDefs } from './core.test-helper.ts';

let etcd: TestEtcd;
let client: Etcd3;
let app: FastifyInstance;
let base = '';

async function call(method: string, path: string, body?: unknown): Promise<{ code: number; body: { metadata?: { resourceVersion?: string } } }> {
  const res = await fetch(base + path, { method, headers: body === undefined ? {} : { 'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { code: res.status, body: (await res.json()) as { metadata?: { resourceVersion?: string } } };
}

before(async () => {
  etcd = await startEtcd();
  client = new Etcd3({ hosts: etcd.endpoint });
  app = buildCoreApp({ etcd: client, defs: testDefs(), serviceCIDR: '10.96.0.0/12', log: quietLogger('test'), bookmarkIntervalMs: 200 }).app;
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  await call('POST', '/api/v1/namespaces', { metadata: { name: 'fan' } });
});

after(async () => {
  await app.close();
  client.close();
  await etcd.stop();
});

const pod = (name: string, v: string): unknown => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { v } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });

test('200 HTTP watchers from one resourceVersion each get every change once, in order, over one etcd watch', async () => {
  const C = '/api/v1/namespaces/fan/pods';
  const list = await call('GET', C);
  const from = list.body.metadata!.resourceVersion!;
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const seen: StreamEvent[][] = [];
  const streams: WatchStream[] = [];
  for (let i = 0; i < 200; i++) {
    const got: StreamEvent[] = [];
    seen.push(got);
    streams.push(openWatch(`${base}${C}?watch=true&resourceVersion=${from}`, (ev) => got.push(ev), agent));
  }
  assert.deepEqual(new Set(await Promise.all(streams.map((s) => s.connected))), new Set([200]));
  const want: Array<[string, string, string]> = [];
  for (let i = 0; i < 20; i++) {
    const r = await call('POST', C, pod(`c${i}`, '0'));
    want.push(['ADDED', `c${i}`, r.body.metadata!.resourceVersion!]);
    if (i % 3 === 0) {
      const u = await call('PATCH', `${C}/c${i}`, { metadata: { labels: { v: '1' } } });
      want.push(['MODIFIED', `c${i}`, u.body.metadata!.resourceVersion!]);
    }
    if (i % 5 === 0) {
      await call('DELETE', `${C}/c${i}`);
      want.push(['DELETED', `c${i}`, '']);
    }
  }
  await waitFor(() => seen.every((s) => s.length >= want.length) || undefined, 30000, 'every watcher got every event', 50);
  for (const got of seen) {
    assert.deepEqual(got.map((e) => [e.type, e.object.metadata?.name]), want.map(([t, n]) => [t, n]));
    const revs = got.map((e) => Number(e.object.metadata?.resourceVersion));
    assert.ok(revs.every((r, i) => i === 0 || r > revs[i - 1]), 'strictly increasing resourceVersions');
    want.forEach(([, , rv], i) => { if (rv) assert.equal(got[i].object.metadata?.resourceVersion, rv); });
  }
  const wm = (client as unknown as { watchManager: { watchers: unknown[] } }).watchManager;
  assert.ok(wm.watchers.length <= 3, `one etcd watch per watched resource, saw ${wm.watchers.length}`);
  for (const s of streams) s.close();
  agent.destroy();
});

test('rv=0 watch and list are served from the cache; NotOlderThan waits for a fresh write', async () => {
  const C = '/api/v1/namespaces/fan/pods';
  const w = await call('POST', C, pod('fresh', 'x'));
  const rv = w.body.metadata!.resourceVersion!;
  const listed = await call('GET', `${C}?resourceVersion=${rv}&resourceVersionMatch=NotOlderThan`) as unknown as { code: number; body: { items: Array<{ metadata: { name: string } }>; metadata: { resourceVersion: string } } };
  assert.equal(listed.code, 200);
  assert.ok(listed.body.items.some((o) => o.metadata.name === 'fresh'));
  assert.ok(Number(listed.body.metadata.resourceVersion) >= Number(rv));
  const got: StreamEvent[] = [];
  const s = openWatch(`${base}${C}?watch=true&resourceVersion=0`, (ev) => got.push(ev));
  await waitFor(() => got.some((e) => e.object.metadata?.name === 'fresh') || undefined, 10000, 'initial ADDED of fresh', 20);
  assert.ok(got.every((e) => e.type === 'ADDED'));
  s.close();
});

test('an idle watcher\'s bookmarks advance past writes to other resources (etcd progress notifications)', async () => {
  const C = '/api/v1/namespaces/fan/pods';
  const list = await call('GET', C);
  const from = Number(list.body.metadata!.resourceVersion!);
  const got: StreamEvent[] = [];
  const s = openWatch(`${base}${C}?watch=true&allowWatchBookmarks=true&resourceVersion=${from}`, (ev) => got.push(ev));
  await s.connected;
  const other = await call('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'idle-check' } });
  const elsewhere = Number(other.body.metadata!.resourceVersion!);
  await waitFor(() => got.some((e) => e.type === 'BOOKMARK' && Number(e.object.metadata?.resourceVersion) >= elsewhere) || undefined, 15000, `a bookmark at or after ${elsewhere}`, 50);
  assert.ok(got.every((e) => e.type === 'BOOKMARK'), 'no object events for an idle collection');
  s.close();
});

test('a client that stops reading is cut off by the cache while another watcher gets every event', async () => {
  const slowApp = buildCoreApp({ etcd: client, defs: testDefs(), serviceCIDR: '10.96.0.0/12', log: quietLogger('test'), watchCache: { watcherQueueLimit: 5 } }).app;
  await slowApp.listen({ port: 0, host: '127.0.0.1' });
  const addr = slowApp.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const url = `http://127.0.0.1:${port}`;
  try {
    await fetch(`${url}/api/v1/namespaces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ metadata: { name: 'slow' } }) });
    const C = '/api/v1/namespaces/slow/pods';
    const from = ((await (await fetch(url + C)).json()) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    const slow = net.connect(port, '127.0.0.1');
    await new Promise<void>((r) => slow.once('connect', () => r()));
    slow.write(`GET ${C}?watch=true&resourceVersion=${from} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    slow.pause();
    const fast: StreamEvent[] = [];
    const f = openWatch(`${url}${C}?watch=true&resourceVersion=${from}`, (ev) => fast.push(ev));
    await f.connected;
    // 80 × 256 KiB = 20 MiB: well past the socket buffers of a reader that never read (≈ 4 MiB here).
    const big = 'x'.repeat(256 * 1024);
    const writes = 80;
    for (let i = 0; i < writes; i++) {
      const r = await fetch(url + C, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ metadata: { name: `big-${i}`, annotations: { big } }, spec: { containers: [{ name: 'c', image: 'x' }] } }) });
      assert.equal(r.status, 201);
    }
    await waitFor(() => fast.length >= writes || undefined, 30000, 'the fast watcher got every event', 50);
    assert.deepEqual(fast.map((e) => e.object.metadata?.name), Array.from({ length: writes }, (_, i) => `big-${i}`));
    let raw = '';
    slow.setEncoding('latin1');
    slow.on('data', (d: string) => { raw += d; });
    await new Promise<void>((r) => { slow.once('end', () => r()); slow.once('close', () => r()); slow.resume(); });
    const got = (raw.match(/"type":"ADDED"/g) ?? []).length;
    assert.ok(got < writes, `the slow client was cut off (got ${got} of ${writes})`);
    assert.ok(raw.endsWith('0\r\n\r\n'), 'the stream ended cleanly, without an ERROR event');
    assert.ok(!raw.includes('"type":"ERROR"'));
    f.close();
    slow.destroy();
  } finally {
    await slowApp.close();
  }
});
