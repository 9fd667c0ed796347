/**
 * The node's cluster DNS server, composed: the proxy's shared Service and
 * EndpointSlice informers → an index rebuilt on the first query after any
 * change (snapshot.ts) → the handler (answer.ts; forward.ts for other
 * names, via cache.ts) → UDP and TCP sockets (server.ts) on this node's
 * InternalIP and `port`. Names outside the zone go where the kube-dns
 * ConfigMap says (stub domains, upstreamNameservers; config-source.ts),
 * else to resolv.conf's resolvers. Pods reach it through the kube-dns Service
 * (10.96.0.10:53 → every node's InternalIP:port, internalTrafficPolicy
 * Local; see README.md "Reachability").
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import type { ConfigMap, Node, Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import type { Informer } from '../../apiserver/client/informer-types.ts';
import type { Logger } from '../../apiserver/api/log.ts';
import { SERVICE_NAME_LABEL } from '../model.ts';
import type { AnswerConfig } from './answer.ts';
import { ResponseCache } from './cache.ts';
import { pickUpstreams } from './config.ts';
import { DNSConfigSource } from './config-source.ts';
import { clientAllowed } from './clients.ts';
import { Forwarder } from './forward.ts';
import { handleMessage, type HandlerDeps } from './handler.ts';
import { serveDNS, type DNSServer, type DNSServerOptions } from './server.ts';
import { buildDNSIndex, canonicalIP, type DNSIndex } from './snapshot.ts';
import { upstreamsFromResolvConf, type Upstream } from './upstreams.ts';

/** The kube-dns Service: kube-system/kube-dns. */
export const KUBE_DNS_NAMESPACE = 'kube-system';
export const KUBE_DNS_NAME = 'kube-dns';
/** The port every node's DNS server listens on (the kube-dns Service's targetPort; not 53, so a host resolver on :53 never clashes). */
export const DEFAULT_DNS_PORT = 10053;
/** TTL of cluster records, seconds (issue 8). */
export const CLUSTER_TTL_SECONDS = 5;

/** Options of runClusterDNS. */
export interface ClusterDNSOptions {
  services: Informer<Service>;
  slices: Informer<EndpointSlice>;
  /**
   * The kube-dns ConfigMap (kube-system/kube-dns: stubDomains,
   * upstreamNameservers; config.ts), followed without a restart. Absent:
   * no stub domains, resolv.conf upstreams.
   */
  configMaps?: Informer<ConfigMap>;
  /** Without `host` and before the kube-dns slice lists this node: its Node's InternalIP (optional; the DNS identity cannot read Nodes). */
  nodes?: Informer<Node>;
  nodeName: string;
  /** Address to bind; default: this node's endpoint in the kube-dns EndpointSlice (followed when it changes), else its Node's InternalIP. */
  host?: string;
  /** Default DEFAULT_DNS_PORT; 0 = any (tests). */
  port?: number;
  /** 'cluster.local' */
  clusterDomain: string;
  /** The kube-dns Service IP, e.g. '10.96.0.10' (never an upstream). */
  clusterDNS: string;
  /** Pod network(s) allowed to query, e.g. ['10.244.0.0/16']. */
  clientCIDRs: string[];
  /** Default '/etc/resolv.conf' (re-read at most every 30 s). */
  resolvConfPath?: string;
  /** Port of the upstream resolvers (default 53; tests point it at a loopback server). */
  upstreamPort?: number;
  /** Upstream timeout, ms (default 2000). */
  upstreamTimeoutMs?: number;
  log: Logger;
  /** Milliseconds since the epoch (default Date.now). */
  now?: () => number;
  /** Called once the sockets are bound, with the port. */
  onListening?: (port: number) => void;
}

/** This node's InternalIP from the Node informer, or undefined. */
export function nodeInternalIP(node: Node | undefined): string | undefined {
  return node?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
}

/** This node's address in the kube-dns EndpointSlices (where the Service sends its pods' queries), or undefined. */
export function kubeDNSEndpointOf(slices: EndpointSlice[], nodeName: string): string | undefined {
  for (const s of slices) {
    if (s.metadata?.namespace !== KUBE_DNS_NAMESPACE || s.metadata?.labels?.[SERVICE_NAME_LABEL] !== KUBE_DNS_NAME) continue;
    const ip = (s.endpoints ?? []).find((e) => e.nodeName === nodeName)?.addresses?.[0];
    if (ip) return ip;
  }
  return undefined;
}

/** The addresses of the kube-dns EndpointSlices' endpoints (every node's InternalIP), canonical. */
export function kubeDNSNodeIPs(slices: EndpointSlice[]): string[] {
  return slices
    .filter((s) => s.metadata?.namespace === KUBE_DNS_NAMESPACE && s.metadata?.labels?.[SERVICE_NAME_LABEL] === KUBE_DNS_NAME)
    .flatMap((s) => (s.endpoints ?? []).flatMap((e) => e.addresses ?? []))
    .map(canonicalIP);
}

function localAddresses(): string[] {
  return Object.values(os.networkInterfaces()).flatMap((list) => (list ?? []).map((a) => canonicalIP(a.address)));
}

/** Resolves after `ms` or when `signal` aborts, removing its abort listener either way (a poll loop must not pile them up). */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const onAbort = (): void => { clearTimeout(timer); resolve(); };
    const timer = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(); }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Waits until `get` returns a value (polling every 500 ms), or `signal` aborts (undefined). */
async function waitFor<T>(get: () => T | undefined, signal: AbortSignal): Promise<T | undefined> {
  for (;;) {
    const v = get();
    if (v !== undefined || signal.aborted) return v;
    await pause(500, signal);
  }
}

/**
 * Serves cluster DNS until `signal` aborts, then closes the sockets and
 * resolves. Without `host` it waits for this node's address (the kube-dns
 * slice, else its Node) and moves when that changes. A bind failure (port
 * taken, address not local) is logged and retried every 5 s, so the proxy
 * keeps running. Never rejects.
 */
export async function runClusterDNS(o: ClusterDNSOptions, signal: AbortSignal): Promise<void> {
  const log = o.log;
  const now = o.now ?? Date.now;
  let index: DNSIndex | undefined;
  let nodeIPs = new Set<string>();
  const dirty = (): void => { index = undefined; };
  o.services.addHandlers({ onAdd: dirty, onUpdate: dirty, onDelete: dirty });
  o.slices.addHandlers({ onAdd: dirty, onUpdate: dirty, onDelete: dirty });
  const currentIndex = (): DNSIndex => {
    if (!index) {
      const slices = o.slices.list();
      index = buildDNSIndex(o.services.list(), slices, now());
      nodeIPs = new Set([...kubeDNSNodeIPs(slices), ...localAddresses()]);
    }
    return index;
  };

  const wantedHost = (): string | undefined => o.host ?? kubeDNSEndpointOf(o.slices.list(), o.nodeName) ?? nodeInternalIP(o.nodes?.get(o.nodeName));
  let host = await waitFor(wantedHost, signal);
  if (host === undefined) return;
  const self = (): string[] => [host ?? '', o.clusterDNS];
  const path = o.resolvConfPath ?? '/etc/resolv.conf';
  let upstreams: Upstream[] = [];
  let readAt = -Infinity;
  const refreshUpstreams = async (): Promise<void> => {
    if (now() - readAt < 30_000) return;
    readAt = now();
    const text = await readFile(path, 'utf8').catch(() => '');
    upstreams = upstreamsFromResolvConf(text, self()).map((u) => ({ ...u, port: o.upstreamPort ?? u.port }));
    if (upstreams.length === 0) log.warn('no upstream resolver in resolv.conf; names outside the cluster get SERVFAIL unless the kube-dns ConfigMap names servers for them', { path });
  };
  await refreshUpstreams();
  const forwarder = new Forwarder({ cache: new ResponseCache({ now }), timeoutMs: o.upstreamTimeoutMs, log });
  const config: AnswerConfig = { zone: o.clusterDomain.toLowerCase().replace(/\.$/, ''), ttl: CLUSTER_TTL_SECONDS, nameserverIP: o.clusterDNS };
  /** Where the server is bound now (a stub or upstream there is a loop). */
  let listening: Upstream[] = [];
  const forwarding = new DNSConfigSource(o.configMaps, config.zone, log);
  const deps: HandlerDeps = {
    index: currentIndex,
    config,
    forward: async (q) => {
      await refreshUpstreams();
      const route = pickUpstreams(q.name, forwarding.config(), upstreams, config.zone, { ips: [o.clusterDNS], listen: listening });
      if (route.upstreams.length === 0) log.debug('no upstream for the name', { name: q.name, via: route.via });
      return forwarder.resolve(q, route);
    },
    allowed: (address) => {
      currentIndex();
      return clientAllowed(address, { cidrs: o.clientCIDRs, nodeIPs });
    },
  };

  // Serve on `host`; when this node's address in the kube-dns slice changes, move there.
  while (!signal.aborted && host !== undefined) {
    const bound: string = host;
    const server = await bindWithRetry(bound, o.port ?? DEFAULT_DNS_PORT, (msg, client) => handleMessage(msg, client, deps), log, signal);
    if (!server) return;
    readAt = -Infinity;
    listening = [{ host: bound, port: server.port }];
    log.info('cluster DNS serving', { host: bound, port: server.port, zone: config.zone, upstreams: upstreams.map((u) => u.host) });
    o.onListening?.(server.port);
    host = await waitFor(() => {
      const next = wantedHost();
      return next !== undefined && next !== bound ? next : undefined;
    }, signal);
    await server.close();
    if (host !== undefined) log.info('this node\'s DNS address changed; moving', { from: bound, to: host });
  }
}

/** Binds the DNS server, retrying every 5 s while the address or port is unavailable; undefined once `signal` aborts. */
async function bindWithRetry(host: string, port: number, handle: DNSServerOptions['handle'], log: Logger, signal: AbortSignal): Promise<DNSServer | undefined> {
  while (!signal.aborted) {
    try {
      return await serveDNS({ host, port, handle, log });
    } catch (err) {
      log.warn('cluster DNS cannot bind; retrying in 5s', { err, host, port });
      await pause(5000, signal);
    }
  }
  return undefined;
}
