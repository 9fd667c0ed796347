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
}

/** The per-service part of the table. */
export interface NftRuleset {
  /** Per-service chain → its rules (nft rule text after the chain name). */
  chains: Map<string, string[]>;
  /** Verdict map → element key (e.g. '10.96.0.10 . tcp . 80') → verdict ('goto service-...'). */
  maps: Record<VerdictMap, Map<string, string>>;
  /** Every ClusterIP this node serves (set `cluster-ips`): other ports of these are rejected. */
  clusterIPs: Set<string>;
  /** ClientIP affinity sets (one per endpoint of an affinity service port). */
  affinitySets: Set<string>;
}

/** An empty ruleset (no services). */
export function emptyRuleset(): NftRuleset {
  return {
    chains: new Map(),
    maps: { 'service-ips': new Map(), 'service-nodeports': new Map(), 'no-endpoint-services': new Map(), 'no-endpoint-nodeports': new Map() },
    clusterIPs: new Set(),
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
export function buildRuleset(ports: ServicePortInfo[], config: NftRenderConfig): NftRuleset {
  const rs = emptyRuleset();
  for (const sp of ports) addServicePort(rs, sp, config);
  return rs;
}

/**
 * The objects of one service port:
 * - with endpoints: `service-ips` ClusterIP (and externalIPs → the external
 *   chain) and `service-nodeports` elements; a service chain (masquerade
 *   traffic from outside clusterCIDR, affinity, numgen vmap over the endpoint
 *   chains); an endpoint chain per endpoint (hairpin masquerade, affinity
 *   update, DNAT); an external chain for NodePort/externalIPs (masquerade,
 *   then the service chain).
 * - without endpoints: `no-endpoint-*` elements to the reject chain.
 */
function addServicePort(rs: NftRuleset, sp: ServicePortInfo, config: NftRenderConfig): void {
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

  const eps = sp.endpoints.map((ep) => {
    const epBase = endpointBase(sp.namespace, sp.service, proto, portName, ep.ip, ep.port);
    return { ...ep, chain: endpointChain(epBase), affinity: affinitySet(epBase) };
  });
  const affinity = sp.affinitySeconds;
  for (const ep of eps) {
    const rules = [`ip saddr ${ep.ip} jump mark-for-masquerade`];
    if (affinity !== undefined) {
      rs.affinitySets.add(ep.affinity);
      rules.push(`update @${ep.affinity} { ip saddr timeout ${affinity}s }`);
    }
    rules.push(`meta l4proto ${proto} dnat to ${ep.ip}:${ep.port}`);
    rs.chains.set(ep.chain, rules);
  }

  const svcRules = [`ip daddr ${sp.clusterIP} ${proto} dport ${sp.port} ip saddr != ${config.clusterCIDR} jump mark-for-masquerade`];
  if (affinity !== undefined) for (const ep of eps) svcRules.push(`ip saddr @${ep.affinity} goto ${ep.chain}`);
  svcRules.push(`numgen random mod ${eps.length} vmap { ${eps.map((ep, i) => `${i} : goto ${ep.chain}`).join(', ')} }`);
  rs.chains.set(svcChain, svcRules);
  rs.maps['service-ips'].set(`${sp.clusterIP} . ${proto} . ${sp.port}`, `goto ${svcChain}`);

  if (hasExternal) {
    rs.chains.set(extChain, ['jump mark-for-masquerade', `goto ${svcChain}`]);
    for (const ip of sp.externalIPs) rs.maps['service-ips'].set(`${ip} . ${proto} . ${sp.port}`, `goto ${extChain}`);
    if (sp.nodePort !== undefined) rs.maps['service-nodeports'].set(`${proto} . ${sp.nodePort}`, `goto ${extChain}`);
  }
}
