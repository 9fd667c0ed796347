import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseExecQuery, parseLogQuery, serveKubeletApi } from './server.ts';
import { quietLogger } from '../../testutil/log.ts';

const quiet = quietLogger('test');

const get = (url: string, onData?: (s: string, req: http.ClientRequest) => void): Promise<{ code: number; body: string }> =>
  new Promise((resolve, reject) => {
    const req = http.get(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; onData?.(body, req); });
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
      res.on('error', (e) => (req.destroyed ? resolve({ code: res.statusCode ?? 0, body }) : reject(e)));
    });
    req.on('error', (e) => (req.destroyed ? resolve({ code: -1, body: '' }) : reject(e)));
  });

test('parseLogQuery', () => {
  assert.deepEqual(parseLogQuery(new URLSearchParams('follow=true&tailLines=5&timestamps=true')), { follow: true, timestamps: true, previous: false, tailLines: 5 });
  assert.deepEqual(parseLogQuery(new URLSearchParams('tailLines=x&previous=true')), { follow: false, timestamps: false, previous: true, tailLines: undefined });
});

test('containerLogs: plain, tail, timestamps, follow until exit, 404', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-logs-'));
  const path = join(dir, '0.log');
  await writeFile(path, '2026-01-01T00:00:00.1Z stdout F one\n2026-01-01T00:00:00.2Z stdout P tw\n2026-01-01T00:00:00.3Z stdout F o\n2026-01-01T00:00:00.4Z stderr F three\n');
  let running = true;
  const ac = new AbortController();
  const port = await serveKubeletApi({
    port: 0, host: '127.0.0.1', log: quiet, pollMs: 20,
    resolveLog: async (ns, pod, c) => (ns === 'default' && pod === 'p' && c === 'app' ? { path, running: async () => running } : undefined),
  }, ac.signal);
  try {
    const base = `http://127.0.0.1:${port}/containerLogs/default/p/app`;
    assert.deepEqual(await get(base), { code: 200, body: 'one\ntwo\nthree\n' });
    assert.equal((await get(`${base}?tailLines=1`)).body, 'three\n');
    assert.equal((await get(`${base}?timestamps=true&tailLines=2`)).body, '2026-01-01T00:00:00.3Z two\n2026-01-01T00:00:00.4Z three\n');
    assert.equal((await get(`http://127.0.0.1:${port}/containerLogs/default/p/nope`)).code, 404);
    assert.equal((await get(`http://127.0.0.1:${port}/healthz`)).body, 'ok');

    let appended = false;
    const follow = get(`${base}?follow=true&tailLines=0`, (body) => {
      if (!appended) return;
      if (body.includes('four')) running = false;
    });
    await new Promise((r) => setTimeout(r, 100));
    appended = true;
    await appendFile(path, '2026-01-01T00:00:01Z stdout F four\n');
    const r = await follow;
    assert.equal(r.body, 'four\n');

    // Client disconnect ends a follow of a running container.
    running = true;
    const gone = get(`${base}?follow=true`, (_b, req) => req.destroy());
    await gone;
  } finally {
    ac.abort();
    await rm(dir, { recursive: true, force: true });
  }
});

test('exec: query parsing and 302 to the streaming URL', async () => {
  assert.deepEqual(parseExecQuery(new URLSearchParams('command=sh&command=-c&command=echo+hi&stdin=true&tty=true')),
    { command: ['sh', '-c', 'echo hi'], stdin: true, stdout: true, stderr: true, tty: true });
  const ac = new AbortController();
  const port = await serveKubeletApi({
    port: 0, host: '127.0.0.1', log: quiet, resolveLog: async () => undefined,
    resolveStream: async (r) => {
      if (r.pod !== 'p') return undefined;
      if (r.kind === 'portForward') return `http://127.0.0.1:10010/portforward/tok?ports=${(r.ports ?? []).join(',')}`;
      return `http://127.0.0.1:10010/${r.kind}/tok?cmd=${r.query?.command.join(',')}`;
    },
  }, ac.signal);
  try {
    const req = (path: string): Promise<{ code: number; location?: string }> => new Promise((resolve, reject) => {
      http.get(`http://127.0.0.1:${port}${path}`, (res) => { res.resume(); resolve({ code: res.statusCode ?? 0, location: res.headers.location }); }).on('error', reject);
    });
    assert.deepEqual(await req('/exec/default/p/app?command=ls&command=/'), { code: 302, location: 'http://127.0.0.1:10010/exec/tok?cmd=ls,/' });
    assert.equal((await req('/exec/default/q/app?command=ls')).code, 404);
    assert.equal((await req('/exec/default/p/app')).code, 400);
    assert.deepEqual(await req('/attach/default/p/app?stdout=true'), { code: 302, location: 'http://127.0.0.1:10010/attach/tok?cmd=' });
    assert.deepEqual(await req('/portForward/default/p?port=80&port=443'), { code: 302, location: 'http://127.0.0.1:10010/portforward/tok?ports=80,443' });
    assert.equal((await req('/portForward/default/q')).code, 404);
  } finally {
    ac.abort();
  }
});

test('GET /metrics/resource serves the collector text; 404 without one', async () => {
  const ac = new AbortController();
  const port = await serveKubeletApi({ port: 0, host: '127.0.0.1', log: quiet, resolveLog: async () => undefined, resourceMetrics: async () => 'resource_scrape_error 0\n' }, ac.signal);
  const bare = await serveKubeletApi({ port: 0, host: '127.0.0.1', log: quiet, resolveLog: async () => undefined }, ac.signal);
  try {
    assert.deepEqual(await get(`http://127.0.0.1:${port}/metrics/resource`), { code: 200, body: 'resource_scrape_error 0\n' });
    assert.equal((await get(`http://127.0.0.1:${bare}/metrics/resource`)).code, 404);
  } finally {
    ac.abort();
  }
});
