/**
 * The proxy's health endpoint, like kube-proxy's on :10256: healthy once a
 * sync has succeeded and the last success is recent.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../apiserver/client/log.ts';

/** What the health endpoint reads. Times are ms since the epoch. */
export interface SyncHealth {
  lastSuccessMs(): number | undefined;
  now(): number;
  /** A success older than this (ms) is unhealthy. */
  staleAfterMs: number;
}

/** The /healthz answer: status code and JSON body (kube-proxy's fields). */
export function healthzResponse(h: SyncHealth): { code: number; body: string } {
  const last = h.lastSuccessMs();
  const now = h.now();
  const healthy = last !== undefined && now - last <= h.staleAfterMs;
  return {
    code: healthy ? 200 : 503,
    body: JSON.stringify({
      lastUpdated: last === undefined ? '' : new Date(last).toISOString(),
      currentTime: new Date(now).toISOString(),
      nodeHealthy: healthy,
    }),
  };
}

/**
 * Serves GET /healthz (and /livez) with healthzResponse on `port` (0 = any)
 * until `signal` aborts; resolves with the bound port. Rejects if it can't bind.
 */
export function serveProxyHealthz(port: number, host: string, health: SyncHealth, log: Logger, signal: AbortSignal): Promise<number> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/healthz' && path !== '/livez') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    const r = healthzResponse(health);
    res.writeHead(r.code, { 'Content-Type': 'application/json' }).end(r.body);
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
