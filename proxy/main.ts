/**
 * `skiff proxy`: the node's service proxy (kube-proxy, iptables or nftables
 * mode). Composition only: informers → change tracker (and this Node's
 * IPv4 addresses) → bounded-frequency runner → ProxyBackend (iptables.ts or
 * nft/nftables.ts), plus the
 * service-CIDR route, /healthz, the healthCheckNodePort listeners
 * (service-health.ts), the host-gw pod routes to other nodes
 * (routes/controller.ts), NetworkPolicy enforcement for this node's pods
 * (netpol/controller.ts), the LoadBalancer pool addresses this node answers
 * ARP for (servicelb/), the built-in Ingress controller
 * (ingress/controller.ts) when `ingress` is given, and the node's cluster
 * DNS server (dns/run.ts) on the same Service/EndpointSlice informers.
 */
import { newComponentRegistry } from '../apiserver/client/metrics.ts';
import { proxyMetrics } from './metrics.ts';
import type { ConfigMap, Namespace, Node, Pod, Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import type { NetworkPolicy } from 'kubernetes-types/networking/v1';
import type { ApiClient } from '../apiserver/client/types.ts';
import type { Logger } from '../apiserver/api/log.ts';
import { createInformerFactory } from '../apiserver/client/informer.ts';
import { RestClient } from '../apiserver/client/rest.ts';
import { ConfigMaps, EndpointSlices, Namespaces, NetworkPolicies, Nodes, Pods, Services } from '../apiserver/client/resources.ts';
import { connectionFor } from '../apiserver/client/kubeconfig.ts';
import { realClock } from '../apiserver/client/workqueue.ts';
import { nodeIPv4s } from './allow-from-node.ts';
import type { ProxyBackend, ProxyMode } from './backend.ts';
import { hostExec, type Exec } from './exec.ts';
import { healthzResponse, serveProxyHealthz, type SyncHealth } from './healthz.ts';
import { ServiceHealthServer, serviceHealthTargets } from './service-health.ts';
import { cleanupRules, IptablesBackend } from './iptables.ts';
import { NetworkPolicyController } from './netpol/controller.ts';
import { removeNetpolTable } from './netpol/nft.ts';
import { cleanupNftables, NftablesBackend } from './nft/nftables.ts';
import { ensureClusterRoute, ensureServiceRoute, removeClusterRoute, removeServiceRoute, type ServiceRouteMode } from './route.ts';
import { createIngressController, type IngressController } from './ingress/controller.ts';
import { DNS_CONFIGMAP_FIELD_SELECTOR, DNS_CONFIGMAP_NAMESPACE } from './dns/config-source.ts';
import { runClusterDNS } from './dns/run.ts';
import { SERVICE_NAME_LABEL } from './model.ts';
import { NodeRouteController } from './routes/controller.ts';
import { removeOwnedRoutes } from './routes/iproute.ts';
import { removePodMasquerade } from './routes/masq.ts';
import { BoundedFrequencyRunner } from './runner.ts';
import { LoadBalancerSpeaker } from './servicelb/controller.ts';
import { removeOwnedAddresses } from './servicelb/ipaddr.ts';
import { ensureBridgeNetfilter, ensureIPForward } from './sysctl.ts';
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
  /**
   * NetworkPolicy enforcement for this node's pods in `table inet
   * skiff-netpol` (default 'nftables', or 'none' when serviceRoute is
   * 'none'). Needs list/watch on pods, namespaces and networkpolicies. See netpol/.
   */
  networkPolicy?: 'nftables' | 'none';
  /**
   * LoadBalancer pool addresses (default 'claim', or 'none' when
   * serviceRoute is 'none'): hold the /32s this node is elected for, so it
   * answers ARP for them. See servicelb/.
   */
  loadBalancerAddresses?: 'claim' | 'none';
  /** Min ms between syncs (default 1000). */
  minSyncIntervalMs?: number;
  /** Max ms between syncs (default 30000, kube-proxy's syncPeriod); these periodic syncs are partial. */
  maxSyncIntervalMs?: number;
  /** Ms between full syncs, which re-read the kernel and rewrite every chain (default 3600000, kube-proxy's FullSyncPeriod). A failed sync is always followed by a full one. */
  fullSyncIntervalMs?: number;
  /** Called after every successful sync with its wall-clock time (ms); for tests. */
  onSynced?: (atMs: number) => void;
  /**
   * Serve Ingresses of class `skiff` on these ports (80/443 in `skiff`; 0 =
   * any free port); absent: no Ingress controller. See ingress/README.md.
   */
  ingress?: { httpPort: number; httpsPort: number; host?: string };
  /**
   * Run the node's cluster DNS server (dns/): on this Node's InternalIP (or
   * `host`) and `port`, answering `clusterDomain`; `clusterDNS` is the
   * kube-dns Service IP (never an upstream). Absent: no DNS server.
   */
  dns?: {
    clusterDNS: string; clusterDomain: string; port: number; host?: string; resolvConfPath?: string;
    /**
     * The DNS server's own identity (system:skiff-dns: list/watch Services
     * and EndpointSlices only), with informers of its own. Absent: it shares
     * the proxy's client and informers.
     */
    kubeconfig?: string;
  };
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
    await ensureIPForward(exec, log);
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
  const netpol = (opts.networkPolicy ?? (routeMode === 'none' ? 'none' : 'nftables')) === 'nftables'
    ? new NetworkPolicyController({
      nodeName: opts.nodeName, policies: factory.for<NetworkPolicy>(NetworkPolicies), pods: factory.for<Pod>(Pods),
      namespaces: factory.for<Namespace>(Namespaces), exec, log: log.child('netpol'),
    })
    : undefined;

  // The DNS server's informers: its own, under its own identity, or the proxy's (and then this Node as a fallback address).
  const dnsFactory = opts.dns?.kubeconfig !== undefined
    ? createInformerFactory(new RestClient({ ...connectionFor({ apiUrl: opts.apiUrl, kubeconfig: opts.dns.kubeconfig }), userAgent: 'skiff-dns' }), log.child('dns'))
    : undefined;
  const dnsInformers = dnsFactory
    ? { services: dnsFactory.for<Service>(Services), slices: dnsFactory.for<EndpointSlice>(EndpointSlices, { labelSelector: SERVICE_NAME_LABEL }), nodes: undefined }
    : undefined;
  const nodes = opts.dns && !dnsFactory && opts.dns.host === undefined ? factory.for<Node>(Nodes) : undefined;

  let lastSuccess: number | undefined;
  let ingress: IngressController | undefined;
  const health: SyncHealth = { lastSuccessMs: () => lastSuccess, now: () => Date.now(), staleAfterMs: 2 * maxMs + 5000 };
  // healthCheckNodePorts of LoadBalancer + externalTrafficPolicy Local services (kube-proxy's service health server).
  const serviceHealth = new ServiceHealthServer(opts.healthzHost ?? '0.0.0.0', () => healthzResponse(health).code === 200, log.child('service-health'));
  const tracker: ServiceChangeTracker = new ServiceChangeTracker(factory, () => runner.request());
  // This node's IPs feed loadBalancerSourceRanges' allowFromNode (allow-from-node.ts): a change of them is a change of the rules.
  const nodeInformer = factory.for<Node>(Nodes);
  const myIPs = (n: Node): string => (n.metadata?.name === opts.nodeName ? nodeIPv4s(n).join(',') : '');
  nodeInformer.addHandlers({
    onAdd: (n) => { if (myIPs(n) !== '') runner.request(); },
    onUpdate: (o, n) => { if (myIPs(o) !== myIPs(n)) runner.request(); },
    onDelete: (n) => { if (myIPs(n) !== '') runner.request(); },
  });
  const speaker = (opts.loadBalancerAddresses ?? (routeMode === 'none' ? 'none' : 'claim')) === 'claim'
    ? new LoadBalancerSpeaker({
      nodeName: opts.nodeName, services: tracker.services, nodes: factory.for<Node>(Nodes), slices: tracker.slices, exec, log: log.child('servicelb'),
    })
    : undefined;
  const metrics = proxyMetrics(newComponentRegistry());
  const runner = new BoundedFrequencyRunner({
    clock: realClock, minIntervalMs: minMs, maxIntervalMs: maxMs, retryBaseMs: minMs, fullIntervalMs: opts.fullSyncIntervalMs ?? 3_600_000,
    fn: async (full, reason) => {
      const state = { ...tracker.snapshot(), nodeIPs: nodeIPv4s(nodeInformer.get(opts.nodeName)) };
      const started = Date.now();
      await backend.sync(state, full);
      lastSuccess = Date.now();
      metrics.syncDuration.observe((lastSuccess - started) / 1000);
      await serviceHealth.sync(serviceHealthTargets(state.services, state.endpointSlices, opts.nodeName));
      log.debug('synced', { full, reason, changes: state.changes, services: state.services.length, ms: lastSuccess - started });
      opts.onSynced?.(lastSuccess);
    },
    onError: (err, n) => log.warn('sync failed; next sync is full', { err, consecutiveFailures: n }),
  });

  await serveProxyHealthz(opts.healthzPort, opts.healthzHost ?? '0.0.0.0', health, log, signal, metrics.registry);

  factory.start(signal);
  dnsFactory?.start(signal);
  const aborted = new Promise<void>((resolve) => {
    if (signal.aborted) resolve(); else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await Promise.race([factory.synced(), aborted]);
  if (!signal.aborted) {
    log.info('caches synced; starting sync loop', { node: opts.nodeName, serviceCIDR: opts.serviceCIDR });
    runner.start(signal);
    routes?.start(signal);
    netpol?.start(signal);
    speaker?.start(signal);
    // Created only now: its informers (Ingresses, classes, Secrets) join the factory after the
    // proxy's own caches synced, so a cluster that denies or lacks them never holds up Services.
    if (opts.ingress) {
      ingress = createIngressController({ client, factory, log: log.child('ingress'), clock: realClock, ...opts.ingress });
      ingress.start(signal);
    }
  }
  // The kube-dns ConfigMap (stub domains, upstreams): one informer narrowed to that object, made only now so
  // that an apiserver that denies it (no skiff:dns-config Role yet) never holds up the proxy's own caches.
  const dnsConfigMaps = opts.dns && !signal.aborted
    ? (dnsFactory ?? factory).for<ConfigMap>(ConfigMaps, { namespace: DNS_CONFIGMAP_NAMESPACE, fieldSelector: DNS_CONFIGMAP_FIELD_SELECTOR })
    : undefined;
  const dns = opts.dns && !signal.aborted
    ? runClusterDNS({
      services: dnsInformers?.services ?? tracker.services, slices: dnsInformers?.slices ?? tracker.slices, nodes, nodeName: opts.nodeName, host: opts.dns.host, port: opts.dns.port,
      configMaps: dnsConfigMaps,
      clusterDomain: opts.dns.clusterDomain, clusterDNS: opts.dns.clusterDNS, clientCIDRs: [opts.clusterCIDR],
      resolvConfPath: opts.dns.resolvConfPath, log: log.child('dns'),
    }, signal)
    : undefined;
  await aborted;
  await runner.idle();
  serviceHealth.close();
  await routes?.idle();
  await netpol?.idle();
  await ingress?.stopped();
  await speaker?.idle();
  await dns;
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
 * is given), the pod masquerade chain, every host-gw route (proto 250),
 * the NetworkPolicy table (`inet skiff-netpol`), the nftables mode's
 * `table ip skiff` and every LoadBalancer address (metric 250).
 * Idempotent. Throws if iptables, nft, `ip route show` or `ip addr` fails.
 */
export async function cleanupProxy(opts: { serviceCIDR: string; clusterCIDR?: string; exec?: Exec }): Promise<void> {
  const exec = opts.exec ?? hostExec;
  await cleanupRules(exec);
  await cleanupNftables(exec);
  await removeServiceRoute(exec, opts.serviceCIDR);
  if (opts.clusterCIDR) await removeClusterRoute(exec, opts.clusterCIDR);
  await removePodMasquerade(exec);
  await removeOwnedRoutes(exec);
  await removeNetpolTable(exec);
  await removeOwnedAddresses(exec);
}
