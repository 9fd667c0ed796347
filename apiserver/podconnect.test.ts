import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import Fastify from 'fastify';
import type { Node, Pod } from 'kubernetes-types/core/v1';
import { StatusError } from './api/errors.ts';
import { silentLogger } from './api/log.ts';
import { kubeletConnectError, kubeletConnectPath, rawStatusResponse, registerPodConnect, resolveConnectTarget, upgradeRefusal, type ConnectQuery } from './podconnect.ts';
import type { PodLogDeps } from './podlog.ts';

test('kubeletConnectPath: the kubelet path and query per connect kind', () => {
  const cases: Array<[Parameters<typeof kubeletConnectPath>, string]> = [
    [['exec', 'default', 'web', 'nginx', { command: ['sh', '-c', 'echo a b'], stdin: 'true', stdout: 'true', tty: 'true', container: 'nginx' }],
      '/exec/default/web/nginx?command=sh&command=-c&command=echo+a+b&input=1&output=1&error=0&tty=1'],
    [['exec', 'default', 'web', 'nginx', { command: 'ls', stdout: '1', stderr: '1' }], '/exec/default/web/nginx?command=ls&input=0&output=1&error=1&tty=0'],
    [['attach', 'ns 1', 'p/x', 'c', { stdin: 'true', stdout: 'true', command: 'ignored' }], '/attach/ns%201/p%2Fx/c?input=1&output=1&error=0&tty=0'],
    [['portforward', 'default', 'web', '', {}], '/portForward/default/web'],
    [['portforward', 'default', 'web', '', { ports: ['80', '8080,9090'] }], '/portForward/default/web?port=80&port=8080&port=9090'],
  ];
  for (const [args, want] of cases) assert.equal(kubeletConnectPath(...args), want, JSON.stringify(args));
  const none = kubeletConnectPath('exec', 'default', 'web', 'nginx', { command: 'ls', stdout: 'false' });
  assert.ok(none instanceof StatusError);
  assert.deepEqual([none.code, none.status.message], [400, 'you must specify at least 1 of stdin, stdout, stderr']);
});

test('upgradeRefusal: an upgrade with a body is refused before routing', () => {
  assert.equal(upgradeRefusal({ headers: {} }), undefined);
  assert.equal(upgradeRefusal({ headers: { 'content-length': '0' } }), undefined);
  assert.equal(upgradeRefusal({ headers: { 'content-length': '5' } })?.code, 400);
  assert.equal(upgradeRefusal({ headers: { 'transfer-encoding': 'chunked' } })?.code, 400);
});

test('kubeletConnectError maps the kubelet\'s answer to a Status', () => {
  const cases: Array<[number, string, number, string]> = [
    [401, 'Unauthorized', 401, 'the server has asked for the client to provide credentials ( pods/exec web)'],
    [403, 'Forbidden (user=x, verb=create, resource=nodes, subresource(s)=[proxy])', 403, 'Forbidden (user=x, verb=create, resource=nodes, subresource(s)=[proxy]) ( pods/exec web)'],
    [403, '', 403, 'forbidden ( pods/exec web)'],
    [404, 'container "x" in pod "web" (namespace "default") not found\n', 404, 'container "x" in pod "web" (namespace "default") not found'],
    [404, '', 404, 'pods "web" not found'],
    [400, 'missing command\n', 400, 'missing command'],
    [502, 'error dialing the runtime', 500, 'Internal error occurred: error dialing the runtime'],
  ];
  for (const [status, body, code, message] of cases) {
    const e = kubeletConnectError('exec', status, body, 'web');
    assert.deepEqual([e.code, e.status.message], [code, message], `${status} ${body}`);
  }
});

test('rawStatusResponse is a complete HTTP answer carrying the Status', () => {
  const text = rawStatusResponse(new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 404, reason: 'NotFound', message: 'gone' }));
  const [head, body] = text.split('\r\n\r\n');
  assert.match(head ?? '', /^HTTP\/1\.1 404 NotFound\r\nContent-Type: application\/json\r\nContent-Length: \d+\r\nConnection: close$/);
  assert.equal(JSON.parse(body ?? '').message, 'gone');
  assert.equal(Number(/Content-Length: (\d+)/.exec(head ?? '')?.[1]), Buffer.byteLength(body ?? ''));
});

const pod = (name: string, containers: string[], nodeName?: string): Pod => ({
  metadata: { name, namespace: 'default' },
  spec: { containers: containers.map((c) => ({ name: c, image: 'i' })), ...(nodeName ? { nodeName } : {}) },
});

function depsWith(pods: Pod[], nodes: Node[], kubeletClient?: PodLogDeps['kubeletClient']): PodLogDeps {
  return {
    getPod: async (_ns, name) => pods.find((p) => p.metadata?.name === name),
    getNode: async (name) => nodes.find((n) => n.metadata?.name === name),
    ...(kubeletClient ? { kubeletClient } : {}),
  };
}

const node = (name: string, ip: string, port?: number): Node => ({
  metadata: { name },
  status: { addresses: [{ type: 'InternalIP', address: ip }], ...(port ? { daemonEndpoints: { kubeletEndpoint: { Port: port } } } : {}) },
});

test('resolveConnectTarget: pod, container, node and kubelet address, or the Status', async () => {
  const deps = depsWith([pod('web', ['nginx']), pod('two', ['a', 'b'], 'n1'), pod('free', ['a']), pod('lost', ['a'], 'gone'), pod('solo', ['a'], 'n1')], [node('n1', '10.0.0.2', 11250)]);
  const q: ConnectQuery = { command: 'ls', stdout: 'true' };
  assert.deepEqual(await resolveConnectTarget(deps, 'exec', 'default', 'solo', q), { url: 'http://10.0.0.2:11250/exec/default/solo/a?command=ls&input=0&output=1&error=0&tty=0' });
  assert.deepEqual(await resolveConnectTarget(deps, 'portforward', 'default', 'two', {}), { url: 'http://10.0.0.2:11250/portForward/default/two' });
  const tls = await resolveConnectTarget(depsWith([pod('solo', ['a'], 'n1')], [node('n1', '10.0.0.2')], { ca: '', cert: '', key: '' }), 'attach', 'default', 'solo', { stdout: 'true' });
  assert.deepEqual(tls, { url: 'https://10.0.0.2:10250/attach/default/solo/a?input=0&output=1&error=0&tty=0' });
  const errors: Array<[string, ConnectQuery, number, string]> = [
    ['nope', q, 404, 'pods "nope" not found'],
    ['two', q, 400, 'a container name must be specified for pod two, choose one of: [a b]'],
    ['solo', { ...q, container: 'zz' }, 400, 'container zz is not valid for pod solo'],
    ['free', q, 400, 'pod free does not have a host assigned'],
    ['lost', q, 404, 'nodes "gone" not found'],
  ];
  for (const [name, query, code, message] of errors) {
    const t = await resolveConnectTarget(deps, 'exec', 'default', name, query);
    assert.ok('error' in t, name);
    assert.deepEqual([t.error.code, t.error.status.message], [code, message], name);
  }
});

/** The kubelet stand-in: answers every upgrade to /exec… with 101 and echoes upper-cased; /portForward/default/refused gets 403. */
function kubeletStandIn(urls: string[]): Server {
  const s = createServer((_req, res) => { res.writeHead(404); res.end(); });
  s.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
    urls.push(req.url ?? '');
    if ((req.url ?? '').startsWith('/portForward/default/refused')) {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: SPDY/3.1\r\nConnection: Upgrade\r\n\r\n');
    socket.on('data', (d: Buffer) => socket.write(d.toString().toUpperCase()));
    // As a runtime's streaming server: the stream ends when the other side does.
    socket.on('end', () => socket.destroy());
  });
  return s;
}

/** Closes a stand-in server, destroying its connections, upgraded ones too (closeAllConnections leaves those). */
async function stop(s: Server, sockets: Set<Socket>): Promise<void> {
  for (const c of sockets) c.destroy();
  await new Promise<void>((r) => s.close(() => r()));
}

/** Tracks a server's connections for stop(). */
function tracked(s: Server): Set<Socket> {
  const set = new Set<Socket>();
  s.on('connection', (c: Socket) => {
    set.add(c);
    c.on('close', () => set.delete(c));
  });
  return set;
}

/** Sends `text` on a fresh connection; resolves the whole answer once the server closes (or `until` matches, then closes). */
function exchange(port: number, text: string, until?: RegExp, then?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c: Socket = connect(port, '127.0.0.1');
    let got = '';
    let sent = false;
    c.on('data', (d: Buffer) => {
      got += d.toString();
      if (until?.test(got)) {
        if (then !== undefined && !sent) {
          sent = true;
          c.write(then);
          until = new RegExp(then.toUpperCase());
          return;
        }
        c.destroy();
        resolve(got);
      }
    });
    c.on('error', reject);
    c.on('close', () => resolve(got));
    c.write(text);
  });
}

const upgradeHead = (method: string, path: string): string => `${method} ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n\r\n`;

test('the connect routes splice an upgrade to the kubelet; every failure is a Status', async () => {
  const urls: string[] = [];
  const kubelet = kubeletStandIn(urls);
  const kubeletSockets = tracked(kubelet);
  await new Promise<void>((r) => kubelet.listen(0, '127.0.0.1', r));
  const kport = (kubelet.address() as AddressInfo).port;
  const app = Fastify();
  registerPodConnect(app, depsWith([pod('web', ['nginx'], 'n1'), pod('refused', ['a'], 'n1')], [node('n1', '127.0.0.1', kport)]), silentLogger());
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  try {
    const spliced = await exchange(port, upgradeHead('POST', '/api/v1/namespaces/default/pods/web/exec?command=ls&stdout=true'), /\r\n\r\n/, 'ping');
    assert.match(spliced, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
    assert.match(spliced, /PING$/);
    assert.equal(urls.at(-1), '/exec/default/web/nginx?command=ls&input=0&output=1&error=0&tty=0');

    const ws = await exchange(port, upgradeHead('GET', '/api/v1/namespaces/default/pods/web/portforward?ports=80'), /\r\n\r\n/, 'x');
    assert.match(ws, /^HTTP\/1\.1 101 /);
    assert.equal(urls.at(-1), '/portForward/default/web?port=80');

    const statusOf = (answer: string): { code: number; message: string } => {
      const [head, body] = answer.split('\r\n\r\n');
      return { code: Number(/^HTTP\/1\.1 (\d+)/.exec(head ?? '')?.[1]), message: (JSON.parse(body ?? '{}') as { message: string }).message };
    };
    assert.deepEqual(statusOf(await exchange(port, upgradeHead('POST', '/api/v1/namespaces/default/pods/nope/exec?command=ls&stdout=true'))), { code: 404, message: 'pods "nope" not found' });
    assert.deepEqual(statusOf(await exchange(port, upgradeHead('POST', '/api/v1/namespaces/default/pods/refused/portforward'))), { code: 403, message: 'forbidden ( pods/portforward refused)' });
    assert.deepEqual(statusOf(await exchange(port, 'POST /api/v1/namespaces/default/pods/web/exec?command=ls HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nContent-Length: 4\r\n\r\nbody')),
      { code: 400, message: 'an upgrade request must not have a body' });
    const before = urls.length;
    assert.equal(statusOf(await exchange(port, upgradeHead('POST', '/api/v1/namespaces/default/pods/web/exec?command=ls'))).code, 400, 'no stream asked for');
    assert.equal(urls.length, before, 'the kubelet was not dialled');

    const plain = await app.inject({ method: 'POST', url: '/api/v1/namespaces/default/pods/web/exec?command=ls&stdout=true' });
    assert.deepEqual([plain.statusCode, (plain.json() as { message: string }).message], [400, 'Upgrade request required']);

    // An upgrade to any other route is served like a plain request, then the connection closes.
    const other = await exchange(port, upgradeHead('GET', '/nowhere'));
    assert.match(other, /^HTTP\/1\.1 404 /);
  } finally {
    await app.close();
    await stop(kubelet, kubeletSockets);
  }
});

test('closing the app ends the exec sessions it still splices', async () => {
  const kubelet = kubeletStandIn([]);
  const kubeletSockets = tracked(kubelet);
  await new Promise<void>((r) => kubelet.listen(0, '127.0.0.1', r));
  const kport = (kubelet.address() as AddressInfo).port;
  const app = Fastify();
  registerPodConnect(app, depsWith([pod('web', ['nginx'], 'n1')], [node('n1', '127.0.0.1', kport)]), silentLogger());
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  const c = connect(port, '127.0.0.1');
  let got = '';
  const upgraded = new Promise<void>((r) => c.on('data', (d: Buffer) => { got += d.toString(); if (got.includes('\r\n\r\n')) r(); }));
  const closed = new Promise<void>((r) => c.on('close', () => r()));
  c.write(upgradeHead('POST', '/api/v1/namespaces/default/pods/web/attach?stdout=true'));
  await upgraded;
  await app.close();
  await closed;
  assert.match(got, /^HTTP\/1\.1 101 /);
  await stop(kubelet, kubeletSockets);
});
