/**
 * IngressServer on loopback with hand-built routing tables: WebSocket
 * upgrades pass through (http-proxy-3's ws path), a dead endpoint is a 502,
 * a client without SNI gets the fallback certificate, and a new table
 * replaces the old one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
import { quietLogger } from '../../testutil/real-api.ts';
import { serverCert, testCA } from './certs.test-util.ts';
import { emptyTable, IngressServer } from './server.ts';
import type { Backend, RoutingTable } from './table.ts';

const backendOf = (endpoints: string[]): Backend => ({ namespace: 'shop', service: 'svc', port: '80', endpoints });
const tableTo = (endpoints: string[], extra: Partial<RoutingTable> = {}): RoutingTable => ({ ...emptyTable(), defaultBackend: backendOf(endpoints), ...extra });

async function listen(srv: net.Server): Promise<number> {
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return (srv.address() as AddressInfo).port;
}

async function freeClosedPort(): Promise<number> {
  const s = net.createServer();
  const port = await listen(s);
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Sends `request` on a raw socket and collects what comes back until `until` matches. */
function rawExchange(port: number, request: string, after: (sock: net.Socket, got: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.write(request));
    let got = '';
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      got += d;
      if (after(sock, got)) { sock.destroy(); resolve(got); }
    });
    sock.on('error', reject);
    sock.on('close', () => resolve(got));
  });
}

test('IngressServer: upgrades tunnel to the backend, a dead endpoint is a 502, no-SNI clients get the fallback certificate', async () => {
  const echo = http.createServer((_req, res) => res.end('plain'));
  echo.on('upgrade', (_req, socket: net.Socket) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    socket.pipe(socket);
  });
  const echoPort = await listen(echo);
  const ca = await testCA();
  const fallback = await serverCert(ca, ['fallback.home.lan']);
  const server = new IngressServer({ httpPort: 0, httpsPort: 0, host: '127.0.0.1', log: quietLogger('ingress') });
  const { httpPort, httpsPort } = await server.listen();
  try {
    server.setTable(tableTo([`127.0.0.1:${echoPort}`], { fallbackCert: { ...fallback, secret: 'shop/fallback' } }));
    let sent = false;
    const tunnel = await rawExchange(httpPort, 'GET /chat HTTP/1.1\r\nHost: any.lan\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n', (sock, got) => {
      if (!sent && got.includes('\r\n\r\n')) { sent = true; sock.write('ping'); }
      return got.endsWith('ping');
    });
    assert.match(tunnel, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
    assert.ok(tunnel.endsWith('\r\n\r\nping'), tunnel);

    // No SNI at all: the fallback certificate, verified by the test CA under its own name.
    const cn = await new Promise<string>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port: httpsPort, ca: ca.certPem, checkServerIdentity: () => undefined }, () => {
        resolve(String(s.getPeerCertificate().subject?.CN ?? ''));
        s.destroy();
      });
      s.on('error', reject);
    });
    assert.equal(cn, 'fallback.home.lan');

    server.setTable(tableTo([`127.0.0.1:${await freeClosedPort()}`]));
    const dead = await rawExchange(httpPort, 'GET / HTTP/1.1\r\nHost: any.lan\r\nConnection: close\r\n\r\n', () => false);
    assert.match(dead, /^HTTP\/1\.1 502 Bad Gateway\r\n/);
    assert.ok(dead.endsWith('bad gateway\n'));
    // An upgrade with no route is answered, not hung.
    server.setTable(emptyTable());
    const none = await rawExchange(httpPort, 'GET / HTTP/1.1\r\nHost: any.lan\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n', () => false);
    assert.match(none, /^HTTP\/1\.1 404 Not Found\r\n[\s\S]*default backend - 404\n$/);
  } finally {
    await server.close();
    echo.closeAllConnections();
    await new Promise<void>((r) => echo.close(() => r()));
  }
});
