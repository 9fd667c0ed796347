/**
 * The kubelet's HTTP API (port 10250): `GET /containerLogs/{ns}/{pod}/{container}`
 * with `follow`, `tailLines`, `timestamps` and `previous`, reading the CRI log
 * file of the container; `/exec`, `/attach` (…/{ns}/{pod}/{container}) and
 * `/portForward/{ns}/{pod}`: an upgrade request (what the apiserver forwards)
 * is proxied to the runtime's one-time streaming URL, a plain one gets a 302
 * to it (streaming.ts); `GET /metrics/resource` (CPU and memory usage in
 * Prometheus text, what metrics-server scrapes; kubelet/stats/); plus `GET /healthz`. Plain HTTP by default; with `tls`,
 * HTTPS with the serving cert, asking for (not requiring) a client cert from
 * the client CA; with `auth`, every request passes the kubelet's auth filter
 * first (401 / 403 / 500 as plain text, see filter.ts).
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { open, stat } from 'node:fs/promises';
import type { Logger } from '../../apiserver/api/log.ts';
import { CriLogParser, formatEntries, tail, type LogEntry } from './cri-log.ts';
import { checkAccess, type KubeletAuth } from './filter.ts';
import { handleStreamUpgrade, notFoundText, parseStreamRequest, type StreamResolver } from './streaming.ts';

export { parseExecQuery, type ExecQuery, type StreamRequest, type StreamResolver } from './streaming.ts';

/** Where a container's log is and whether it may still grow. */
export interface LogTarget {
  /** Absolute path of the CRI log file. */
  path: string;
  /** True while the container runs (follow stops once false and the file is drained). */
  running(): Promise<boolean>;
}

/** Finds the log of a container; undefined when the pod/container is unknown. */
export type LogResolver = (namespace: string, pod: string, container: string, previous: boolean) => Promise<LogTarget | undefined>;

/** Options of `serveKubeletApi`. */
export interface KubeletServerOptions {
  port: number;
  /** Bind address (default 0.0.0.0). */
  host?: string;
  log: Logger;
  resolveLog: LogResolver;
  /** exec / attach / portForward: the runtime's streaming URL (proxied for upgrades, else a 302); 404 when absent. */
  resolveStream?: StreamResolver;
  /** `GET /metrics/resource`: the body (Prometheus text); 404 when absent. */
  resourceMetrics?: () => Promise<string>;
  /** Follow poll interval, ms (default 250). */
  pollMs?: number;
  /** Serve HTTPS (`--tls-cert-file`, `--tls-private-key-file`, `--client-ca-file`); default plain HTTP. */
  tls?: KubeletTLS;
  /** Authenticate and authorize every request; default none (everything served). */
  auth?: KubeletAuth;
}

/** The kubelet's TLS material, PEM text. */
export interface KubeletTLS {
  /** Serving cert (chain). */
  cert: string;
  key: string;
  /** CA that signs client certs; when set, clients are asked for a cert (not required: unverified ones reach the auth filter, which answers 401). */
  clientCA?: string;
}

/** Node's TLS server options for `t`: requestCert with rejectUnauthorized false when a client CA is given, as the kubelet's RequestClientCert. Pure. */
export function tlsServerOptions(t: KubeletTLS): https.ServerOptions {
  return { cert: t.cert, key: t.key, ...(t.clientCA !== undefined ? { ca: t.clientCA, requestCert: true, rejectUnauthorized: false } : {}) };
}

/** Parsed query of the containerLogs endpoint. */
export interface LogQuery {
  follow: boolean;
  timestamps: boolean;
  previous: boolean;
  tailLines?: number;
}

/** Parses the containerLogs query string (pure). Invalid tailLines are ignored. */
export function parseLogQuery(search: URLSearchParams): LogQuery {
  const flag = (k: string): boolean => search.get(k) === 'true' || search.get(k) === '1';
  const t = search.get('tailLines');
  const n = t !== null && /^\d+$/.test(t) ? Number(t) : undefined;
  return { follow: flag('follow'), timestamps: flag('timestamps'), previous: flag('previous'), tailLines: n };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function streamLog(target: LogTarget, q: LogQuery, res: http.ServerResponse, closed: () => boolean, pollMs: number): Promise<void> {
  const parser = new CriLogParser();
  let offset = 0;
  const readMore = async (): Promise<LogEntry[]> => {
    let fh;
    try {
      fh = await open(target.path, 'r');
    } catch {
      return [];
    }
    try {
      const size = (await fh.stat()).size;
      if (size < offset) offset = 0; // truncated or rotated
      if (size === offset) return [];
      const buf = Buffer.alloc(size - offset);
      const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
      offset += bytesRead;
      return parser.push(buf.subarray(0, bytesRead).toString('utf8'));
    } finally {
      await fh.close();
    }
  };
  const first = tail(await readMore(), q.tailLines);
  res.write(formatEntries(first, q.timestamps));
  if (!q.follow) return;
  while (!closed()) {
    const more = await readMore();
    if (more.length) res.write(formatEntries(more, q.timestamps));
    else if (!(await target.running())) {
      const last = await readMore();
      if (last.length) res.write(formatEntries(last, q.timestamps));
      return;
    }
    await sleep(pollMs);
  }
}

/**
 * Serves the kubelet API until `signal` aborts; resolves with the bound port
 * (0 picks a free one). Rejects if the port cannot be bound.
 */
export function serveKubeletApi(o: KubeletServerOptions, signal: AbortSignal): Promise<number> {
  const handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://kubelet');
    if (req.method === 'GET' && url.pathname === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
      return;
    }
    if (req.method === 'GET' && url.pathname === '/metrics/resource' && o.resourceMetrics) {
      void o.resourceMetrics().then((body) => {
        res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
        res.end(body);
      }, (e: unknown) => {
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(`${e instanceof Error ? e.message : String(e)}\n`);
      });
      return;
    }
    const stream = o.resolveStream && (req.method === 'GET' || req.method === 'POST') ? parseStreamRequest(url) : undefined;
    if (stream !== undefined && o.resolveStream) {
      if ('code' in stream) {
        res.writeHead(stream.code, { 'Content-Type': 'text/plain' });
        res.end(stream.body);
        return;
      }
      void o.resolveStream(stream).then((target) => {
        if (!target) {
          res.writeHead(404, { 'Content-Type': 'text/plain' });
          res.end(notFoundText(stream));
          return;
        }
        res.writeHead(302, { Location: target });
        res.end();
      }, (e: unknown) => {
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(`${e instanceof Error ? e.message : String(e)}\n`);
      });
      return;
    }
    const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)\/?$/.exec(url.pathname);
    if (req.method !== 'GET' || !m) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('404 page not found\n');
      return;
    }
    const [ns, pod, container] = m.slice(1).map(decodeURIComponent);
    const q = parseLogQuery(url.searchParams);
    let closed = false;
    res.on('close', () => { closed = true; });
    void (async () => {
      const target = await o.resolveLog(ns, pod, container, q.previous);
      if (!target) {
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end(`container "${container}" in pod "${pod}" (namespace "${ns}") not found${q.previous ? ' (previous terminated container)' : ''}\n`);
        return;
      }
      if (!(await stat(target.path).catch(() => undefined)) && !(await target.running())) {
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end(`log file of container "${container}" not found\n`);
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache' });
      res.flushHeaders();
      await streamLog(target, q, res, () => closed || signal.aborted, o.pollMs ?? 250);
      res.end();
    })().catch((e: unknown) => {
      o.log.warn('containerLogs failed', { ns, pod, container, error: e });
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end();
    });
  };
  const guarded = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const auth = o.auth;
    if (!auth) return handle(req, res);
    const path = new URL(req.url ?? '/', 'http://kubelet').pathname; // logged without the query (exec commands)
    void checkAccess(auth, req).then((out) => {
      if (out.serve) return handle(req, res);
      if (out.code === 500) o.log.warn('kubelet API authorization failed', { path, body: out.body });
      res.writeHead(out.code, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(out.body);
    }, (e: unknown) => {
      o.log.warn('kubelet API auth filter failed', { path, error: e });
      res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Internal Server Error');
    });
  };
  const server = o.tls ? https.createServer(tlsServerOptions(o.tls), guarded) : http.createServer(guarded);
  // Streams in progress: closeAllConnections leaves upgraded sockets alone, so close() ends them itself.
  const streams = new Set<Duplex>();
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    streams.add(socket);
    socket.once('close', () => streams.delete(socket));
    void handleStreamUpgrade({ resolveStream: o.resolveStream, auth: o.auth, log: o.log }, req, socket, head);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      const port = (server.address() as AddressInfo).port;
      o.log.info('kubelet API listening', { port, tls: o.tls !== undefined, auth: o.auth !== undefined });
      const close = (): void => {
        server.close();
        server.closeAllConnections();
        for (const st of streams) st.destroy();
      };
      if (signal.aborted) close();
      else signal.addEventListener('abort', close, { once: true });
      resolve(port);
    });
  });
}
