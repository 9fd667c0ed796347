import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { quietLogger } from '../../testutil/log.ts';
import type { KubeletAuth } from './filter.ts';
import { serveKubeletApi } from './server.ts';
import { parseExecQuery, parseStreamRequest } from './streaming.ts';

test('parseExecQuery reads Kubernetes\' kubelet parameters first, then the older names', () => {
  assert.deepEqual(parseExecQuery(new URLSearchParams('command=ls&input=1&output=1&error=0&tty=1')),
    { command: ['ls'], stdin: true, stdout: true, stderr: false, tty: true });
  assert.deepEqual(parseExecQuery(new URLSearchParams('command=ls&output=0&stdout=true')),
    { command: ['ls'], stdin: false, stdout: false, stderr: true, tty: false });
  assert.deepEqual(parseExecQuery(new URLSearchParams('stdin=true&stderr=false')),
    { command: [], stdin: true, stdout: true, stderr: false, tty: false });
});

test('parseStreamRequest: streaming paths, a 400 for exec without a command, undefined otherwise', () => {
  const u = (s: string): URL => new URL(s, 'http://kubelet');
  assert.deepEqual(parseStreamRequest(u('/exec/ns/p/c?command=sh&input=1')),
    { kind: 'exec', namespace: 'ns', pod: 'p', container: 'c', query: { command: ['sh'], stdin: true, stdout: true, stderr: true, tty: false }, ports: [] });
  assert.deepEqual(parseStreamRequest(u('/portForward/ns/p%20q?port=80&port=x&port=70000&port=443')),
    { kind: 'portForward', namespace: 'ns', pod: 'p q', query: { command: [], stdin: false, stdout: true, stderr: true, tty: false }, ports: [80, 443] });
  assert.deepEqual(parseStreamRequest(u('/exec/ns/p/c')), { code: 400, body: 'missing command\n' });
  assert.deepEqual(parseStreamRequest(u('/exec/ns/%E0%A4%A/c?command=ls')), { code: 400, body: 'malformed path\n' });
  assert.equal(parseStreamRequest(u('/containerLogs/ns/p/c')), undefined);
  assert.equal(parseStreamRequest(u('/exec/ns/p')), undefined);
});

/** The runtime's streaming server stand-in: 101 then an upper-casing echo; records each request line. */
async function runtimeStandIn(seen: string[]): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const server = createServer();
  const sockets = new Set<Socket>();
  server.on('connection', (c: Socket) => {
    sockets.add(c);
    c.on('close', () => sockets.delete(c));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
    seen.push(`${req.method} ${req.url} ${req.headers.upgrade}`);
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: SPDY/3.1\r\nConnection: Upgrade\r\n\r\n');
    socket.on('data', (d: Buffer) => socket.write(d.toString().toUpperCase()));
    socket.on('end', () => socket.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, sockets };
}

/** Sends an upgrade request; after the 101 sends `then` and resolves once its upper-cased echo is back; otherwise resolves the whole answer when the server closes. */
function upgrade(port: number, method: string, path: string, extra = '', then = 'ping'): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = connect(port, '127.0.0.1');
    let got = '';
    c.on('data', (d: Buffer) => {
      const first = !got.includes('\r\n\r\n');
      got += d.toString();
      if (first && got.startsWith('HTTP/1.1 101') && got.includes('\r\n\r\n')) c.write(then);
      if (got.endsWith(then.toUpperCase())) {
        c.destroy();
        resolve(got);
      }
    });
    c.on('error', reject);
    c.on('close', () => resolve(got));
    c.write(`${method} ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n${extra}\r\n`);
  });
}

test('an upgrade to /exec, /attach or /portForward is proxied to the runtime URL; failures are plain-text answers', async () => {
  const seen: string[] = [];
  const rt = await runtimeStandIn(seen);
  const ac = new AbortController();
  const port = await serveKubeletApi({
    port: 0, host: '127.0.0.1', log: quietLogger('test'), resolveLog: async () => undefined,
    resolveStream: async (r) => (r.pod === 'p' ? `http://127.0.0.1:${rt.port}/${r.kind}/token-${r.container ?? r.ports?.join(',')}` : undefined),
  }, ac.signal);
  try {
    const ok = await upgrade(port, 'POST', '/exec/default/p/app?command=ls&output=1');
    assert.match(ok, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
    assert.ok(ok.endsWith('PING'));
    assert.equal(await upgrade(port, 'GET', '/portForward/default/p?port=80').then((a) => a.endsWith('PING')), true);
    assert.deepEqual(seen, ['POST /exec/token-app SPDY/3.1', 'GET /portForward/token-80 SPDY/3.1']);
    const missing = await upgrade(port, 'POST', '/attach/default/q/app?output=1');
    assert.match(missing, /^HTTP\/1\.1 404 Not Found\r\n[\s\S]*\r\n\r\ncontainer "app" in pod "q" \(namespace "default"\) not found\n$/);
    assert.match(await upgrade(port, 'POST', '/exec/default/p/app'), /^HTTP\/1\.1 400 [\s\S]*missing command\n$/);
    assert.match(await upgrade(port, 'GET', '/containerLogs/default/p/app'), /^HTTP\/1\.1 404 /);
  } finally {
    ac.abort();
    for (const s of rt.sockets) s.destroy();
    await new Promise<void>((r) => rt.server.close(() => r()));
  }
});

test('an upgrade passes the kubelet auth filter first; the runtime is not dialled for a denied one', async () => {
  const seen: string[] = [];
  const rt = await runtimeStandIn(seen);
  const auth: KubeletAuth = {
    nodeName: 'n1',
    authenticate: async (req) => (req.headers.authorization === 'Bearer good' ? { user: { name: 'admin', groups: [] } } : req.headers.authorization === 'Bearer weak' ? { user: { name: 'viewer', groups: [] } } : { unauthenticated: 'no credentials' }),
    authorize: async (a) => (a.user.name === 'admin' ? 'allow' : 'deny'),
  };
  const ac = new AbortController();
  const port = await serveKubeletApi({
    port: 0, host: '127.0.0.1', log: quietLogger('test'), resolveLog: async () => undefined, auth,
    resolveStream: async () => `http://127.0.0.1:${rt.port}/exec/token`,
  }, ac.signal);
  try {
    assert.match(await upgrade(port, 'POST', '/exec/default/p/app?command=ls', 'Authorization: Bearer nope\r\n'), /^HTTP\/1\.1 401 /);
    assert.match(await upgrade(port, 'POST', '/exec/default/p/app?command=ls', 'Authorization: Bearer weak\r\n'), /^HTTP\/1\.1 403 Forbidden\r\n[\s\S]*Forbidden \(user=viewer/);
    assert.deepEqual(seen, []);
    assert.ok((await upgrade(port, 'POST', '/exec/default/p/app?command=ls', 'Authorization: Bearer good\r\n')).endsWith('PING'));
    assert.deepEqual(seen, ['POST /exec/token SPDY/3.1']);
  } finally {
    ac.abort();
    for (const s of rt.sockets) s.destroy();
    await new Promise<void>((r) => rt.server.close(() => r()));
  }
});
