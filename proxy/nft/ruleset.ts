/**
 * The desired nftables state of the proxy, as data: per-service chains and
 * the elements of the dispatch maps and sets. Pure. Shaped like kube-proxy's
 * nftables proxier (pkg/proxy/nftables/proxier.go syncProxyRules, Kubernetes
 * 1.31): service dispatch through verdict maps keyed by `ip . proto . port`,
 * a chain per service port choosing an endpoint with `numgen random mod N
 * vmap`, a chain per endpoint doing the DNAT.
 */
import type { EndpointInfo, ServicePortInfo } from '../model.ts';
import { affinitySet, endpointBase, endpointChain, externalChain, localChain, serviceChain, servicePortBase } from './names.ts';

/** The verdict maps of the table (key → verdict). */
export const VERDICT_MAPS = ['service-ips', 'service-nodeports', 'no-endpoint-services', 'no-endpoint-nodeports'] as const;
/** One of VERDICT_MAPS. */
export type VerdictMap = typeof VERDICT_MAPS[number];

/** Mark bit of packets to masquerade in postrouting (the iptables mode's 0x4000). */
export const NFT_MASQ_MARK = '0x00004000';

/** Inputs of the renderer about the node and the cluster. */
export interface NftRenderConfig {
  /** e.g. '10.96.0.0/12': addresses in it that no Service holds are dropped. */
  serviceCIDR: string;
  /** e.g. '10.244.0.0/16': traffic to a ClusterIP from outside it is masqueraded. */
  clusterCIDR: string;
  /** This node's name (internalTrafficPolicy: Local, via model.ts). */
  nodeName: string;
  /** Largest endpoint count chosen inline (default INLINE_ENDPOINTS_MAX); 0 = always per-endpoint chains and a vmap. */
  inlineEndpointsMax?: number;
}

/**
 * By default, service ports with at most this many endpoints (and no ClientIP affinity)
 * choose their endpoint with a cascade of `numgen random mod k` rules that
 * DNAT inline, using no set; larger ones use kube-proxy's per-endpoint
 * chains and a `numgen random mod N vmap`. Why: every set in a table costs
 * O(sets) to create and bind on this kernel (anonymous-set naming,
 * `__nft_set_trans_bind`), so one vmap per Service makes a full sync
 * quadratic: 5,000 Services x 5 endpoints took 27.8 s in one transaction
 * (kubernetes issue #139513 reports the same), this cascade 1.3 s. A new
 * connection walks at most this many rules; established ones none.
 */
export const INLINE_ENDPOINTS_MAX = 16;

/** The per-service part of the table. */
export interface NftRuleset {
  /** Per-service chain → its rules (nft rule text after the chain name). */
  chains: Map<string, string[]>;
  /** Verdict map → element key (e.g. '10.96.0.10 . tcp . 80') → verdict ('goto service-...'). */
  maps: Record<VerdictMap, Map<string, string>>;
  /** Every ClusterIP this node serves (set `cluster-ips`): other ports of these are rejected. */
  clusterIPs: Set<string>;
  /** Endpoint IPs (set `hairpin`, as 'ip . ip'): a pod reaching itself through a Service is masqueraded. */
  hairpin: Set<string>;
  /** ClientIP affinity sets (one per endpoint of an affinity service port). */
  affinitySets: Set<string>;
}

/** An empty ruleset (no services). */
export function emptyRuleset(): NftRuleset {
  return {
    chains: new Map(),
    maps: { 'service-ips': new Map(), 'service-nodeports': new Map(), 'no-endpoint-services': new Map(), 'no-endpoint-nodeports': new Map() },
    clusterIPs: new Set(),
    hairpin: new Set(),
    affinitySets: new Set(),
  };
}

/** The port name part of 'ns/svc:portName' ('' when unnamed). */
function portNameOf(sp: ServicePortInfo): string {
  const prefix = `${sp.namespace}/${sp.service}`;
  return sp.name.length > prefix.length ? sp.name.slice(prefix.length + 1) : '';
}

/** Options of buildRuleset. */
export interface BuildOptions {
  /** See NftRenderConfig.inlineEndpointsMax. */
  inlineEndpointsMax?: number;
  /** The pod CIDR: pod sources of externalTrafficPolicy Local traffic short-circuit to the cluster chain (omitted: no such rule). */
  clusterCIDR?: string;
}

/**
 * Builds the ruleset for a service-port list (model.ts buildServicePorts).
 * Deterministic. Each service port adds its objects through addServicePort,
 * the one place a new Service shape goes.
 */
export function buildRuleset(ports: ServicePortInfo[], opts: BuildOptions = {}): NftRuleset {
  const rs = emptyRuleset();
  const inlineMax = opts.inlineEndpointsMax ?? INLINE_ENDPOINTS_MAX;
  for (const sp of ports) addServicePort(rs, sp, inlineMax, opts.clusterCIDR);
  return rs;
}

/**
 * The objects of one service port, as kube-proxy 1.31's nftables
 * syncProxyRules:
 * - ClusterIP: `service-ips` → the internal policy chain (`service-…`
 *   choosing among cluster endpoints, or `local-…` among this node's for
 *   internalTrafficPolicy Local).
 * - externalIPs, LoadBalancer ingress IPs (`service-ips`) and the NodePort
 *   (`service-nodeports`) → `external-…`: with externalTrafficPolicy
 *   Cluster it marks for masquerade then goes to `service-…`; with Local,
 *   pod sources (clusterCIDR) go to `service-…` unchanged, node-local
 *   sources (`fib saddr type local`) are marked for masquerade and go to
 *   `service-…`, everything else goes to `local-…` without SNAT (the client
 *   source IP is kept).
 * - No usable endpoint anywhere: the `no-endpoint-*` elements go to the
 *   reject chain ("has no endpoints"); endpoints elsewhere but none for the
 *   Local policy: they drop ("has no local endpoints"), in the filter chains,
 *   so only traffic the nat chains did not DNAT is dropped.
 * - Every endpoint a policy chain reaches is in `hairpin`.
 * Traffic to a ClusterIP from outside clusterCIDR is marked for masquerade
 * by one rule on `@cluster-ips` in the services chain, not per service.
 * A healthCheckNodePort needs nothing here: no chain of this table filters
 * input to it (service-health.ts serves it).
 */
function addServicePort(rs: NftRuleset, sp: ServicePortInfo, inlineMax: number, clusterCIDR: string | undefined): void {
  const proto = sp.protocol;
  const portName = portNameOf(sp);
  const base = servicePortBase(sp.namespace, sp.service, proto, portName);
  const clusterChain = serviceChain(base);
  const localPolicyChain = localChain(base);
  const extChain = externalChain(base);
  const externallyAccessible = sp.nodePort !== undefined || sp.externalIPs.length > 0 || sp.loadBalancerIPs.length > 0;
  const hasInternal = sp.endpoints.length > 0;
  const hasExternal = sp.externalEndpoints.length > 0;
  const internalChain = sp.internalPolicyLocal ? localPolicyChain : clusterChain;
  const externalPolicyChain = sp.externalPolicyLocal ? localPolicyChain : clusterChain;
  const usesCluster = sp.clusterEndpoints.length > 0 && (!sp.internalPolicyLocal || externallyAccessible);
  const usesLocal = sp.localEndpoints.length > 0 && (sp.internalPolicyLocal || (sp.externalPolicyLocal && externallyAccessible));
  const usesExt = sp.hasEndpoints && externallyAccessible;
  const noEndpoints = sp.hasEndpoints ? 'drop' : 'goto reject-chain';
  const vip = (ip: string): string => `${ip} . ${proto} . ${sp.port}`;
  rs.clusterIPs.add(sp.clusterIP);

  if (hasInternal) rs.maps['service-ips'].set(vip(sp.clusterIP), `goto ${internalChain}`);
  else rs.maps['no-endpoint-services'].set(vip(sp.clusterIP), noEndpoints);
  for (const ip of [...sp.externalIPs, ...sp.loadBalancerIPs]) {
    if (usesExt) rs.maps['service-ips'].set(vip(ip), `goto ${extChain}`);
    if (!hasExternal) rs.maps['no-endpoint-services'].set(vip(ip), noEndpoints);
  }
  if (sp.nodePort !== undefined) {
    if (usesExt) rs.maps['service-nodeports'].set(`${proto} . ${sp.nodePort}`, `goto ${extChain}`);
    if (!hasExternal) rs.maps['no-endpoint-nodeports'].set(`${proto} . ${sp.nodePort}`, noEndpoints);
  }

  if (usesCluster) {
    for (const ep of sp.clusterEndpoints) rs.hairpin.add(`${ep.ip} . ${ep.ip}`);
    rs.chains.set(clusterChain, chooseEndpoint(rs, sp, portName, inlineMax, sp.clusterEndpoints));
  }
  if (usesLocal) {
    for (const ep of sp.localEndpoints) rs.hairpin.add(`${ep.ip} . ${ep.ip}`);
    rs.chains.set(localPolicyChain, chooseEndpoint(rs, sp, portName, inlineMax, sp.localEndpoints));
  }
  if (usesExt) {
    const rules = sp.externalPolicyLocal
      ? [
        ...(clusterCIDR !== undefined ? [`ip saddr ${clusterCIDR} goto ${clusterChain}`] : []),
        'fib saddr type local jump mark-for-masquerade',
        `fib saddr type local goto ${clusterChain}`,
      ]
      : ['jump mark-for-masquerade'];
    if (hasExternal) rules.push(`goto ${externalPolicyChain}`);
    rs.chains.set(extChain, rules);
  }
}

/**
 * A policy chain's rules (`endpoints`: the cluster or the local ones). Small, affinity-free ports: rule i of n is
 * `numgen random mod (n-i) 0` + DNAT (each endpoint 1/n, as iptables'
 * statistic cascade), the last one unconditional. Otherwise kube-proxy's
 * shape: `ip saddr @affinity-X goto endpoint-X` per endpoint when ClientIP
 * affinity is on, then `numgen random mod N vmap` over per-endpoint chains
 * (affinity update, DNAT), which this adds to `rs`.
 */
function chooseEndpoint(rs: NftRuleset, sp: ServicePortInfo, portName: string, inlineMax: number, endpoints: EndpointInfo[]): string[] {
  const proto = sp.protocol;
  const n = endpoints.length;
  const affinity = sp.affinitySeconds;
  if (affinity === undefined && n <= inlineMax) {
    return endpoints.map((ep, i) => `${i < n - 1 ? `numgen random mod ${n - i} 0 ` : ''}meta l4proto ${proto} dnat to ${ep.ip}:${ep.port}`);
  }
  const eps = endpoints.map((ep) => {
    const epBase = endpointBase(sp.namespace, sp.service, proto, portName, ep.ip, ep.port);
    return { ...ep, chain: endpointChain(epBase), affinity: affinitySet(epBase) };
  });
  const rules: string[] = [];
  for (const ep of eps) {
    const epRules: string[] = [];
    if (affinity !== undefined) {
      rs.affinitySets.add(ep.affinity);
      epRules.push(`update @${ep.affinity} { ip saddr timeout ${affinity}s }`);
      rules.push(`ip saddr @${ep.affinity} goto ${ep.chain}`);
    }
    epRules.push(`meta l4proto ${proto} dnat to ${ep.ip}:${ep.port}`);
    rs.chains.set(ep.chain, epRules);
  }
  rules.push(`numgen random mod ${n} vmap { ${eps.map((ep, i) => `${i} : goto ${ep.chain}`).join(', ')} }`);
  return rules;
}
