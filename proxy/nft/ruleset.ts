/**
 * The desired nftables state of the proxy, as data: per-service chains and
 * the elements of the dispatch maps and sets. Pure. Shaped like kube-proxy's
 * nftables proxier (pkg/proxy/nftables/proxier.go syncProxyRules, Kubernetes
 * 1.31): service dispatch through verdict maps keyed by `ip . proto . port`,
 * `external-…` chains for NodePorts, externalIPs and LoadBalancer IPs. One
 * deviation, for the size of a full sync: the endpoint of a port with up to
 * `inlineEndpointsMax` endpoints and no ClientIP affinity is chosen by one of
 * a few shared chains (`cluster-endpoints-N` / `local-endpoints-N`, one per
 * endpoint count N) that DNAT through a shared map keyed by the packet's
 * destination and `numgen random mod N`, so such a port costs map elements
 * only, no chain and no rule (kube-proxy: a chain per port and per
 * endpoint). Larger and affinity ports keep kube-proxy's chains.
 */
import type { EndpointInfo, ServicePortInfo } from '../model.ts';
import { affinitySet, endpointBase, endpointChain, externalChain, firewallChain, localChain, serviceChain, servicePortBase } from './names.ts';

/** The verdict maps of the table (key → verdict). */
export const VERDICT_MAPS = ['service-ips', 'service-nodeports', 'no-endpoint-services', 'no-endpoint-nodeports', 'firewall-ips'] as const;
/** The protocols of the shared DNAT maps (a map per protocol: nft derives the DNAT's protocol from the map's value type). */
export const DNAT_PROTOCOLS = ['tcp', 'udp', 'sctp'] as const;
/** One of DNAT_PROTOCOLS. */
export type DnatProtocol = typeof DNAT_PROTOCOLS[number];
/** True for 'tcp', 'udp' and 'sctp'. */
function isDnatProtocol(p: string): p is DnatProtocol {
  return p === 'tcp' || p === 'udp' || p === 'sctp';
}
/** Which endpoints a policy chooses among: every usable one ('cluster') or this node's ('local'). */
export type EndpointPolicy = 'cluster' | 'local';
/** 'cluster-tcp-endpoints': key 'destination IP . port . i' → 'endpointIP . port' (i < N: the endpoint's index in its sorted list). */
export const dnatMap = (policy: EndpointPolicy, proto: DnatProtocol): `${EndpointPolicy}-${DnatProtocol}-endpoints` => `${policy}-${proto}-endpoints`;
/** 'cluster-tcp-nodeport-endpoints': key 'nodePort . i' → 'endpointIP . port'. */
export const dnatNodePortMap = (policy: EndpointPolicy, proto: DnatProtocol): `${EndpointPolicy}-${DnatProtocol}-nodeport-endpoints` => `${policy}-${proto}-nodeport-endpoints`;
/**
 * The shared DNAT maps, per policy and protocol (dnatMap, dnatNodePortMap):
 * `cluster-…` hold the cluster endpoints, `local-…` this node's.
 */
export const DNAT_MAPS = (['cluster', 'local'] as const).flatMap((p) => DNAT_PROTOCOLS.flatMap((proto) => [dnatMap(p, proto), dnatNodePortMap(p, proto)]));
/** Every map of the table, in rendering order. */
export const MAPS = [...VERDICT_MAPS, ...DNAT_MAPS] as const;
/** One of VERDICT_MAPS. */
export type VerdictMap = typeof VERDICT_MAPS[number];
/** One of MAPS. */
export type NftMap = typeof MAPS[number];

/** 'cluster-endpoints-3': the shared chain choosing one of 3 endpoints of `policy` (fixed; N = 1..inlineEndpointsMax). */
export const pickChain = (policy: EndpointPolicy, n: number): string => `${policy}-endpoints-${n}`;

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
  /** Largest endpoint count chosen through the shared DNAT maps (default INLINE_ENDPOINTS_MAX); 0 = always kube-proxy's per-endpoint chains and a vmap. */
  inlineEndpointsMax?: number;
}

/**
 * By default, service ports with at most this many endpoints (and no
 * ClientIP affinity) choose their endpoint through the shared
 * `cluster-endpoints-N` / `local-endpoints-N` chains and DNAT maps (the
 * table always has those chains for N = 1..this); larger ones use
 * kube-proxy's per-endpoint chains and a `numgen random mod N vmap`. Why
 * (measured on the 2-core VM, kernel 6.18, nft 1.0.6): every set in a table
 * costs O(sets) to create and bind (anonymous-set naming,
 * `__nft_set_trans_bind`), so a vmap per Service makes a full sync
 * quadratic (5,000 Services x 5 endpoints: 27.8 s; kubernetes issue #139513
 * reports the same); a chain and rules per Service cost nft's parser and
 * the kernel (`__nft_expr_type_get`, a list walk per expression) far more
 * than map elements do: the 5,000 x 5 full sync as a `numgen` cascade of
 * 25,000 rules in 5,000 chains took 1.4-1.6 s of `nft -f` CPU (0.8 user,
 * 0.7 system), as 25,000 elements of a shared map 0.6-0.7 s. A map bound by
 * one rule per Service would be quadratic again (each element is checked
 * against every binding), so the maps are bound only by the fixed chains.
 */
export const INLINE_ENDPOINTS_MAX = 16;

/** The per-service part of the table. */
export interface NftRuleset {
  /** Per-service chain → its rules (nft rule text after the chain name). */
  chains: Map<string, string[]>;
  /**
   * Map → element key → value (a map without elements may be absent; see
   * mapOf, elementsOf): for VERDICT_MAPS a verdict (e.g. '10.96.0.10 .
   * tcp . 80' → 'goto cluster-endpoints-2'), for DNAT_MAPS an endpoint (e.g.
   * in cluster-tcp-endpoints '10.96.0.10 . 80 . 1' → '10.244.0.6 . 8080').
   */
  maps: Partial<Record<NftMap, Map<string, string>>>;
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
    maps: {},
    clusterIPs: new Set(),
    hairpin: new Set(),
    affinitySets: new Set(),
  };
}

/** The elements of map `m` in `rs`, created empty when absent. */
export function mapOf(rs: NftRuleset, m: NftMap): Map<string, string> {
  let els = rs.maps[m];
  if (els === undefined) rs.maps[m] = els = new Map();
  return els;
}

/** The elements of map `m` in `rs` (an empty map when absent; read only). */
export function elementsOf(rs: NftRuleset, m: NftMap): ReadonlyMap<string, string> {
  return rs.maps[m] ?? NO_ELEMENTS;
}
const NO_ELEMENTS: ReadonlyMap<string, string> = new Map();

/** The kube-proxy name base of a service port ('HASH-ns/svc/proto/portName'; a sha256, so only computed for ports that get a chain). */
function baseOf(sp: ServicePortInfo): string {
  return servicePortBase(sp.namespace, sp.service, sp.protocol, portNameOf(sp));
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
  addServicePorts(rs, ports, opts);
  return rs;
}

/**
 * Adds the objects of `ports` to `into`, as buildRuleset would build them
 * (their chains, map keys and affinity sets must not be in `into` yet);
 * returns the hairpin pairs these ports use (also added to `into.hairpin`),
 * so a caller can count users per pair.
 */
export function addServicePorts(into: NftRuleset, ports: ServicePortInfo[], opts: BuildOptions = {}): Set<string> {
  const inlineMax = opts.inlineEndpointsMax ?? INLINE_ENDPOINTS_MAX;
  const all = into.hairpin;
  const mine = new Set<string>();
  into.hairpin = mine;
  try {
    for (const sp of ports) addServicePort(into, sp, inlineMax, opts.clusterCIDR);
  } finally {
    into.hairpin = all;
  }
  for (const h of mine) all.add(h);
  return mine;
}

/**
 * The objects of one service port, as kube-proxy 1.31's nftables
 * syncProxyRules:
 * - ClusterIP: `service-ips` → the internal policy's endpoint choice (among
 *   cluster endpoints, or among this node's for internalTrafficPolicy Local).
 * - externalIPs, LoadBalancer ingress IPs (`service-ips`) and the NodePort
 *   (`service-nodeports`) → `external-…`: with externalTrafficPolicy
 *   Cluster it marks for masquerade then chooses a cluster endpoint; with
 *   Local, pod sources (clusterCIDR) choose a cluster endpoint unchanged,
 *   node-local sources (`fib saddr type local`) are marked for masquerade and
 *   choose a cluster endpoint, everything else chooses a local endpoint
 *   without SNAT (the client source IP is kept).
 * - An endpoint choice is a goto: to the shared `cluster-endpoints-N` /
 *   `local-endpoints-N` with this port's elements in the DNAT maps (one per
 *   endpoint and destination key that reaches it), or, for more than
 *   inlineMax endpoints or ClientIP affinity, to kube-proxy's `service-…` /
 *   `local-…` chain of this port (chooseEndpoint).
 * - No usable endpoint anywhere: the `no-endpoint-*` elements go to the
 *   reject chain ("has no endpoints"); endpoints elsewhere but none for the
 *   Local policy: they drop ("has no local endpoints"), in the filter chains,
 *   so only traffic the nat chains did not DNAT is dropped.
 * - Every endpoint a policy can choose is in `hairpin`.
 * Traffic to a ClusterIP from outside clusterCIDR is marked for masquerade
 * by one rule on `@cluster-ips` in the services chain, not per service.
 * loadBalancerSourceRanges (kube-proxy 1.31 nftables): each LoadBalancer IP
 * key goes in `firewall-ips` → `goto firewall-…`, whose one rule drops
 * sources outside the ranges (and outside the LB IPs themselves, when a
 * range contains the node's IP: allowFromNode); the filter prerouting and output chains check
 * it before DNAT, so it holds with or without endpoints. Node ports and
 * externalIPs are not firewalled.
 * A healthCheckNodePort needs nothing here: no chain of this table filters
 * input to it (service-health.ts serves it).
 */
function addServicePort(rs: NftRuleset, sp: ServicePortInfo, inlineMax: number, clusterCIDR: string | undefined): void {
  const proto = sp.protocol;
  const externalIPs = sp.loadBalancerIPs.length > 0 ? [...sp.externalIPs, ...sp.loadBalancerIPs] : sp.externalIPs;
  const externallyAccessible = sp.nodePort !== undefined || externalIPs.length > 0;
  const hasInternal = sp.endpoints.length > 0;
  const hasExternal = sp.externalEndpoints.length > 0;
  const usesExt = sp.hasEndpoints && externallyAccessible;
  const noEndpoints = sp.hasEndpoints ? 'drop' : 'goto reject-chain';
  const keyTail = ` . ${proto} . ${sp.port}`; // a service-ips key is '<ip> . proto . port'
  rs.clusterIPs.add(sp.clusterIP);

  // The destinations whose traffic each policy's endpoint choice serves.
  const clusterIPs: string[] = [];
  const localIPs: string[] = [];
  if (hasInternal) (sp.internalPolicyLocal ? localIPs : clusterIPs).push(sp.clusterIP);
  const localExt = usesExt && sp.externalPolicyLocal && sp.localEndpoints.length > 0;
  if (usesExt) clusterIPs.push(...externalIPs); // Cluster policy, or pod and node sources of a Local one
  if (localExt) localIPs.push(...externalIPs);
  const clusterVerdict = clusterIPs.length > 0 || (usesExt && sp.nodePort !== undefined)
    ? choose(rs, sp, 'cluster', sp.clusterEndpoints, clusterIPs, usesExt ? sp.nodePort : undefined, inlineMax)
    : '';
  const localVerdict = localIPs.length > 0 || (localExt && sp.nodePort !== undefined)
    ? choose(rs, sp, 'local', sp.localEndpoints, localIPs, localExt ? sp.nodePort : undefined, inlineMax)
    : '';

  if (hasInternal) mapOf(rs, 'service-ips').set(sp.clusterIP + keyTail, sp.internalPolicyLocal ? localVerdict : clusterVerdict);
  else mapOf(rs, 'no-endpoint-services').set(sp.clusterIP + keyTail, noEndpoints);
  const extChain = usesExt ? externalChain(baseOf(sp)) : '';
  for (const ip of externalIPs) {
    if (usesExt) mapOf(rs, 'service-ips').set(ip + keyTail, `goto ${extChain}`);
    if (!hasExternal) mapOf(rs, 'no-endpoint-services').set(ip + keyTail, noEndpoints);
  }
  if (sp.nodePort !== undefined) {
    if (usesExt) mapOf(rs, 'service-nodeports').set(`${proto} . ${sp.nodePort}`, `goto ${extChain}`);
    if (!hasExternal) mapOf(rs, 'no-endpoint-nodeports').set(`${proto} . ${sp.nodePort}`, noEndpoints);
  }
  if (sp.loadBalancerIPs.length > 0 && sp.sourceRanges.length > 0) {
    const fwChain = firewallChain(baseOf(sp));
    for (const ip of sp.loadBalancerIPs) mapOf(rs, 'firewall-ips').set(ip + keyTail, `goto ${fwChain}`);
    rs.chains.set(fwChain, [`ip saddr != { ${sp.firewallSources.join(', ')} } drop`]);
  }
  if (usesExt) {
    const rules = sp.externalPolicyLocal
      ? [
        ...(clusterCIDR !== undefined ? [`ip saddr ${clusterCIDR} ${clusterVerdict}`] : []),
        'fib saddr type local jump mark-for-masquerade',
        `fib saddr type local ${clusterVerdict}`,
      ]
      : ['jump mark-for-masquerade'];
    if (hasExternal) rules.push(sp.externalPolicyLocal ? localVerdict : clusterVerdict);
    rs.chains.set(extChain, rules);
  }
}

/**
 * One policy's endpoint choice for the destinations `ips` (':port' of this
 * service port) and `nodePort`; returns the verdict that makes it. Up to
 * inlineMax endpoints and no affinity (TCP, UDP or SCTP): 'goto
 * <policy>-endpoints-N', adding an element per endpoint and destination to
 * the policy's DNAT maps of the protocol.
 * Otherwise kube-proxy's chain (`service-…` for cluster, `local-…` for
 * local; see chooseEndpoint), added to `rs`. Every endpoint goes in `hairpin`.
 */
function choose(rs: NftRuleset, sp: ServicePortInfo, policy: EndpointPolicy, endpoints: EndpointInfo[], ips: string[], nodePort: number | undefined,
  inlineMax: number): string {
  for (const ep of endpoints) rs.hairpin.add(`${ep.ip} . ${ep.ip}`);
  const n = endpoints.length;
  const proto = sp.protocol;
  if (sp.affinitySeconds === undefined && n <= inlineMax && isDnatProtocol(proto)) {
    const byIP = ips.length > 0 ? mapOf(rs, dnatMap(policy, proto)) : undefined;
    const byPort = nodePort !== undefined ? mapOf(rs, dnatNodePortMap(policy, proto)) : undefined;
    for (let i = 0; i < n; i++) {
      const ep = endpoints[i]!;
      const target = `${ep.ip} . ${ep.port}`;
      if (byIP) for (const ip of ips) byIP.set(`${ip} . ${sp.port} . ${i}`, target);
      byPort?.set(`${nodePort} . ${i}`, target);
    }
    return `goto ${pickChain(policy, n)}`;
  }
  const chain = policy === 'cluster' ? serviceChain(baseOf(sp)) : localChain(baseOf(sp));
  rs.chains.set(chain, chooseEndpoint(rs, sp, portNameOf(sp), endpoints));
  return `goto ${chain}`;
}

/**
 * kube-proxy's endpoint choice (`endpoints`: the cluster or the local ones):
 * `ip saddr @affinity-X goto endpoint-X` per endpoint when ClientIP
 * affinity is on, then `numgen random mod N vmap` over per-endpoint chains
 * (affinity update, DNAT), which this adds to `rs`.
 */
function chooseEndpoint(rs: NftRuleset, sp: ServicePortInfo, portName: string, endpoints: EndpointInfo[]): string[] {
  const proto = sp.protocol;
  const n = endpoints.length;
  const affinity = sp.affinitySeconds;
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
