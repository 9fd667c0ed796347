import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Pod } from 'kubernetes-types/core/v1';
import { apiErrorFrom, LineSplitter, resourcePath, RestClient } from './rest.ts';
import { Deployments, Nodes, Pods } from './resources.ts';
import { ApiError, isConflict, isNotFound } from './types.ts';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Starts a loopback server whose answers come from `handler`; records requests. */
async function serve(handler: (req: Seen, res: http.ServerResponse) => void): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() };
      seen.push(s);
      handler(s, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

test('resourcePath builds core, group, namespaced and subresource paths', () => {
  const cases: [Parameters<typeof resourcePath>, string][] = [
    [[Pods], '/api/v1/pods'],
    [[Pods, 'ns1'], '/api/v1/namespaces/ns1/pods'],
    [[Pods, 'ns1', 'p'], '/api/v1/namespaces/ns1/pods/p'],
    [[Pods, 'ns1', 'p', 'binding'], '/api/v1/namespaces/ns1/pods/p/binding'],
    [[Nodes, 'ignored', 'n1', 'status'], '/api/v1/nodes/n1/status'],
    [[Deployments, 'd', 'web', 'scale'], '/apis/apps/v1/namespaces/d/deployments/web/scale'],
    [[Deployments], '/apis/apps/v1/deployments'],
  ];
  for (const [args, want] of cases) assert.equal(resourcePath(...args), want);
});

test('LineSplitter reassembles lines split across chunks, including inside a UTF-8 character', () => {
  const text = '{"a":"é"}\n{"b":2}\n{"c":3}';
  const bytes = Buffer.from(text, 'utf8');
  for (let cut = 1; cut < bytes.length; cut++) {
    const s = new LineSplitter();
    const lines = [...s.push(bytes.subarray(0, cut)), ...s.push(bytes.subarray(cut)), ...s.flush()];
    assert.deepEqual(lines, ['{"a":"é"}', '{"b":2}', '{"c":3}'], `cut at ${cut}`);
  }
});

test('apiErrorFrom keeps a Status body and synthesizes one otherwise', () => {
  const e = apiErrorFrom(404, JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404, reason: 'NotFound', message: 'pods "x" not found' }));
  assert.equal(e.code, 404);
  assert.equal(e.reason, 'NotFound');
  assert.equal(e.message, 'pods "x" not found');
  const s = apiErrorFrom(503, 'upstream down');
  assert.equal(s.code, 503);
  assert.equal(s.reason, 'ServiceUnavailable');
  assert.equal(s.message, 'upstream down');
  assert.equal(s.status.kind, 'Status');
});

test('CRUD calls send the right method, path, content type and body', async () => {
  const srv = await serve((req, res) => {
    res.setHeader('Content-Type', 'application/json');
    if (req.method === 'GET' && req.url.includes('/missing')) {
      res.statusCode = 404;
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404, reason: 'NotFound', message: 'pods "missing" not found' }));
      return;
    }
    if (req.method === 'PUT') {
      res.statusCode = 409;
      res.end('conflict, not json');
      return;
    }
    res.end(req.body !== '' ? req.body : JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '7' }, items: [{ metadata: { name: 'x' } }] }));
  });
  const c = new RestClient({ baseUrl: srv.url, token: 'tok', userAgent: 'test-ua' });
  try {
    const created = await c.create<Pod>(Pods, { metadata: { name: 'p', namespace: 'ns' } });
    assert.equal(created.kind, 'Pod');
    assert.equal(created.apiVersion, 'v1');
    assert.equal(srv.seen[0].method, 'POST');
    assert.equal(srv.seen[0].url, '/api/v1/namespaces/ns/pods');
    assert.equal(srv.seen[0].headers.authorization, 'Bearer tok');
    assert.equal(srv.seen[0].headers['user-agent'], 'test-ua');

    const l = await c.list(Pods, { namespace: 'ns', labelSelector: 'app=web', fieldSelector: 'spec.nodeName=n1', limit: 10 });
    assert.equal(l.metadata.resourceVersion, '7');
    assert.deepEqual([l.items[0].apiVersion, l.items[0].kind], ['v1', 'Pod'], 'list items get apiVersion/kind');
    assert.equal(srv.seen[1].url, '/api/v1/namespaces/ns/pods?labelSelector=app%3Dweb&fieldSelector=spec.nodeName%3Dn1&limit=10');

    assert.equal(await c.tryGet(Pods, 'missing', 'ns'), undefined);
    await assert.rejects(c.get(Pods, 'missing', 'ns'), (e) => isNotFound(e) && (e as ApiError).message === 'pods "missing" not found');
    await assert.rejects(c.update(Pods, { metadata: { name: 'p', namespace: 'ns', resourceVersion: '1' } }), (e) => isConflict(e) && (e as ApiError).message === 'conflict, not json');

    const types: [Parameters<RestClient['patch']>[2], string][] = [
      ['merge', 'application/merge-patch+json'],
      ['json', 'application/json-patch+json'],
      ['strategic', 'application/strategic-merge-patch+json'],
    ];
    for (const [t, ct] of types) {
      await c.patch(Pods, 'p', t, t === 'json' ? [{ op: 'add', path: '/x', value: 1 }] : { x: 1 }, 'ns', 'status');
      const last = srv.seen[srv.seen.length - 1];
      assert.equal(last.method, 'PATCH');
      assert.equal(last.url, '/api/v1/namespaces/ns/pods/p/status');
      assert.equal(last.headers['content-type'], ct);
    }

    await c.delete(Pods, 'p', 'ns', { propagationPolicy: 'Background' });
    const del = srv.seen[srv.seen.length - 1];
    assert.equal(del.method, 'DELETE');
    assert.deepEqual(JSON.parse(del.body), { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background' });

    await c.createSubresource(Pods, 'p', 'binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p' } }, 'ns');
    assert.equal(srv.seen[srv.seen.length - 1].url, '/api/v1/namespaces/ns/pods/p/binding');
  } finally {
    c.close();
    await srv.close();
  }
});

test('watch parses NDJSON events split across chunks and ends when the server closes', async () => {
  const events = [
    { type: 'ADDED', object: { kind: 'Pod', metadata: { name: 'a', resourceVersion: '5' } } },
    { type: 'MODIFIED', object: { kind: 'Pod', metadata: { name: 'ä', resourceVersion: '6' } } },
    { type: 'BOOKMARK', object: { kind: 'Pod', metadata: { resourceVersion: '9' } } },
  ];
  const wire = Buffer.from(events.map((e) => JSON.stringify(e)).join('\n') + '\n', 'utf8');
  const srv = await serve((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
    let i = 0;
    const step = 7; // odd chunk size splits JSON and the 2-byte 'ä'
    const tick = (): void => {
      if (i >= wire.length) return void res.end();
      res.write(wire.subarray(i, i + step));
      i += step;
      setTimeout(tick, 1);
    };
    tick();
  });
  const c = new RestClient({ baseUrl: srv.url });
  try {
    const w = await c.watch(Pods, { namespace: 'ns', resourceVersion: '4', allowWatchBookmarks: true, timeoutSeconds: 30, fieldSelector: 'metadata.name=a' });
    const got = [];
    for await (const ev of w) got.push(ev);
    assert.deepEqual(got, events);
    const u = new URL(srv.seen[0].url, 'http://x');
    assert.equal(u.pathname, '/api/v1/namespaces/ns/pods');
    assert.equal(u.searchParams.get('watch'), 'true');
    assert.equal(u.searchParams.get('resourceVersion'), '4');
    assert.equal(u.searchParams.get('allowWatchBookmarks'), 'true');
    assert.equal(u.searchParams.get('timeoutSeconds'), '30');
    assert.equal(u.searchParams.get('fieldSelector'), 'metadata.name=a');
  } finally {
    c.close();
    await srv.close();
  }
});

test('watch stop() ends the iterator of an open stream; error answers reject', async () => {
  const srv = await serve((req, res) => {
    if (req.url.startsWith('/api/v1/nodes')) {
      res.writeHead(403, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 403, reason: 'Forbidden', message: 'no' }));
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.write(JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a' } } }) + '\n');
    // never ends on its own
  });
  const c = new RestClient({ baseUrl: srv.url });
  try {
    await assert.rejects(c.watch(Nodes), (e) => e instanceof ApiError && e.code === 403);
    const w = await c.watch(Pods);
    const got: string[] = [];
    for await (const ev of w) {
      got.push(ev.type);
      w.stop();
    }
    assert.deepEqual(got, ['ADDED']);
  } finally {
    c.close();
    await srv.close();
  }
});

test('transport failures reject with a plain Error', async () => {
  const srv = await serve(() => {});
  const url = srv.url;
  await srv.close();
  const c = new RestClient({ baseUrl: url, timeoutMs: 500 });
  await assert.rejects(c.get(Pods, 'p', 'ns'), (e) => e instanceof Error && !(e instanceof ApiError));
  c.close();
});
