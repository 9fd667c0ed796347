import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { proxyUpgrade, switchingProtocolsHead, upstreamHeaders, type UpgradeOutcome } from './upgrade-proxy.ts';

test('upstreamHeaders keeps the upgrade headers and drops credentials, identity claims and host', () => {
  const out = upstreamHeaders({
    host: 'api:6443', upgrade: 'SPDY/3.1', connection: 'Upgrade', 'x-stream-protocol-version': 'v4.channel.k8s.io',
    'sec-websocket-protocol': 'v4.channel.k8s.io', authorization: 'Bearer secret', 'impersonate-user': 'root',
    'impersonate-group': 'system:masters', 'x-remote-user': 'root', cookie: 'a=b', 'user-agent': 'kubectl',
  });
  assert.deepEqual(out, {
    upgrade: 'SPDY/3.1', connection: 'Upgrade', 'x-stream-protocol-version': 'v4.channel.k8s.io',
    'sec-websocket-protocol': 'v4.channel.k8s.io', 'user-agent': 'kubectl',
  });
});

test('switchingProtocolsHead writes the status line and every raw header pair', () => {
  assert.equal(switchingProtocolsHead('Switching Protocols', ['Upgrade', 'SPDY/3.1', 'X-Stream-Protocol-Version', 'v4.channel.k8s.io']),
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n');
  assert.equal(switchingProtocolsHead(undefined, []), 'HTTP/1.1 101 Switching Protocols\r\n\r\n');
});

const sockets = new WeakMap<Server, Set<Socket>>();

/** A loopback server listening on a free port (its connections tracked, upgraded ones too, for close). */
async function listen(s: Server): Promise<number> {
  const set = new Set<Socket>();
  sockets.set(s, set);
  s.on('connection', (c: Socket) => {
    set.add(c);
    c.on('close', () => set.delete(c));
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
}

/** Closes a server and destroys every connection it still has (closeAllConnections leaves upgraded ones). */
async function close(s: Server): Promise<void> {
  for (const c of sockets.get(s) ?? []) c.destroy();
  await new Promise<void>((r) => s.close(() => r()));
}

/**
 * The upstream stand-in: on an upgrade to /ok it answers 101 with a protocol
 * header, sends "hello", then echoes upper-cased; /refuse gets a plain 403
 * with a body. It records the headers it saw.
 */
function upstream(seen: IncomingHttpHeaders[]): Server {
  const s = createServer();
  s.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    seen.push(req.headers);
    if (req.url === '/refuse') {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 9\r\nConnection: close\r\n\r\nno thanks');
      return;
    }
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: SPDY/3.1\r\nConnection: Upgrade\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\nhello');
    if (head.length > 0) socket.write(head.toString().toUpperCase());
    socket.on('data', (d: Buffer) => socket.write(d.toString().toUpperCase()));
  });
  return s;
}

/** The front: every upgrade is proxied to `target(url)`; outcomes are recorded, a non-101 is answered 502 with its status in the body. */
function front(target: (url: string) => string, outcomes: UpgradeOutcome[]): Server {
  const s = createServer();
  s.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    void proxyUpgrade(req, socket, head, { url: target(req.url ?? '/') }, 2_000).then((o) => {
      outcomes.push(o);
      if (!o.upgraded) socket.end(`HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n\r\n${'status' in o ? `${o.status} ${o.body}` : o.error.message}`);
    });
  });
  return s;
}

/** Opens a raw connection, sends `text`, and collects everything received. */
function raw(port: number, text: string): { socket: Socket; received: () => string; closed: Promise<void> } {
  const socket = connect(port, '127.0.0.1');
  let got = '';
  socket.on('data', (d: Buffer) => { got += d.toString(); });
  const closed = new Promise<void>((r) => socket.on('close', () => r()));
  socket.write(text);
  return { socket, received: () => got, closed };
}

/** Waits (at most 5 s) for `cond`; fails with `what` and `detail()`. */
async function until(cond: () => boolean, what: string, detail: () => string = () => ''): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`timed out waiting for ${what}: ${detail()}`);
}

test('an upgrade is forwarded with its method and headers, the 101 relayed, and bytes flow both ways', async () => {
  const seen: IncomingHttpHeaders[] = [];
  const outcomes: UpgradeOutcome[] = [];
  const up = upstream(seen);
  const upPort = await listen(up);
  const fr = front((u) => `http://127.0.0.1:${upPort}${u}`, outcomes);
  const port = await listen(fr);
  try {
    const c = raw(port, 'POST /ok HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\nAuthorization: Bearer secret\r\n\r\nearly');
    await until(() => c.received().includes('EARLY'), 'the early bytes echoed', c.received);
    assert.match(c.received(), /^HTTP\/1\.1 101 Switching Protocols\r\n/);
    assert.match(c.received(), /X-Stream-Protocol-Version: v4\.channel\.k8s\.io\r\n/);
    assert.ok(c.received().includes('\r\n\r\nhello'), 'bytes the upstream sent right after its 101 arrive');
    c.socket.write('ping');
    await until(() => c.received().includes('PING'), 'a later write echoed');
    assert.deepEqual(outcomes, [{ upgraded: true }]);
    assert.equal(seen[0]?.upgrade, 'SPDY/3.1');
    assert.equal(seen[0]?.['x-stream-protocol-version'], 'v4.channel.k8s.io');
    assert.equal(seen[0]?.authorization, undefined, 'the caller\'s credentials stay at the hop');
    c.socket.end();
    await c.closed;
  } finally {
    await close(fr);
    await close(up);
  }
});

test('a refused upgrade comes back as status and body, and nothing was written to the client before', async () => {
  const outcomes: UpgradeOutcome[] = [];
  const up = upstream([]);
  const upPort = await listen(up);
  const fr = front((u) => `http://127.0.0.1:${upPort}${u}`, outcomes);
  const port = await listen(fr);
  try {
    const c = raw(port, 'GET /refuse HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    await c.closed;
    assert.deepEqual(outcomes, [{ upgraded: false, status: 403, body: 'no thanks' }]);
    assert.equal(c.received(), 'HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n\r\n403 no thanks');
  } finally {
    await close(fr);
    await close(up);
  }
});

test('an unreachable upstream is an error outcome', async () => {
  const spare = createServer();
  const dead = await listen(spare);
  await close(spare);
  const outcomes: UpgradeOutcome[] = [];
  const fr = front(() => `http://127.0.0.1:${dead}/ok`, outcomes);
  const port = await listen(fr);
  try {
    const c = raw(port, 'POST /ok HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n\r\n');
    await c.closed;
    assert.equal(outcomes.length, 1);
    const o = outcomes[0]!;
    assert.ok(!o.upgraded && 'error' in o && /ECONNREFUSED/.test(o.error.message), JSON.stringify(o));
    assert.match(c.received(), /^HTTP\/1\.1 502 /);
  } finally {
    await close(fr);
  }
});

test('either side of a spliced connection going away ends the other', async () => {
  const up = createServer();
  const upstreamSockets: Duplex[] = [];
  up.on('upgrade', (_req: IncomingMessage, socket: Duplex) => {
    upstreamSockets.push(socket);
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: SPDY/3.1\r\nConnection: Upgrade\r\n\r\n');
  });
  const upPort = await listen(up);
  const fr = front((u) => `http://127.0.0.1:${upPort}${u}`, []);
  const port = await listen(fr);
  try {
    const a = raw(port, 'POST /x HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n\r\n');
    await until(() => a.received().startsWith('HTTP/1.1 101'), '101');
    upstreamSockets[0]!.destroy();
    await a.closed;
    const b = raw(port, 'POST /x HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n\r\n');
    await until(() => b.received().startsWith('HTTP/1.1 101'), '101');
    const upSide = upstreamSockets[1]!;
    let data = '';
    upSide.on('data', (d: Buffer) => { data += d.toString(); });
    const upEnded = new Promise<void>((r) => upSide.on('end', () => r()));
    b.socket.end('last words');
    await upEnded;
    assert.equal(data, 'last words', 'what the client sent before closing arrives first');
  } finally {
    await close(fr);
    await close(up);
  }
});
