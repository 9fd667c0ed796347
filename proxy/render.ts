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
export const FILTER_CHAINS = ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-FORWARD', 'KUBE-NODEPORTS'] as const;
/** Fixed chains in the nat table, in declaration order. */
export const NAT_CHAINS = ['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ'] as const;

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

/** The rules of one service port: filter lines, nat lines and the dynamic nat chains it declares, in order. */
export interface PortRules {
  filter: string[];
  nat: string[];
  chains: string[];
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
 * ACCEPTed in filter KUBE-NODEPORTS. Pure.
 */
export function renderPortRules(sp: ServicePortInfo, clusterCIDR: string): PortRules {
  const filter: string[] = [];
  const nat: string[] = [];
  const chains: string[] = [];
  const proto = sp.protocol;
  const match = `-p ${proto} -m ${proto}`;
  const dst = `-d ${sp.clusterIP}/32 ${match} --dport ${sp.port}`;
  const externallyAccessible = sp.nodePort !== undefined || sp.externalIPs.length > 0;
  const hasInternal = sp.endpoints.length > 0;
  const hasExternal = sp.externalEndpoints.length > 0;
  const internalChain = sp.internalPolicyLocal ? sp.localChain : sp.chain;
  const externalPolicyChain = sp.externalPolicyLocal ? sp.localChain : sp.chain;
  const usesClusterChain = sp.clusterEndpoints.length > 0 && (!sp.internalPolicyLocal || externallyAccessible);
  const usesLocalChain = sp.localEndpoints.length > 0 && (sp.internalPolicyLocal || (sp.externalPolicyLocal && externallyAccessible));
  const usesExtChain = sp.hasEndpoints && externallyAccessible;

  const noEndpoints = `-m comment --comment "${sp.name} has no endpoints" -j REJECT --reject-with ${rejectWith(proto)}`;
  const noLocal = `-m comment --comment "${sp.name} has no local endpoints" -j DROP`;
  const internalFilter = sp.hasEndpoints ? noLocal : noEndpoints;
  const externalFilter = sp.hasEndpoints ? noLocal : noEndpoints;

  // Cluster IP.
  if (hasInternal) nat.push(`-A KUBE-SERVICES ${dst} -m comment --comment "${sp.name} cluster IP" -j ${internalChain}`);
  else filter.push(`-A KUBE-SERVICES ${dst} ${internalFilter}`);
  // External IPs.
  for (const ip of sp.externalIPs) {
    const extDst = `-d ${ip}/32 ${match} --dport ${sp.port}`;
    if (sp.hasEndpoints) nat.push(`-A KUBE-SERVICES ${extDst} -m comment --comment "${sp.name} external IP" -j ${sp.extChain}`);
    if (!hasExternal) filter.push(`-A KUBE-EXTERNAL-SERVICES ${extDst} ${externalFilter}`);
  }
  // Node port.
  if (sp.nodePort !== undefined) {
    if (sp.hasEndpoints) nat.push(`-A KUBE-NODEPORTS ${match} --dport ${sp.nodePort} -m comment --comment "${sp.name}" -j ${sp.extChain}`);
    if (!hasExternal) filter.push(`-A KUBE-EXTERNAL-SERVICES -m addrtype --dst-type LOCAL ${match} --dport ${sp.nodePort} ${externalFilter}`);
  }
  if (sp.healthCheckNodePort !== undefined) {
    filter.push(`-A KUBE-NODEPORTS -p tcp -m tcp --dport ${sp.healthCheckNodePort} -m comment --comment "${sp.name} health check node port" -j ACCEPT`);
  }
  // Internal traffic from outside the cluster CIDR (e.g. the node itself) is masqueraded.
  if (hasInternal) nat.push(`-A ${internalChain} ! -s ${clusterCIDR} ${dst} -m comment --comment "${sp.name} cluster IP" -j KUBE-MARK-MASQ`);
  // External traffic.
  if (usesExtChain) {
    chains.push(sp.extChain);
    if (!sp.externalPolicyLocal) {
      nat.push(`-A ${sp.extChain} -m comment --comment "masquerade traffic for ${sp.name} external destinations" -j KUBE-MARK-MASQ`);
    } else {
      nat.push(`-A ${sp.extChain} -s ${clusterCIDR} -m comment --comment "pod traffic for ${sp.name} external destinations" -j ${sp.chain}`);
      nat.push(`-A ${sp.extChain} -m comment --comment "masquerade LOCAL traffic for ${sp.name} external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`);
      nat.push(`-A ${sp.extChain} -m comment --comment "route LOCAL traffic for ${sp.name} external destinations" -m addrtype --src-type LOCAL -j ${sp.chain}`);
    }
    if (hasExternal) nat.push(`-A ${sp.extChain} -j ${externalPolicyChain}`);
  }
  // Policy chains → endpoint chains.
  if (usesClusterChain) {
    chains.push(sp.chain);
    writeBalancing(nat, sp, sp.chain, sp.clusterEndpoints);
  }
  if (usesLocalChain) {
    chains.push(sp.localChain);
    writeBalancing(nat, sp, sp.localChain, sp.localEndpoints);
  }
  // Endpoint chains (the union of the endpoints the used policy chains reach).
  const reachable = new Map<string, EndpointInfo>();
  if (usesClusterChain) for (const e of sp.clusterEndpoints) reachable.set(e.chain, e);
  if (usesLocalChain) for (const e of sp.localEndpoints) reachable.set(e.chain, e);
  const recent = sp.affinitySeconds !== undefined;
  for (const e of [...reachable.values()].sort(compareEndpoints)) {
    chains.push(e.chain);
    nat.push(`-A ${e.chain} -s ${e.ip}/32 -m comment --comment "${sp.name}" -j KUBE-MARK-MASQ`);
    nat.push(`-A ${e.chain} ${match} -m comment --comment "${sp.name}"${recent ? ` -m recent --name ${e.chain} --set` : ''} -j DNAT --to-destination ${e.ip}:${e.port}`);
  }
  return { filter, nat, chains };
}

/** kube-proxy's writeServiceToEndpointRules: ClientIP affinity (xt_recent) first, then the random split. */
function writeBalancing(nat: string[], sp: ServicePortInfo, chain: string, endpoints: EndpointInfo[]): void {
  if (sp.affinitySeconds !== undefined) {
    for (const e of endpoints) {
      nat.push(`-A ${chain} -m comment --comment "${sp.name} -> ${e.ip}:${e.port}" -m recent --name ${e.chain} --rcheck --seconds ${sp.affinitySeconds} --reap -j ${e.chain}`);
    }
  }
  const n = endpoints.length;
  endpoints.forEach((e, i) => {
    const target = `-m comment --comment "${sp.name} -> ${e.ip}:${e.port}"`;
    nat.push(i < n - 1
      ? `-A ${chain} ${target} -m statistic --mode random --probability ${(1 / (n - i)).toFixed(10)} -j ${e.chain}`
      : `-A ${chain} ${target} -j ${e.chain}`);
  });
}

function compareEndpoints(a: EndpointInfo, b: EndpointInfo): number {
  return compareIP(a.ip, b.ip) || a.port - b.port;
}

/** renderRules for an already built service-port list. */
export function renderServicePorts(ports: ServicePortInfo[], config: RenderConfig): string {
  const filter: string[] = [];
  const nat: string[] = [];
  const natDynamic: string[] = [];

  for (const sp of ports) {
    const r = renderPortRules(sp, config.clusterCIDR);
    for (const l of r.filter) filter.push(l);
    for (const l of r.nat) nat.push(l);
    for (const c of r.chains) natDynamic.push(c);
  }

  filter.push(`-A KUBE-SERVICES -d ${config.serviceCIDR} -p tcp -m comment --comment "unallocated service IP or port" -j REJECT --reject-with tcp-reset`);
  filter.push(`-A KUBE-SERVICES -d ${config.serviceCIDR} -m comment --comment "unallocated service IP or port" -j REJECT --reject-with icmp-port-unreachable`);
  filter.push('-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP');
  filter.push(`-A KUBE-FORWARD -m mark --mark ${MASQ_MARK} -m comment --comment "kubernetes forwarding rules" -j ACCEPT`);
  filter.push('-A KUBE-FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "kubernetes forwarding conntrack rule" -j ACCEPT');

  if (ports.some((p) => p.nodePort !== undefined && p.hasEndpoints)) {
    nat.push('-A KUBE-SERVICES -m addrtype --dst-type LOCAL -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -j KUBE-NODEPORTS');
  }
  nat.push(`-A KUBE-POSTROUTING -m mark ! --mark ${MASQ_MARK} -j RETURN`);
  nat.push('-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000');
  nat.push('-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully');
  nat.push('-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000');

  const current = new Set(natDynamic);
  const stale = [...new Set(config.previousChains ?? [])].filter((c) => isDynamicChain(c) && !current.has(c)).sort();

  const out: string[] = ['*filter'];
  for (const c of FILTER_CHAINS) out.push(`:${c} - [0:0]`);
  out.push(...filter, 'COMMIT', '*nat');
  for (const c of NAT_CHAINS) out.push(`:${c} - [0:0]`);
  for (const c of natDynamic) out.push(`:${c} - [0:0]`);
  for (const c of stale) out.push(`:${c} - [0:0]`);
  out.push(...nat);
  for (const c of stale) out.push(`-X ${c}`);
  out.push('COMMIT', '');
  return out.join('\n');
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
