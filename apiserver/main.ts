/**
 * `skiff apiserver`: connects to etcd, bootstraps the system objects, serves
 * the API until the signal aborts, then closes everything.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from './api/log.ts';
import type { KubeletClientTLS } from './podlog.ts';
import type { AuthorizationMode } from './auth/authz/install.ts';
import { bootstrap } from './bootstrap.ts';
import { startEndpointReconciler } from './endpoint-reconciler.ts';
import { apiEndpoint } from './kubernetes-endpoints.ts';
import { buildServer } from './server.ts';
import { standardAdmission } from './registry/admission/standard.ts';
import { startCompactor } from './storage/compactor.ts';
import { createEtcdClient, readEtcdClientTLS, type EtcdClientTLSFiles } from './storage/etcd-client.ts';
import type { ApiServerTLS } from './auth/authn/tls-material.ts';
import { newComponentRegistry } from './client/metrics.ts';

/** Options of runApiServer (see docs/CONVENTIONS.md). */
export interface ApiServerOptions {
  /** e.g. ['http://127.0.0.1:2479'], or https ones with `etcdTLS`. */
  etcdEndpoints: string[];
  /** Dial etcd over TLS with this CA and client cert (PEM files, read once at start); default plain gRPC. */
  etcdTLS?: EtcdClientTLSFiles;
  bindAddress: string;
  port: number;
  /** e.g. '10.96.0.0/12'. */
  serviceCIDR: string;
  /**
   * The IP pods reach this server at (kube-apiserver's --advertise-address):
   * the Endpoints and EndpointSlice default/kubernetes are kept at it and
   * `port`. Default: none are written. A value that is not an IP rejects
   * runApiServer before it connects.
   */
  advertiseAddress?: string;
  log: Logger;
  /** Watch bookmark period (ms, default 30 000). */
  bookmarkIntervalMs?: number;
  /** etcd compaction period in ms (default 300 000, as Kubernetes); 0 disables. */
  compactionIntervalMs?: number;
  /** Serve watches from the watch cache (default true; false: one etcd watch per client, for comparison). */
  watchCache?: boolean;
  /** Serve HTTPS with authentication (see AppOptions.tls); default plain HTTP, every request admin. */
  tls?: ApiServerTLS;
  /** How often the endpoint Lease is renewed and the `kubernetes` endpoints reconciled, ms (default 10 000); only with advertiseAddress. */
  endpointReconcileIntervalMs?: number;
  /** Called once the server listens (after bootstrap), with its base URL. */
  onListening?: (url: string) => void;
  /** Dial kubelets over HTTPS with this CA and client cert (PEM); default plain HTTP. */
  kubeletClient?: KubeletClientTLS;
  /** Authorization mode (default AlwaysAllow). */
  authorization?: AuthorizationMode;
  /** Adds hooks or routes to the app before it listens (e.g. a test's authenticator). */
  configureApp?: (app: FastifyInstance) => void;
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });

/**
 * Runs the API server. Bootstrap is retried (backoff 200 ms doubling to 5 s)
 * until etcd answers; then the server listens on bindAddress:port and etcd
 * history is compacted every `compactionIntervalMs`. `/metrics` serves the
 * server's own Prometheus registry (request, etcd and process metrics;
 * authorized as any non-resource URL). Resolves
 * once `signal` aborts and the server and etcd client are closed; rejects if
 * listening fails (e.g. port in use), at once on a bad advertiseAddress, or
 * when an `etcdTLS` file cannot be read or is not PEM. An etcd that refuses
 * the client cert is retried like one that is down.
 */
export async function runApiServer(opts: ApiServerOptions, signal: AbortSignal): Promise<void> {
  if (opts.advertiseAddress !== undefined) apiEndpoint(opts.advertiseAddress, opts.port); // a bad flag fails now, not in the bootstrap retry loop
  const tls = opts.etcdTLS ? await readEtcdClientTLS(opts.etcdTLS) : undefined;
  const etcd = createEtcdClient({ hosts: opts.etcdEndpoints, tls });
  let endpoints: { stop(): Promise<void> } | undefined;
  const { app, registry, storage, authorization } = buildServer({
    etcd, serviceCIDR: opts.serviceCIDR, log: opts.log, bookmarkIntervalMs: opts.bookmarkIntervalMs, admission: standardAdmission, watchCache: opts.watchCache, tls: opts.tls,
    kubeletClient: opts.kubeletClient, authorization: opts.authorization, metrics: newComponentRegistry(),
  });
  opts.configureApp?.(app);
  try {
    let delay = 200;
    for (;;) {
      if (signal.aborted) return;
      try {
        await bootstrap(registry, opts.serviceCIDR, opts.log, opts.port, opts.advertiseAddress);
        await authorization.bootstrap(registry, opts.log);
        await registry.namespaceFinalizer?.resumeAll();
        break;
      } catch (e) {
        opts.log.warn('bootstrap failed, retrying', { err: e, delayMs: delay });
        await sleep(delay, signal);
        delay = Math.min(delay * 2, 5000);
      }
    }
    if (signal.aborted) return;
    await app.listen({ host: opts.bindAddress, port: opts.port });
    const url = `${opts.tls ? 'https' : 'http'}://${opts.bindAddress.includes(':') ? `[${opts.bindAddress}]` : opts.bindAddress}:${opts.port}`;
    opts.log.info('API server listening', { url });
    if (opts.compactionIntervalMs !== 0) startCompactor(storage, { intervalMs: opts.compactionIntervalMs, log: opts.log }, signal);
    if (opts.advertiseAddress !== undefined) {
      endpoints = startEndpointReconciler({ registry, advertiseAddress: opts.advertiseAddress, port: opts.port, log: opts.log, periodMs: opts.endpointReconcileIntervalMs });
    }
    opts.onListening?.(url);
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    await endpoints?.stop();
    await app.close().catch(() => undefined);
    etcd.close();
  }
}
