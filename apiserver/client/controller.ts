/**
 * Shared control-loop plumbing: the level-based worker loop every controller
 * runs over its work queue (controller-runtime semantics), and the `/healthz`
 * endpoint every component serves.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WorkQueue } from './informer-types.ts';
import type { Logger } from '../api/log.ts';
import type { Registry } from 'prom-client';
import { writeMetrics } from './metrics.ts';

/** What a reconcile may return: ask to be called again after `requeueAfterMs` ms. */
export type ReconcileResult = { requeueAfterMs?: number } | void;

/**
 * Runs `count` workers taking keys from `queue` until `signal` aborts. For
 * each key: reconcile; on success `forget` (and `addAfter` when it asked for
 * a requeue); on a throw `addRateLimited` and log. On abort the queue is shut
 * down; resolves when every worker has finished its current key and exited.
 */
export async function runWorkers<K>(
  queue: WorkQueue<K>,
  count: number,
  reconcile: (key: K) => Promise<ReconcileResult>,
  signal: AbortSignal,
  log: Logger,
): Promise<void> {
  const onAbort = (): void => queue.shutDown();
  if (signal.aborted) queue.shutDown();
  else signal.addEventListener('abort', onAbort, { once: true });
  const worker = async (): Promise<void> => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        const r = await reconcile(key);
        queue.forget(key);
        if (r && r.requeueAfterMs !== undefined) queue.addAfter(key, r.requeueAfterMs);
      } catch (e) {
        log.warn('reconcile failed, will retry', { key: String(key), err: e });
        queue.addRateLimited(key);
      } finally {
        queue.done(key);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, count) }, () => worker()));
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** Options of serveHealthz. */
export interface HealthzOptions {
  /** Bind address (default '0.0.0.0'). */
  host?: string;
  /** When given and false, /healthz answers 503 (e.g. informers not synced). */
  healthy?: () => boolean;
  /** When given and false, /readyz answers 503 (defaults to `healthy`). */
  ready?: () => boolean;
  /** When given, `GET /metrics` answers this registry in the Prometheus text format. */
  metrics?: Registry;
}

/**
 * Serves `GET /healthz` and `/livez` (per `healthy`) and `/readyz` (per
 * `ready`) → 200 `ok` or 503, on `port` until
 * `signal` aborts, and `/metrics` when `opts.metrics` is given. Resolves with the bound port once listening (pass 0 for
 * any free port); rejects if the port cannot be bound.
 */
export function serveHealthz(port: number, log: Logger, signal: AbortSignal, opts: HealthzOptions = {}): Promise<number> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/healthz' || path === '/livez' || path === '/readyz') {
      const check = path === '/readyz' ? opts.ready ?? opts.healthy : opts.healthy;
      const ok = check ? check() : true;
      res.writeHead(ok ? 200 : 503, { 'Content-Type': 'text/plain' });
      res.end(ok ? 'ok' : 'not ready');
      return;
    }
    if (path === '/metrics' && opts.metrics) {
      void writeMetrics(opts.metrics, res);
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, opts.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      const bound = (server.address() as AddressInfo).port;
      log.info('healthz listening', { port: bound });
      const close = (): void => {
        server.close();
        server.closeAllConnections();
      };
      if (signal.aborted) close();
      else signal.addEventListener('abort', close, { once: true });
      resolve(bound);
    });
  });
}
