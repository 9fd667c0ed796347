/**
 * The pure iptables renderer: the whole desired ruleset as ONE
 * `iptables-restore --noflush` payload, shaped like kube-proxy's iptables
 * proxier (pkg/proxy/iptables/proxier.go syncProxyRules).
 */
import type { Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import { isDynamicChain } from './chains.ts';
import { buildServicePorts, type ServicePortInfo } from './model.ts';

/** Mark bit set on packets that need SNAT (kube-proxy's default masquerade bit 14). */
export const MASQ_MARK = '0x4000/0x4000';

/** Fixed chains in the filter table, in declaration order. */
export const FILTER_CHAINS = ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-FORWARD'] as const;
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
 * stale KUBE-SVC/SEP/EXT chains from `previousChains` are flushed and `-X`ed.
 * Jumps from the built-in chains are NOT in the payload (see ensureJumps).
 */
export function renderRules(services: Service[], endpointSlices: EndpointSlice[], config: RenderConfig): string {
  return renderServicePorts(buildServicePorts(services, endpointSlices, { nodeName: config.nodeName }), config);
}

/** renderRules for an already built service-port list. */
export function renderServicePorts(ports: ServicePortInfo[], config: RenderConfig): string {
  const filter: string[] = [];
  const nat: string[] = [];
  const natDynamic: string[] = [];

  for (const sp of ports) {
    const proto = sp.protocol;
    const comment = `"${sp.name} cluster IP"`;
    const dst = `-d ${sp.clusterIP}/32 -p ${proto} -m ${proto} --dport ${sp.port}`;
    if (sp.endpoints.length === 0) {
      filter.push(`-A KUBE-SERVICES ${dst} -m comment --comment "${sp.name} has no endpoints" -j REJECT --reject-with ${rejectWith(proto)}`);
      for (const ip of sp.externalIPs) {
        filter.push(`-A KUBE-EXTERNAL-SERVICES -d ${ip}/32 -p ${proto} -m ${proto} --dport ${sp.port} -m comment --comment "${sp.name} has no endpoints" -j REJECT --reject-with ${rejectWith(proto)}`);
      }
      for (const ip of sp.loadBalancerIPs) {
        filter.push(`-A KUBE-EXTERNAL-SERVICES -d ${ip}/32 -p ${proto} -m ${proto} --dport ${sp.port} -m comment --comment "${sp.name} has no endpoints" -j REJECT --reject-with ${rejectWith(proto)}`);
      }
      if (sp.nodePort !== undefined) {
        filter.push(`-A KUBE-EXTERNAL-SERVICES -m addrtype --dst-type LOCAL -p ${proto} -m ${proto} --dport ${sp.nodePort} -m comment --comment "${sp.name} has no endpoints" -j REJECT --reject-with ${rejectWith(proto)}`);
      }
      continue;
    }
    nat.push(`-A KUBE-SERVICES ${dst} -m comment --comment ${comment} -j ${sp.chain}`);
    natDynamic.push(sp.chain);
    nat.push(`-A ${sp.chain} ! -s ${config.clusterCIDR} ${dst} -m comment --comment ${comment} -j KUBE-MARK-MASQ`);
    for (const ip of sp.externalIPs) {
      nat.push(`-A KUBE-SERVICES -d ${ip}/32 -p ${proto} -m ${proto} --dport ${sp.port} -m comment --comment "${sp.name} external IP" -j ${sp.extChain}`);
    }
    for (const ip of sp.loadBalancerIPs) {
      nat.push(`-A KUBE-SERVICES -d ${ip}/32 -p ${proto} -m ${proto} --dport ${sp.port} -m comment --comment "${sp.name} loadbalancer IP" -j ${sp.extChain}`);
    }
    if (sp.nodePort !== undefined) {
      nat.push(`-A KUBE-NODEPORTS -p ${proto} -m ${proto} --dport ${sp.nodePort} -m comment --comment "${sp.name}" -j ${sp.extChain}`);
    }
    if (sp.nodePort !== undefined || sp.externalIPs.length > 0 || sp.loadBalancerIPs.length > 0) {
      natDynamic.push(sp.extChain);
      nat.push(`-A ${sp.extChain} -m comment --comment "masquerade traffic for ${sp.name} external destinations" -j KUBE-MARK-MASQ`);
      nat.push(`-A ${sp.extChain} -j ${sp.chain}`);
    }
    if (sp.affinitySeconds !== undefined) {
      // ClientIP affinity: a client seen recently goes back to the same endpoint (xt_recent, as kube-proxy).
      for (const ep of sp.endpoints) {
        nat.push(`-A ${sp.chain} -m comment --comment "${sp.name} -> ${ep.ip}:${ep.port}" -m recent --name ${ep.chain} --rcheck --seconds ${sp.affinitySeconds} --reap -j ${ep.chain}`);
      }
    }
    const n = sp.endpoints.length;
    sp.endpoints.forEach((ep, i) => {
      const target = `-m comment --comment "${sp.name} -> ${ep.ip}:${ep.port}"`;
      nat.push(i < n - 1
        ? `-A ${sp.chain} ${target} -m statistic --mode random --probability ${(1 / (n - i)).toFixed(10)} -j ${ep.chain}`
        : `-A ${sp.chain} ${target} -j ${ep.chain}`);
    });
    for (const ep of sp.endpoints) {
      natDynamic.push(ep.chain);
      nat.push(`-A ${ep.chain} -s ${ep.ip}/32 -m comment --comment "${sp.name}" -j KUBE-MARK-MASQ`);
      const recent = sp.affinitySeconds !== undefined ? ` -m recent --name ${ep.chain} --set` : '';
      nat.push(`-A ${ep.chain} -p ${proto} -m ${proto} -m comment --comment "${sp.name}"${recent} -j DNAT --to-destination ${ep.ip}:${ep.port}`);
    }
  }

  filter.push(`-A KUBE-SERVICES -d ${config.serviceCIDR} -p tcp -m comment --comment "unallocated service IP or port" -j REJECT --reject-with tcp-reset`);
  filter.push(`-A KUBE-SERVICES -d ${config.serviceCIDR} -m comment --comment "unallocated service IP or port" -j REJECT --reject-with icmp-port-unreachable`);
  filter.push('-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP');
  filter.push(`-A KUBE-FORWARD -m mark --mark ${MASQ_MARK} -m comment --comment "kubernetes forwarding rules" -j ACCEPT`);
  filter.push('-A KUBE-FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -m comment --comment "kubernetes forwarding conntrack rule" -j ACCEPT');

  if (ports.some((p) => p.nodePort !== undefined && p.endpoints.length > 0)) {
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
