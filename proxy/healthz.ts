/**
 * The proxy's health endpoint, like kube-proxy's on :10256: healthy once a
 * sync has succeeded and the last success is recent.
 */
import type { Registry } from 'prom-client';
import { writeMetrics } from '../apiserver/client/metrics.ts';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../apiserver/api/log.ts';

/** What the health endpoint reads. Times are ms since the epoch. */
export interface SyncHealth {
  lastSuccessMs(): number | undefined;
  now(): number;
  /** A success older than this (ms) is unhealthy. */
  staleAfterMs: number;
}

/**
 * The health verdict: status code, kube-proxy's JSON fields (lastUpdated,
 * currentTime, nodeHealthy) and the last success as ISO text ('' if none).
 */
export function healthzResponse(h: SyncHealth): { code: number; body: string; lastUpdated: string } {
  const last = h.lastSuccessMs();
  const now = h.now();
  const healthy = last !== undefined && now - last <= h.staleAfterMs;
  const lastUpdated = last === undefined ? '' : new Date(last).toISOString();
  return {
    code: healthy ? 200 : 503,
    lastUpdated,
    body: JSON.stringify({
      lastUpdated,
      currentTime: new Date(now).toISOString(),
      nodeHealthy: healthy,
    }),
  };
}

/**
 * Serves, on `port` (0 = any) until `signal` aborts: GET /healthz (and
 * /livez) → 200 `ok` / 503 `not synced` (the body CONVENTIONS.md and
 * `skiff server` expect) with header `X-Proxy-Last-Sync: <ISO time>`, and
 * GET /healthz/detail → the same code with kube-proxy's JSON body. Resolves
 * with the bound port; rejects if it can't bind.
 */
export function serveProxyHealthz(port: number, host: string, health: SyncHealth, log: Logger, signal: AbortSignal, metrics?: Registry): Promise<number> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const r = healthzResponse(health);
    if (path === '/healthz' || path === '/livez') {
      res.writeHead(r.code, { 'Content-Type': 'text/plain', 'X-Proxy-Last-Sync': r.lastUpdated }).end(r.code === 200 ? 'ok' : 'not synced');
    } else if (path === '/metrics' && metrics) {
      void writeMetrics(metrics, res);
    } else if (path === '/healthz/detail') {
      res.writeHead(r.code, { 'Content-Type': 'application/json' }).end(r.body);
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const close = (): void => { server.close(); server.closeAllConnections(); };
      if (signal.aborted) close(); else signal.addEventListener('abort', close, { once: true });
      const bound = (server.address() as AddressInfo).port;
      log.info('healthz listening', { port: bound });
      resolve(bound);
    });
  });
}
