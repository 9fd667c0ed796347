/**
 * `skiff proxy`: the node's service proxy (kube-proxy, iptables mode).
 * Composition only: informers → change tracker → bounded-frequency runner →
 * ProxyBackend (iptables), plus the service-CIDR route and /healthz.
 */
import type { ApiClient } from '../apiserver/client/types.ts';
import type { Logger } from '../apiserver/api/log.ts';
import { createInformerFactory } from '../apiserver/client/informer.ts';
import { RestClient } from '../apiserver/client/rest.ts';
import { connectionFor } from '../apiserver/client/kubeconfig.ts';
import { realClock } from '../apiserver/client/workqueue.ts';
import type { ProxyBackend } from './backend.ts';
import { hostExec, type Exec } from './exec.ts';
import { serveProxyHealthz } from './healthz.ts';
import { cleanupRules, IptablesBackend } from './iptables.ts';
import { ensureClusterRoute, ensureServiceRoute, removeClusterRoute, removeServiceRoute, type ServiceRouteMode } from './route.ts';
import { BoundedFrequencyRunner } from './runner.ts';
import { ensureBridgeNetfilter } from './sysctl.ts';
import { ServiceChangeTracker } from './tracker.ts';

/** Options of runProxy (CONVENTIONS.md entry point); the optional ones are for tests and tuning. */
export interface ProxyOptions {
  apiUrl: string;
  /** Reach the API as the kubeconfig says (server, CA, client cert or token); wins over apiUrl. */
  kubeconfig?: string;
  nodeName: string;
  /** e.g. '10.96.0.0/12' */
  serviceCIDR: string;
  /** e.g. '10.244.0.0/16' */
  clusterCIDR: string;
  /** 10256 by default in `skiff`; 0 = any free port. */
  healthzPort: number;
  log: Logger;
  /** Bind address of /healthz (default '0.0.0.0'). */
  healthzHost?: string;
  /** Use this client instead of a RestClient on apiUrl. */
  client?: ApiClient;
  /** How host commands run (default: directly; tests pass netnsExec). */
  exec?: Exec;
  /** Data plane (default: IptablesBackend on `exec`). */
  backend?: ProxyBackend;
  /** Service-CIDR safety route (default 'local-dev'; 'none' skips it). See route.ts. */
  serviceRoute?: ServiceRouteMode | 'none';
  /** Min ms between syncs (default 1000). */
  minSyncIntervalMs?: number;
  /** Max ms between (full) syncs (default 30000). */
  maxSyncIntervalMs?: number;
  /** Called after every successful sync with its wall-clock time (ms); for tests. */
  onSynced?: (atMs: number) => void;
}

/**
 * Runs the proxy until `signal` aborts, then resolves once the in-flight sync
 * has finished. Rules are left in place on exit (as kube-proxy does), so
 * traffic keeps flowing across restarts; use cleanupProxy to remove them.
 * Rejects only if the healthz port can't be bound or the route can't be set.
 */
export async function runProxy(opts: ProxyOptions, signal: AbortSignal): Promise<void> {
  const log = opts.log;
  const exec = opts.exec ?? hostExec;
  const minMs = opts.minSyncIntervalMs ?? 1000;
  const maxMs = opts.maxSyncIntervalMs ?? 30_000;
  const routeMode = opts.serviceRoute ?? 'local-dev';
  if (routeMode !== 'none') {
    await ensureServiceRoute(exec, opts.serviceCIDR, routeMode);
    await ensureClusterRoute(exec, opts.clusterCIDR);
  }
  if (!opts.backend) await ensureBridgeNetfilter(exec, log);

  const backend = opts.backend ?? new IptablesBackend(
    { serviceCIDR: opts.serviceCIDR, clusterCIDR: opts.clusterCIDR, nodeName: opts.nodeName }, log.child('iptables'), exec);
  const client = opts.client ?? new RestClient({ ...connectionFor(opts), userAgent: 'skiff-proxy' });
  const factory = createInformerFactory(client, log);

  let lastSuccess: number | undefined;
  const tracker: ServiceChangeTracker = new ServiceChangeTracker(factory, () => runner.request());
  const runner = new BoundedFrequencyRunner({
    clock: realClock, minIntervalMs: minMs, maxIntervalMs: maxMs, retryBaseMs: minMs,
    fn: async (full, reason) => {
      const state = tracker.snapshot();
      const started = Date.now();
      await backend.sync(state, full);
      lastSuccess = Date.now();
      log.debug('synced', { full, reason, changes: state.changes, services: state.services.length, ms: lastSuccess - started });
      opts.onSynced?.(lastSuccess);
    },
    onError: (err, n) => log.warn('sync failed; next sync is full', { err, consecutiveFailures: n }),
  });

  await serveProxyHealthz(opts.healthzPort, opts.healthzHost ?? '0.0.0.0',
    { lastSuccessMs: () => lastSuccess, now: () => Date.now(), staleAfterMs: 2 * maxMs + 5000 }, log, signal);

  factory.start(signal);
  const aborted = new Promise<void>((resolve) => {
    if (signal.aborted) resolve(); else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await Promise.race([factory.synced(), aborted]);
  if (!signal.aborted) {
    log.info('caches synced; starting sync loop', { node: opts.nodeName, serviceCIDR: opts.serviceCIDR });
    runner.start(signal);
  }
  await aborted;
  await runner.idle();
  log.info('proxy stopped');
}

/**
 * `skiff proxy --cleanup`: removes every rule and chain the proxy wrote and
 * the service-CIDR route (and the cluster-CIDR blackhole when `clusterCIDR`
 * is given). Idempotent. Throws if iptables fails.
 */
export async function cleanupProxy(opts: { serviceCIDR: string; clusterCIDR?: string; exec?: Exec }): Promise<void> {
  const exec = opts.exec ?? hostExec;
  await cleanupRules(exec);
  await removeServiceRoute(exec, opts.serviceCIDR);
  if (opts.clusterCIDR) await removeClusterRoute(exec, opts.clusterCIDR);
}
