/**
 * The Ingress data plane: an HTTP and an HTTPS server that route every
 * request through the current RoutingTable (table.ts) and forward it with
 * http-proxy-3 (a maintained proxy library: headers, streaming, WebSocket
 * upgrades (it tunnels only `Upgrade: websocket` GETs), X-Forwarded-*). TLS picks the certificate by SNI from the table
 * (tls.createSecureContext per certificate, cached by content); a client
 * without SNI gets the fallback certificate when one is configured.
 *
 * Answers of its own (text/plain): 404 when nothing matches, 503 when the
 * backend has no ready endpoint, 502 when the backend connection fails.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import tls from 'node:tls';
import { ProxyServer } from 'http-proxy-3';
import type { Logger } from '../../apiserver/api/log.ts';
import { requestHost, requestPath } from './match.ts';
import { certFor, lookup, type RoutingTable, type TlsPair } from './table.ts';

/** Options of an IngressServer. Ports 0 pick free ones (tests). */
export interface IngressServerOptions {
  httpPort: number;
  httpsPort: number;
  /** Bind address of both servers (default '0.0.0.0'). */
  host?: string;
  log: Logger;
  /** Chooses one endpoint of a backend (default: uniformly at random). */
  pick?: (endpoints: readonly string[]) => string;
}

/** An empty table: every request is a 404. */
export function emptyTable(): RoutingTable {
  return { hosts: new Map(), anyHost: [], certs: new Map(), served: [] };
}

const randomPick = (eps: readonly string[]): string => eps[Math.floor(Math.random() * eps.length)] ?? '';

function plain(res: http.ServerResponse, code: number, body: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function pairKey(p: TlsPair): string {
  return createHash('sha256').update(p.cert).update('\0').update(p.key).digest('hex');
}

/** Serves the Ingress ports; see file doc. Create, `listen()`, then `setTable()` on every change; `close()` to stop. */
export class IngressServer {
  private table: RoutingTable = emptyTable();
  private contexts = new Map<string, tls.SecureContext>();
  private readonly proxy = new ProxyServer({ xfwd: true });
  private readonly http: http.Server;
  private readonly https: https.Server;
  private readonly pick: (eps: readonly string[]) => string;

  constructor(private readonly opts: IngressServerOptions) {
    this.pick = opts.pick ?? randomPick;
    this.http = http.createServer((req, res) => this.web(req, res));
    this.https = https.createServer({ SNICallback: (name, cb) => this.sni(name, cb) }, (req, res) => this.web(req, res));
    for (const s of [this.http, this.https]) {
      s.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => this.upgrade(req, socket, head));
      s.on('clientError', (_err, socket: Socket) => socket.destroy());
    }
    this.https.on('tlsClientError', (err) => opts.log.debug('TLS handshake failed', { err: err.message }));
    // Errors without a callback (e.g. a client socket reset mid-stream) must not crash the process.
    this.proxy.on('error', (err) => opts.log.debug('proxy error', { err: err.message }));
  }

  /** Binds both ports; resolves the bound ports. Rejects (e.g. EADDRINUSE) without leaving either bound. */
  async listen(): Promise<{ httpPort: number; httpsPort: number }> {
    const host = this.opts.host ?? '0.0.0.0';
    const bind = (s: http.Server, port: number): Promise<number> => new Promise((resolve, reject) => {
      const onError = (e: Error): void => reject(e);
      s.once('error', onError);
      s.listen(port, host, () => {
        s.off('error', onError);
        resolve((s.address() as AddressInfo).port);
      });
    });
    const httpPort = await bind(this.http, this.opts.httpPort);
    try {
      const httpsPort = await bind(this.https, this.opts.httpsPort);
      return { httpPort, httpsPort };
    } catch (e) {
      await new Promise<void>((r) => this.http.close(() => r()));
      throw e;
    }
  }

  /** Replaces the routing table (and the TLS contexts it needs). A certificate that fails to load is logged and skipped. */
  setTable(table: RoutingTable): void {
    const next = new Map<string, tls.SecureContext>();
    const pairs = [...table.certs.values(), ...(table.fallbackCert ? [table.fallbackCert] : [])];
    for (const p of pairs) {
      const k = pairKey(p);
      if (next.has(k)) continue;
      const have = this.contexts.get(k);
      if (have) {
        next.set(k, have);
        continue;
      }
      try {
        next.set(k, tls.createSecureContext({ cert: p.cert, key: p.key }));
      } catch (e) {
        this.opts.log.warn('TLS secret does not load; its hosts get no certificate', { secret: p.secret, err: (e as Error).message });
      }
    }
    this.contexts = next;
    this.table = table;
    const fb = table.fallbackCert;
    if (fb && next.has(pairKey(fb))) this.https.setSecureContext({ cert: fb.cert, key: fb.key });
  }

  /** Stops accepting, closes open connections, resolves when both servers are closed. */
  async close(): Promise<void> {
    const stop = (s: http.Server): Promise<void> => new Promise((r) => {
      if (!s.listening) return r();
      s.close(() => r());
      s.closeAllConnections();
    });
    await Promise.all([stop(this.http), stop(this.https)]);
    this.proxy.close();
  }

  private sni(name: string, cb: (err: Error | null, ctx?: tls.SecureContext) => void): void {
    const pair = certFor(this.table, name);
    const ctx = pair ? this.contexts.get(pairKey(pair)) : undefined;
    if (ctx) cb(null, ctx);
    else cb(new Error(`no certificate for ${name}`));
  }

  /** The endpoint a request goes to, or the status and text to answer with instead. */
  private target(req: http.IncomingMessage): { endpoint: string } | { code: number; body: string } {
    const hit = lookup(this.table, requestHost(req.headers.host), requestPath(req.url));
    if (!hit) return { code: 404, body: 'default backend - 404\n' };
    const b = hit.backend;
    if (b.endpoints.length === 0) return { code: 503, body: `no endpoints available for service "${b.namespace}/${b.service}:${b.port}"\n` };
    return { endpoint: this.pick(b.endpoints) };
  }

  private web(req: http.IncomingMessage, res: http.ServerResponse): void {
    const t = this.target(req);
    if ('code' in t) return plain(res, t.code, t.body);
    this.proxy.web(req, res, { target: `http://${t.endpoint}` }, (err) => {
      this.opts.log.debug('backend failed', { endpoint: t.endpoint, err: err.message });
      plain(res, 502, 'bad gateway\n');
    });
  }

  private upgrade(req: http.IncomingMessage, socket: Socket, head: Buffer): void {
    const t = this.target(req);
    if ('code' in t) {
      socket.end(`HTTP/1.1 ${t.code} ${http.STATUS_CODES[t.code] ?? ''}\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(t.body)}\r\n\r\n${t.body}`);
      return;
    }
    this.proxy.ws(req, socket, head, { target: `ws://${t.endpoint}` }, (err) => {
      this.opts.log.debug('backend upgrade failed', { endpoint: t.endpoint, err: err.message });
      socket.destroy();
    });
  }
}
