/**
 * renderNetpol: the rule model (model.ts) → one `nft -f` payload that
 * replaces the whole `table inet skiff-netpol` atomically (add, delete,
 * define: one transaction, so there is never a moment without rules).
 *
 * Layout:
 * - base chains `ingress` and `egress` on the forward hook at priority 0,
 *   policy accept. With br_netfilter (bridge-nf-call-iptables=1), pod → pod
 *   on one CNI bridge passes the IPv4 forward hook as well as routed pod
 *   traffic to and from other nodes (host-gw), after the Service DNAT of
 *   prerouting, so daddr is the real pod. Traffic of the node itself (input,
 *   output: kubelet probes, node-local DNS) never reaches them, so the node
 *   can always talk to its pods, as the NetworkPolicy API requires for
 *   ingress and as common implementations do.
 * - Two base chains rather than one, so an accept for ingress (destination
 *   side) cannot skip the egress check of the source pod on the same node.
 * - each base chain accepts established/related (replies), then jumps, per
 *   policy, for its target set (`ip daddr @<chain>-pods`; egress: saddr) to
 *   the policy chain, whose rules accept; a packet no policy accepts falls
 *   through to `drop` when its pod is in `<direction>-isolated`.
 * - pod IP lists of more than one address in rules (peers, named-port
 *   destinations) are named sets `ips-<hash of the list>`, one per distinct
 *   list, so policies sharing a peer share its set and the payload stays
 *   small (500 policies × 2,000 pods: a few hundred KB).
 * Chain names are `ing-`/`egr-` + a hash of the policy key (deterministic,
 * within nft's identifier rules); comments carry `namespace/name`. Pure.
 */
import { createHash } from 'node:crypto';
import { compareIP } from '../../apiserver/client/ipv4.ts';
import type { AllowRule, Direction, NetpolModel, PeerMatch, PolicyChain, PortMatch } from './model.ts';

/** The table the NetworkPolicy enforcement owns (family inet). */
export const NETPOL_TABLE = 'skiff-netpol';

/** The policy chain name of a policy key (`namespace/name`) in a direction: 'ing-' or 'egr-' + 16 hex chars of a SHA-256. */
export function policyChainName(direction: Direction, policy: string): string {
  const h = createHash('sha256').update(`${direction}/${policy}`).digest('hex').slice(0, 16);
  return `${direction === 'ingress' ? 'ing' : 'egr'}-${h}`;
}

/** A quoted nft comment (nft allows 128 bytes; quotes are dropped, long keys cut). */
function comment(text: string): string {
  return `comment "${text.replace(/["\\]/g, '').slice(0, 120)}"`;
}

const set = (items: readonly string[]): string => (items.length === 1 ? items[0]! : `{ ${items.join(', ')} }`);

/** The named set of a pod-IP list: 'ips-' + 16 hex chars of a SHA-256 of the list. */
export function ipSetName(ips: readonly string[]): string {
  return `ips-${createHash('sha256').update(ips.join(',')).digest('hex').slice(0, 16)}`;
}

/** A pod-IP list in a rule: the address itself, or its named set (collected into `sets`). */
function ipsRef(ips: readonly string[], sets: Map<string, readonly string[]>): string {
  if (ips.length === 1) return ips[0]!;
  const name = ipSetName(ips);
  sets.set(name, ips);
  return `@${name}`;
}
const family = (addr: string): 'ip' | 'ip6' => (addr.includes(':') ? 'ip6' : 'ip');

function peerExpr(peer: PeerMatch, side: 'saddr' | 'daddr', sets: Map<string, readonly string[]>): string[] {
  switch (peer.kind) {
    case 'any': return [];
    case 'pods': return [`ip ${side} ${ipsRef(peer.ips, sets)}`];
    case 'block': {
      const f = family(peer.cidr);
      return [`${f} ${side} ${peer.cidr}`, ...(peer.except.length > 0 ? [`${f} ${side} != ${set(peer.except)}`] : [])];
    }
  }
}

function portExpr(port: PortMatch, sets: Map<string, readonly string[]>): string[] {
  if (port.kind === 'any') return [];
  const out = port.to ? [`ip daddr ${ipsRef(port.to, sets)}`] : [];
  out.push(`meta l4proto ${port.protocol}`);
  if (port.port !== undefined) out.push(`th dport ${port.endPort !== undefined ? `${port.port}-${port.endPort}` : port.port}`);
  return out;
}

function ruleLine(chain: PolicyChain, r: AllowRule, sets: Map<string, readonly string[]>): string {
  const side = chain.direction === 'ingress' ? 'saddr' : 'daddr';
  return [...peerExpr(r.peer, side, sets), ...portExpr(r.port, sets), 'accept', comment(`${chain.policy} ${chain.direction}[${r.rule}]`)].join(' ');
}

function elements(ips: readonly string[]): string {
  return ips.length > 0 ? ` elements = { ${ips.join(', ')} };` : '';
}

function baseChain(direction: Direction, chains: readonly PolicyChain[]): string[] {
  const side = direction === 'ingress' ? 'daddr' : 'saddr';
  const lines = [
    `  chain ${direction} {`,
    '    type filter hook forward priority 0; policy accept;',
    '    ct state established,related accept',
  ];
  for (const c of chains) {
    const name = policyChainName(direction, c.policy);
    lines.push(`    ip ${side} @${name}-pods jump ${name} ${comment(c.policy)}`);
  }
  lines.push(`    ip ${side} @${direction}-isolated drop ${comment(`${direction} not allowed by any policy`)}`);
  lines.push('  }');
  return lines;
}

/** The nft payload for `model` (ends with a newline). Deterministic for equal models. Pure. */
export function renderNetpol(model: NetpolModel): string {
  const lines = [`add table inet ${NETPOL_TABLE}`, `delete table inet ${NETPOL_TABLE}`, `table inet ${NETPOL_TABLE} {`];
  for (const direction of ['ingress', 'egress'] as const) {
    const chains = model[direction];
    const isolated = [...new Set(chains.flatMap((c) => c.targets))].sort(compareIP);
    lines.push(`  set ${direction}-isolated { type ipv4_addr;${elements(isolated)} }`);
    for (const c of chains) lines.push(`  set ${policyChainName(direction, c.policy)}-pods { type ipv4_addr;${elements(c.targets)} }`);
  }
  const sets = new Map<string, readonly string[]>();
  const policyChains: string[] = [];
  for (const direction of ['ingress', 'egress'] as const) {
    for (const c of model[direction]) {
      policyChains.push(`  chain ${policyChainName(direction, c.policy)} {`);
      for (const r of c.rules) policyChains.push(`    ${ruleLine(c, r, sets)}`);
      policyChains.push('  }');
    }
  }
  for (const [name, ips] of sets) lines.push(`  set ${name} { type ipv4_addr;${elements(ips)} }`);
  for (const direction of ['ingress', 'egress'] as const) lines.push(...baseChain(direction, model[direction]));
  lines.push(...policyChains, '}');
  return `${lines.join('\n')}\n`;
}

/** The payload that removes the table (`nft -f`), for cleanup; fine when it does not exist. */
export function renderNetpolCleanup(): string {
  return `add table inet ${NETPOL_TABLE}\ndelete table inet ${NETPOL_TABLE}\n`;
}
