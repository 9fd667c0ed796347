import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { runWorkers, serveHealthz } from './controller.ts';
import { createWorkQueue } from './workqueue.ts';
import { quietLogger } from '../../testutil/log.ts';

const log = quietLogger('test');

test('runWorkers retries failures with backoff, honours requeueAfter, and exits on abort', async () => {
  const q = createWorkQueue<string>({ baseDelayMs: 1, maxDelayMs: 5 });
  const calls: string[] = [];
  let failuresLeft = 2;
  let concurrent = 0;
  let maxConcurrent = 0;
  const ac = new AbortController();
  let requeued = 0;
  const done = runWorkers(q, 3, async (key) => {
    concurrent++;
    maxConcurrent = Math.max(maxConcurrent, concurrent);
    calls.push(key);
    await new Promise((r) => setTimeout(r, 2));
    concurrent--;
    if (key === 'flaky' && failuresLeft-- > 0) throw new Error('transient');
    if (key === 'periodic' && requeued++ < 2) return { requeueAfterMs: 3 };
  }, ac.signal, log);
  q.add('flaky');
  q.add('periodic');
  q.add('once');
  const end = Date.now() + 2000;
  while (!(calls.filter((c) => c === 'flaky').length === 3 && calls.filter((c) => c === 'periodic').length === 3)) {
    if (Date.now() > end) assert.fail(`timed out: ${calls.join(',')}`);
    await new Promise((r) => setTimeout(r, 2));
  }
  assert.equal(calls.filter((c) => c === 'once').length, 1);
  ac.abort();
  await done;
  assert.ok(maxConcurrent >= 2, 'workers run in parallel');
  assert.equal(await q.get(), undefined, 'queue shut down');
});

test('a key is never reconciled by two workers at once', async () => {
  const q = createWorkQueue<string>();
  const ac = new AbortController();
  let inside = 0;
  let overlap = false;
  let runs = 0;
  const done = runWorkers(q, 4, async () => {
    inside++;
    if (inside > 1) overlap = true;
    await new Promise((r) => setTimeout(r, 5));
    inside--;
    runs++;
  }, ac.signal, log);
  for (let i = 0; i < 20; i++) {
    q.add('same');
    await new Promise((r) => setTimeout(r, 1));
  }
  await new Promise((r) => setTimeout(r, 30));
  ac.abort();
  await done;
  assert.equal(overlap, false);
  assert.ok(runs >= 2 && runs < 20, `re-adds coalesce (runs=${runs})`);
});

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path }, (res) => {
      let b = '';
      res.on('data', (c: Buffer) => (b += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
    }).on('error', reject);
  });
}

test('serveHealthz answers ok, reflects the health check, and closes on abort', async () => {
  const ac = new AbortController();
  let healthy = true;
  const port = await serveHealthz(0, log, ac.signal, { host: '127.0.0.1', healthy: () => healthy });
  assert.deepEqual(await get(port, '/healthz'), { status: 200, body: 'ok' });
  healthy = false;
  assert.equal((await get(port, '/healthz')).status, 503);
  assert.equal((await get(port, '/nope')).status, 404);
  const ac2 = new AbortController();
  let ready = false;
  const port2 = await serveHealthz(0, log, ac2.signal, { host: '127.0.0.1', ready: () => ready });
  assert.equal((await get(port2, '/healthz')).status, 200, 'liveness does not wait for readiness');
  assert.equal((await get(port2, '/readyz')).status, 503);
  ready = true;
  assert.equal((await get(port2, '/readyz')).status, 200);
  ac2.abort();
  ac.abort();
  await new Promise((r) => setTimeout(r, 20));
  await assert.rejects(get(port, '/healthz'));
});
