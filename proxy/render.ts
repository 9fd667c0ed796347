/**
 * The pure iptables renderer: the whole desired ruleset as ONE
 * `iptables-restore --noflush` payload, shaped like kube-proxy's iptables
 * proxier (pkg/proxy/iptables/proxier.go syncProxyRules).
 */
import type { Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import { isDynamicChain } from './chains.ts';
import { compareIP } from '../apiserver/client/ipv4.ts';
import { buildServicePorts, type EndpointInfo, type ServicePortInfo } from './model.ts';

/** Mark bit set on packets that need SNAT (kube-proxy's default masquerade bit 14). */
export const MASQ_MARK = '0x4000/0x4000';

/** Fixed chains in the filter table, in declaration order. */
export const FILTER_CHAINS = ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-FORWARD', 'KUBE-NODEPORTS', 'KUBE-PROXY-FIREWALL'] as const;
/** Fixed chains in the nat table, in declaration order. */
export const NAT_CHAINS = ['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ'] as const;

/**
 * kube-proxy's largeClusterEndpointsThreshold (pkg/proxy/iptables/proxier.go):
 * above this many endpoints in total, per-endpoint rules lose their comments.
 */
export const LARGE_CLUSTER_ENDPOINTS_THRESHOLD = 1000;

/**
 * kube-proxy's "large cluster mode" (pkg/proxy/iptables/proxier.go
 * syncProxyRules: `largeClusterMode = totalEndpoints >
 * largeClusterEndpointsThreshold`): true when the endpoints of all service
 * ports, summed per port, number more than LARGE_CLUSTER_ENDPOINTS_THRESHOLD.
 * A port's endpoints are its cluster- and local-policy endpoints (union by
 * endpoint chain). In that mode the KUBE-SVC/KUBE-SVL jumps to the KUBE-SEP
 * chains and the rules inside the KUBE-SEP chains carry no `-m comment`, which
 * shrinks the payload. Pure; O(total endpoints).
 */
export function largeClusterMode(ports: readonly ServicePortInfo[]): boolean {
  let total = 0;
  for (const sp of ports) {
    total += sp.clusterEndpoints.length;
    if (sp.localEndpoints.length > 0) {
      const seen = new Set(sp.clusterEndpoints.map((e) => e.chain));
      for (const e of sp.localEndpoints) if (!seen.has(e.chain)) total++;
    }
    if (total > LARGE_CLUSTER_ENDPOINTS_THRESHOLD) return true;
  }
  return false;
}

/** What the renderer needs to know about the node and the cluster. */
export interface RenderConfig {
  /** e.g. '10.96.0.0/12'; any address in it without a rule is rejected. */
  serviceCIDR: string;
  /** e.g. '10.244.0.0/16'; traffic to a VIP from outside it is masqueraded. */
  clusterCIDR: string;
  /** This node (internalTrafficPolicy: Local). */
  nodeName: string;
  /** nat chains that exist from the previous apply; the dynamic ones not rendered now are deleted. */
  previousChains?: Iterable<string>;
}

/**
 * Renders the complete `filter` + `nat` payload for `iptables-restore
 * --noflush`. Pure and deterministic: same inputs, same text. Declaring a
 * chain (`:NAME - [0:0]`) flushes it, so every owned chain is rebuilt in full;
 * stale KUBE-SVC/SVL/SEP/EXT chains from `previousChains` are flushed and `-X`ed.
 * Jumps from the built-in chains are NOT in the payload (see ensureJumps).
 */
export function renderRules(services: Service[], endpointSlices: EndpointSlice[], config: RenderConfig): string {
  return renderServicePorts(buildServicePorts(services, endpointSlices, { nodeName: config.nodeName }), config);
}

/**
 * The rules of one service port. Fixed-chain rules as [chain, rule] pairs in
 * order; the dynamic nat chains it owns (KUBE-EXT, KUBE-SVC, KUBE-SVL,
 * KUBE-SEP) in declaration order.
 */
export interface PortRules {
  filter: Array<[string, string]>;
  nat: Array<[string, string]>;
  chains: RenderedChain[];
}

/**
 * The rules of one service port, shaped as kube-proxy's syncProxyRules
 * (pkg/proxy/iptables/proxier.go, 1.28+): cluster-IP traffic jumps to the
 * internal policy chain (KUBE-SVC, or KUBE-SVL for internalTrafficPolicy
 * Local); node-port and external-IP traffic to KUBE-EXT, which masquerades
 * and jumps to KUBE-SVC (Cluster) or, for externalTrafficPolicy Local, sends
 * pod and node-local sources to KUBE-SVC (masquerading the latter) and
 * everything else to KUBE-SVL without SNAT. A port with no usable endpoint is
 * REJECTed in filter ("has no endpoints"); one whose Local policy has no local
 * endpoint is DROPped ("has no local endpoints"). A healthCheckNodePort is
 * ACCEPTed in filter KUBE-NODEPORTS. loadBalancerSourceRanges (kube-proxy
 * 1.28+): load-balancer-IP traffic goes through KUBE-FW, which sends each
 * allowed source range on to KUBE-EXT (and each LB IP as a source, when a
 * range contains the node's IP: allowFromNode); what falls off its end is not DNATed
 * and is DROPped by filter KUBE-PROXY-FIREWALL (which matches the LB IP,
 * still untranslated). Node ports are not firewalled. With `largeCluster` (largeClusterMode)
 * the per-endpoint rules (the jumps to each KUBE-SEP chain and the two rules
 * inside it) are written without their `-m comment`, as kube-proxy does.
 * Pure.
 */
export function renderPortRules(sp: ServicePortInfo, clusterCIDR: string, largeCluster = false): PortRules {
  const filter: Array<[string, string]> = [];
  const fixedNat: Array<[string, string]> = [];
  const dyn = new Map<string, string[]>();
  const rule = (chain: string, text: string): void => { dyn.get(chain)!.push(`-A ${chain} ${text}`); };
  const proto = sp.protocol;
  const match = `-p ${proto} -m ${proto}`;
  const dst = `-d ${sp.clusterIP}/32 ${match} --dport ${sp.port}`;
  const externallyAccessible = sp.nodePort !== undefined || sp.externalIPs.length > 0 || sp.loadBalancerIPs.length > 0;
  const hasInternal = sp.endpoints.length > 0;
  const hasExternal = sp.externalEndpoints.length > 0;
  const internalChain = sp.internalPolicyLocal ? sp.localChain : sp.chain;
  const externalPolicyChain = sp.externalPolicyLocal ? sp.localChain : sp.chain;
  const usesClusterChain = sp.clusterEndpoints.length > 0 && (!sp.internalPolicyLocal || externallyAccessible);
  const usesLocalChain = sp.localEndpoints.length > 0 && (sp.internalPolicyLocal || (sp.externalPolicyLocal && externallyAccessible));
  const usesExtChain = sp.hasEndpoints && externallyAccessible;
  const usesFwChain = sp.hasEndpoints && sp.loadBalancerIPs.length > 0 && sp.sourceRanges.length > 0;
  // Endpoint chains: the union of the endpoints the used policy chains reach, sorted.
  const reachable = new Map<string, EndpointInfo>();
  if (usesClusterChain) for (const e of sp.clusterEndpoints) reachable.set(e.chain, e);
  if (usesLocalChain) for (const e of sp.localEndpoints) reachable.set(e.chain, e);
  const seps = [...reachable.values()].sort(compareEndpoints);
  if (usesExtChain) dyn.set(sp.extChain, []);
  if (usesFwChain) dyn.set(sp.fwChain, []);
  if (usesClusterChain) dyn.set(sp.chain, []);
  if (usesLocalChain) dyn.set(sp.localChain, []);
  for (const e of seps) dyn.set(e.chain, []);

  const noEndpoints = `-m comment --comment "${sp.name} has no endpoints" -j REJECT --reject-with ${rejectWith(proto)}`;
  const noLocal = `-m comment --comment "${sp.name} has no local endpoints" -j DROP`;
  const filterTarget = sp.hasEndpoints ? noLocal : noEndpoints;

  // Cluster IP.
  if (hasInternal) fixedNat.push(['KUBE-SERVICES', `-A KUBE-SERVICES ${dst} -m comment --comment "${sp.name} cluster IP" -j ${internalChain}`]);
  else filter.push(['KUBE-SERVICES', `-A KUBE-SERVICES ${dst} ${filterTarget}`]);
  // External IPs.
  for (const ip of sp.externalIPs) {
    const extDst = `-d ${ip}/32 ${match} --dport ${sp.port}`;
    if (sp.hasEndpoints) fixedNat.push(['KUBE-SERVICES', `-A KUBE-SERVICES ${extDst} -m comment --comment "${sp.name} external IP" -j ${sp.extChain}`]);
    if (!hasExternal) filter.push(['KUBE-EXTERNAL-SERVICES', `-A KUBE-EXTERNAL-SERVICES ${extDst} ${filterTarget}`]);
  }
  // LoadBalancer ingress IPs (kube-proxy's "loadbalancer IP" rules; ServiceLB sets them).
  for (const ip of sp.loadBalancerIPs) {
    const lbDst = `-d ${ip}/32 ${match} --dport ${sp.port}`;
    if (sp.hasEndpoints) fixedNat.push(['KUBE-SERVICES', `-A KUBE-SERVICES ${lbDst} -m comment --comment "${sp.name} loadbalancer IP" -j ${usesFwChain ? sp.fwChain : sp.extChain}`]);
    if (usesFwChain) filter.push(['KUBE-PROXY-FIREWALL', `-A KUBE-PROXY-FIREWALL ${lbDst} -m comment --comment "${sp.name} traffic not accepted by ${sp.fwChain}" -j DROP`]);
    if (!hasExternal) filter.push(['KUBE-EXTERNAL-SERVICES', `-A KUBE-EXTERNAL-SERVICES ${lbDst} ${filterTarget}`]);
  }
  if (usesFwChain) {
    // firewallSources: the ranges, then the LB IPs themselves when a range holds the node (kube-proxy's allowFromNode).
    for (const cidr of sp.firewallSources) rule(sp.fwChain, `-s ${cidr} -m comment --comment "${sp.name} loadbalancer IP" -j ${sp.extChain}`);
    // What reaches the end is not DNATed, so filter KUBE-PROXY-FIREWALL still sees the LB IP and drops it.
    rule(sp.fwChain, `-m comment --comment "other traffic to ${sp.name} will be dropped by KUBE-PROXY-FIREWALL"`);
  }
  // Node port.
  if (sp.nodePort !== undefined) {
    if (sp.hasEndpoints) fixedNat.push(['KUBE-NODEPORTS', `-A KUBE-NODEPORTS ${match} --dport ${sp.nodePort} -m comment --comment "${sp.name}" -j ${sp.extChain}`]);
    if (!hasExternal) filter.push(['KUBE-EXTERNAL-SERVICES', `-A KUBE-EXTERNAL-SERVICES -m addrtype --dst-type LOCAL ${match} --dport ${sp.nodePort} ${filterTarget}`]);
  }
  if (sp.healthCheckNodePort !== undefined) {
    filter.push(['KUBE-NODEPORTS', `-A KUBE-NODEPORTS -p tcp -m tcp --dport ${sp.healthCheckNodePort} -m comment --comment "${sp.name} health check node port" -j ACCEPT`]);
  }
  // Internal traffic from outside the cluster CIDR (e.g. the node itself) is masqueraded.
  if (hasInternal) rule(internalChain, `! -s ${clusterCIDR} ${dst} -m comment --comment "${sp.name} cluster IP" -j KUBE-MARK-MASQ`);
  // External traffic.
  if (usesExtChain) {
    if (!sp.externalPolicyLocal) {
      rule(sp.extChain, `-m comment --comment "masquerade traffic for ${sp.name} external destinations" -j KUBE-MARK-MASQ`);
    } else {
      rule(sp.extChain, `-s ${clusterCIDR} -m comment --comment "pod traffic for ${sp.name} external destinations" -j ${sp.chain}`);
      rule(sp.extChain, `-m comment --comment "masquerade LOCAL traffic for ${sp.name} external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`);
      rule(sp.extChain, `-m comment --comment "route LOCAL traffic for ${sp.name} external destinations" -m addrtype --src-type LOCAL -j ${sp.chain}`);
    }
    if (hasExternal) rule(sp.extChain, `-j ${externalPolicyChain}`);
  }
  // Policy chains → endpoint chains.
  if (usesClusterChain) writeBalancing(dyn.get(sp.chain)!, sp, sp.chain, sp.clusterEndpoints, largeCluster);
  if (usesLocalChain) writeBalancing(dyn.get(sp.localChain)!, sp, sp.localChain, sp.localEndpoints, largeCluster);
  const recent = sp.affinitySeconds !== undefined;
  const sepComment = largeCluster ? '' : ` -m comment --comment "${sp.name}"`;
  for (const e of seps) {
    rule(e.chain, `-s ${e.ip}/32${sepComment} -j KUBE-MARK-MASQ`);
    rule(e.chain, `${match}${sepComment}${recent ? ` -m recent --name ${e.chain} --set` : ''} -j DNAT --to-destination ${e.ip}:${e.port}`);
  }
  return { filter, nat: fixedNat, chains: [...dyn].map(([name, r]): RenderedChain => ({ table: 'nat', name, rules: r.join('\n') })) };
}

/**
 * kube-proxy's writeServiceToEndpointRules: ClientIP affinity (xt_recent)
 * first, then the random split; `largeCluster` drops the per-endpoint comments.
 */
function writeBalancing(out: string[], sp: ServicePortInfo, chain: string, endpoints: EndpointInfo[], largeCluster: boolean): void {
  const tag = (e: EndpointInfo): string => (largeCluster ? '' : ` -m comment --comment "${sp.name} -> ${e.ip}:${e.port}"`);
  if (sp.affinitySeconds !== undefined) {
    for (const e of endpoints) {
      out.push(`-A ${chain}${tag(e)} -m recent --name ${e.chain} --rcheck --seconds ${sp.affinitySeconds} --reap -j ${e.chain}`);
    }
  }
  const n = endpoints.length;
  endpoints.forEach((e, i) => {
    out.push(i < n - 1
      ? `-A ${chain}${tag(e)} -m statistic --mode random --probability ${(1 / (n - i)).toFixed(10)} -j ${e.chain}`
      : `-A ${chain}${tag(e)} -j ${e.chain}`);
  });
}

function compareEndpoints(a: EndpointInfo, b: EndpointInfo): number {
  return compareIP(a.ip, b.ip) || a.port - b.port;
}

/** One chain of the rendered ruleset. */
export interface RenderedChain {
  table: 'filter' | 'nat';
  name: string;
  /** Its rules (`-A name ...`) joined by newlines; '' for an empty chain. */
  rules: string;
}

/**
 * Memo of renderPortRules by ServicePortInfo identity (and the large-cluster
 * flag it was rendered with): with a model cache (model.ts ServicePortCache)
 * unchanged services keep their ServicePortInfo objects, so their rules are
 * not rendered again. Safe to share across syncs.
 */
export type PortRulesCache = WeakMap<ServicePortInfo, { largeCluster: boolean; rules: PortRules }>;

/**
 * renderPortRules through `cache` (when given): each ServicePortInfo object
 * is rendered once per large-cluster mode (a mode flip renders it again).
 */
export function portRulesFor(sp: ServicePortInfo, clusterCIDR: string, cache?: PortRulesCache, largeCluster = false): PortRules {
  const hit = cache?.get(sp);
  if (hit && hit.largeCluster === largeCluster) return hit.rules;
  const rules = renderPortRules(sp, clusterCIDR, largeCluster);
  cache?.set(sp, { largeCluster, rules });
  return rules;
}

/**
 * The fixed chains (filter: FILTER_CHAINS order, then nat: NAT_CHAINS
 * order) with the per-port rules of `rules` (one entry per port of `ports`,
 * same order) and the chains' own trailing rules. Pure.
 */
export function renderFixedChains(ports: readonly ServicePortInfo[], rules: readonly PortRules[], config: Omit<RenderConfig, 'previousChains'>): RenderedChain[] {
  const filter = new Map<string, string[]>(FILTER_CHAINS.map((c) => [c, []]));
  const nat = new Map<string, string[]>(NAT_CHAINS.map((c) => [c, []]));
  for (const r of rules) {
    for (const [c, l] of r.filter) filter.get(c)!.push(l);
    for (const [c, l] of r.nat) nat.get(c)!.push(l);
  }
  const fs = filter.get('KUBE-SERVICES')!;
  fs.push(`-A KUBE-SERVICES -d ${config.serviceCIDR} -p tcp -m comment --comment "unallocated service IP or port" -j REJECT --reject-with tcp-reset`);
  fs.push(`-A KUBE-SERVICES -d ${config.serviceCIDR} -m comment --comment "unallocated service IP or port" -j REJECT --reject-with icmp-port-unreachable`);
  filter.get('KUBE-FORWARD')!.push(
    '-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP',
    `-A KUBE-FORWARD -m mark --mark ${MASQ_MARK} -m comment --comment "kubernetes forwarding rules" -j ACCEPT`,
    '-A KUBE-FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "kubernetes forwarding conntrack rule" -j ACCEPT',
  );
  if (ports.some((sp) => sp.nodePort !== undefined && sp.hasEndpoints)) {
    nat.get('KUBE-SERVICES')!.push('-A KUBE-SERVICES -m addrtype --dst-type LOCAL -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -j KUBE-NODEPORTS');
  }
  nat.get('KUBE-POSTROUTING')!.push(
    `-A KUBE-POSTROUTING -m mark ! --mark ${MASQ_MARK} -j RETURN`,
    '-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000',
    '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
  );
  nat.get('KUBE-MARK-MASQ')!.push('-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000');
  return [
    ...[...filter].map(([name, r]): RenderedChain => ({ table: 'filter', name, rules: r.join('\n') })),
    ...[...nat].map(([name, r]): RenderedChain => ({ table: 'nat', name, rules: r.join('\n') })),
  ];
}

/**
 * The desired ruleset as chains: the fixed chains (renderFixedChains), then
 * every dynamic nat chain in service-port order. Rule order inside each
 * chain is what iptables evaluates. Large-cluster mode (largeClusterMode) is
 * decided from `ports`. Pure (the cache only memoizes).
 */
export function renderChains(ports: readonly ServicePortInfo[], config: Omit<RenderConfig, 'previousChains'>, cache?: PortRulesCache): RenderedChain[] {
  const large = largeClusterMode(ports);
  const rules = ports.map((sp) => portRulesFor(sp, config.clusterCIDR, cache, large));
  const out = renderFixedChains(ports, rules, config);
  for (const r of rules) for (const c of r.chains) out.push(c);
  return out;
}

/**
 * An `iptables-restore --noflush` payload that rewrites exactly `chains`
 * (declaring a chain flushes it) and flushes and deletes the nat chains in
 * `stale`. A table with nothing to write is left out; with nothing at all
 * the payload is ''. With `fullCache`, each table starts with `-Z`, which
 * makes iptables-nft 1.8.9 load its whole chain cache instead of keeping a
 * sorted list of the named chains (quadratic in the number of chains: 30,000
 * chains cost ~10 s of CPU instead of ~1.5 s); its side effect is that the
 * table's packet counters restart at zero.
 */
export function chainsPayload(chains: readonly RenderedChain[], stale: readonly string[] = [], fullCache = false): string {
  const out: string[] = [];
  for (const table of ['filter', 'nat'] as const) {
    const mine = chains.filter((c) => c.table === table);
    const gone = table === 'nat' ? stale : [];
    if (mine.length === 0 && gone.length === 0) continue;
    out.push(`*${table}`);
    if (fullCache) out.push('-Z');
    for (const c of mine) out.push(`:${c.name} - [0:0]`);
    for (const c of gone) out.push(`:${c} - [0:0]`);
    for (const c of mine) if (c.rules !== '') out.push(c.rules);
    for (const c of gone) out.push(`-X ${c}`);
    out.push('COMMIT');
  }
  return out.length === 0 ? '' : out.join('\n') + '\n';
}

/** Dynamic chains of `previous` that `chains` no longer has, sorted: the ones to delete. */
export function staleChains(chains: readonly RenderedChain[], previous: Iterable<string>): string[] {
  const current = new Set<string>();
  for (const c of chains) if (c.table === 'nat') current.add(c.name);
  const out = new Set<string>();
  for (const c of previous) if (!current.has(c) && isDynamicChain(c)) out.add(c);
  return [...out].sort();
}

/** renderRules for an already built service-port list: every chain, then the stale deletions. */
export function renderServicePorts(ports: ServicePortInfo[], config: RenderConfig): string {
  const chains = renderChains(ports, config);
  return chainsPayload(chains, staleChains(chains, config.previousChains ?? []));
}

/**
 * REJECT flavour per protocol. kube-proxy uses icmp-port-unreachable, but an
 * ICMP error is not delivered to a local socket whose VIP route points at
 * `lo` (measured: connect() hangs), while a TCP reset is; so TCP gets
 * tcp-reset (the client sees ECONNREFUSED either way).
 */
function rejectWith(protocol: string): string {
  return protocol === 'tcp' ? 'tcp-reset' : 'icmp-port-unreachable';
}

/** The nat chains a payload declares (what the next render passes as previousChains). */
export function declaredNatChains(payload: string): string[] {
  const chains: string[] = [];
  let inNat = false;
  for (const line of payload.split('\n')) {
    if (line.startsWith('*')) inNat = line === '*nat';
    else if (inNat && line.startsWith(':')) chains.push(line.slice(1).split(' ')[0] ?? '');
    else if (inNat && line.startsWith('-X ')) {
      const gone = line.slice(3).trim();
      const idx = chains.indexOf(gone);
      if (idx >= 0) chains.splice(idx, 1);
    }
  }
  return chains;
}
