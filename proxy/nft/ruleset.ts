/**
 * The desired nftables state of the proxy, as data: per-service chains and
 * the elements of the dispatch maps and sets. Pure. Shaped like kube-proxy's
 * nftables proxier (pkg/proxy/nftables/proxier.go syncProxyRules, Kubernetes
 * 1.31): service dispatch through verdict maps keyed by `ip . proto . port`,
 * a chain per service port choosing an endpoint with `numgen random mod N
 * vmap`, a chain per endpoint doing the DNAT.
 */
import type { ServicePortInfo } from '../model.ts';
import { affinitySet, endpointBase, endpointChain, externalChain, serviceChain, servicePortBase } from './names.ts';

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

/**
 * Builds the ruleset for a service-port list (model.ts buildServicePorts).
 * Deterministic. Each service port adds its objects through addServicePort,
 * the one place a new Service shape goes.
 */
export function buildRuleset(ports: ServicePortInfo[], opts: { inlineEndpointsMax?: number } = {}): NftRuleset {
  const rs = emptyRuleset();
  const inlineMax = opts.inlineEndpointsMax ?? INLINE_ENDPOINTS_MAX;
  for (const sp of ports) addServicePort(rs, sp, inlineMax);
  return rs;
}

/**
 * The objects of one service port:
 * - with endpoints: `service-ips` ClusterIP (and externalIPs → the external
 *   chain) and `service-nodeports` elements; a service chain choosing an
 *   endpoint (chooseEndpoint); an external chain for NodePort/externalIPs
 *   (masquerade, then the service chain); the endpoints in `hairpin`.
 * - without endpoints: `no-endpoint-*` elements to the reject chain.
 * Traffic to a ClusterIP from outside clusterCIDR is marked for masquerade
 * by one rule on `@cluster-ips` in the services chain, not per service.
 */
function addServicePort(rs: NftRuleset, sp: ServicePortInfo, inlineMax: number): void {
  const proto = sp.protocol;
  const portName = portNameOf(sp);
  const base = servicePortBase(sp.namespace, sp.service, proto, portName);
  const svcChain = serviceChain(base);
  const extChain = externalChain(base);
  const hasExternal = sp.nodePort !== undefined || sp.externalIPs.length > 0;
  rs.clusterIPs.add(sp.clusterIP);

  if (sp.endpoints.length === 0) {
    rs.maps['no-endpoint-services'].set(`${sp.clusterIP} . ${proto} . ${sp.port}`, 'goto reject-chain');
    for (const ip of sp.externalIPs) rs.maps['no-endpoint-services'].set(`${ip} . ${proto} . ${sp.port}`, 'goto reject-chain');
    if (sp.nodePort !== undefined) rs.maps['no-endpoint-nodeports'].set(`${proto} . ${sp.nodePort}`, 'goto reject-chain');
    return;
  }

  for (const ep of sp.endpoints) rs.hairpin.add(`${ep.ip} . ${ep.ip}`);
  rs.chains.set(svcChain, chooseEndpoint(rs, sp, portName, inlineMax));
  rs.maps['service-ips'].set(`${sp.clusterIP} . ${proto} . ${sp.port}`, `goto ${svcChain}`);

  if (hasExternal) {
    rs.chains.set(extChain, ['jump mark-for-masquerade', `goto ${svcChain}`]);
    for (const ip of sp.externalIPs) rs.maps['service-ips'].set(`${ip} . ${proto} . ${sp.port}`, `goto ${extChain}`);
    if (sp.nodePort !== undefined) rs.maps['service-nodeports'].set(`${proto} . ${sp.nodePort}`, `goto ${extChain}`);
  }
}

/**
 * The service chain's rules. Small, affinity-free ports: rule i of n is
 * `numgen random mod (n-i) 0` + DNAT (each endpoint 1/n, as iptables'
 * statistic cascade), the last one unconditional. Otherwise kube-proxy's
 * shape: `ip saddr @affinity-X goto endpoint-X` per endpoint when ClientIP
 * affinity is on, then `numgen random mod N vmap` over per-endpoint chains
 * (affinity update, DNAT), which this adds to `rs`.
 */
function chooseEndpoint(rs: NftRuleset, sp: ServicePortInfo, portName: string, inlineMax: number): string[] {
  const proto = sp.protocol;
  const n = sp.endpoints.length;
  const affinity = sp.affinitySeconds;
  if (affinity === undefined && n <= inlineMax) {
    return sp.endpoints.map((ep, i) => `${i < n - 1 ? `numgen random mod ${n - i} 0 ` : ''}meta l4proto ${proto} dnat to ${ep.ip}:${ep.port}`);
  }
  const eps = sp.endpoints.map((ep) => {
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
