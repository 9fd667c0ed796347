/**
 * `skiff proxy`: the node's service proxy (kube-proxy, iptables or nftables
 * mode). Composition only: informers → change tracker → bounded-frequency
 * runner → ProxyBackend (iptables.ts or nft/nftables.ts), plus the service-CIDR route, /healthz, and the
 * host-gw pod routes to other nodes (routes/controller.ts).
 */
import type { Node } from 'kubernetes-types/core/v1';
import type { ApiClient } from '../apiserver/client/types.ts';
import type { Logger } from '../apiserver/api/log.ts';
import { createInformerFactory } from '../apiserver/client/informer.ts';
import { RestClient } from '../apiserver/client/rest.ts';
import { Nodes } from '../apiserver/client/resources.ts';
import { connectionFor } from '../apiserver/client/kubeconfig.ts';
import { realClock } from '../apiserver/client/workqueue.ts';
import type { ProxyBackend, ProxyMode } from './backend.ts';
import { hostExec, type Exec } from './exec.ts';
import { serveProxyHealthz } from './healthz.ts';
import { cleanupRules, IptablesBackend } from './iptables.ts';
import { cleanupNftables, NftablesBackend } from './nft/nftables.ts';
import { ensureClusterRoute, ensureServiceRoute, removeClusterRoute, removeServiceRoute, type ServiceRouteMode } from './route.ts';
import { NodeRouteController } from './routes/controller.ts';
import { removeOwnedRoutes } from './routes/iproute.ts';
import { removePodMasquerade } from './routes/masq.ts';
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
  /** Data plane when no `backend` is given (default 'iptables'). */
  proxyMode?: ProxyMode;
  /** Data plane (default: the `proxyMode` backend on `exec`). */
  backend?: ProxyBackend;
  /** Service-CIDR safety route (default 'local-dev'; 'none' skips it). See route.ts. */
  serviceRoute?: ServiceRouteMode | 'none';
  /**
   * Pod networking across nodes (default 'host-gw', or 'none' when
   * serviceRoute is 'none'): a route to every other node's podCIDR via its
   * InternalIP, and masquerade for pod traffic leaving clusterCIDR. See routes/.
   */
  podNetwork?: 'host-gw' | 'none';
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
  if (!opts.backend) {
    await ensureBridgeNetfilter(exec, log);
    // Switching modes must not leave the other mode's rules translating the same VIPs (kube-proxy cleans up the other modes at start too).
    const other = (opts.proxyMode ?? 'iptables') === 'nftables' ? cleanupRules : cleanupNftables;
    await other(exec).catch((err: unknown) => log.warn('could not remove the other proxy mode\'s rules', { err }));
  }

  const backend = opts.backend ?? newBackend(opts.proxyMode ?? 'iptables',
    { serviceCIDR: opts.serviceCIDR, clusterCIDR: opts.clusterCIDR, nodeName: opts.nodeName }, log, exec);
  const client = opts.client ?? new RestClient({ ...connectionFor(opts), userAgent: 'skiff-proxy' });
  const factory = createInformerFactory(client, log);
  const routes = (opts.podNetwork ?? (routeMode === 'none' ? 'none' : 'host-gw')) === 'host-gw'
    ? new NodeRouteController({
      nodeName: opts.nodeName, nodes: factory.for<Node>(Nodes), clusterCIDR: opts.clusterCIDR, exec, log: log.child('routes'),
    })
    : undefined;

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
    routes?.start(signal);
  }
  await aborted;
  await runner.idle();
  await routes?.idle();
  log.info('proxy stopped');
}

/** The backend of `mode` on `exec`, logging under the mode's name. */
export function newBackend(mode: ProxyMode, config: { serviceCIDR: string; clusterCIDR: string; nodeName: string }, log: Logger, exec: Exec): ProxyBackend {
  return mode === 'nftables' ? new NftablesBackend(config, log.child('nftables'), exec) : new IptablesBackend(config, log.child('iptables'), exec);
}

/**
 * `skiff proxy --cleanup`: removes what both modes wrote (every iptables rule
 * and chain, and the nftables `table ip skiff`) and
 * the service-CIDR route (and the cluster-CIDR blackhole when `clusterCIDR`
 * is given), the pod masquerade chain and every host-gw route (proto 250).
 * Idempotent. Throws if iptables, nft or `ip route show` fails.
 */
export async function cleanupProxy(opts: { serviceCIDR: string; clusterCIDR?: string; exec?: Exec }): Promise<void> {
  const exec = opts.exec ?? hostExec;
  await cleanupRules(exec);
  await cleanupNftables(exec);
  await removeServiceRoute(exec, opts.serviceCIDR);
  if (opts.clusterCIDR) await removeClusterRoute(exec, opts.clusterCIDR);
  await removePodMasquerade(exec);
  await removeOwnedRoutes(exec);
}
