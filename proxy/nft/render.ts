/**
 * The pure nftables renderer: `nft -f` transactions for a ruleset
 * (ruleset.ts). A full transaction declares the whole table (base chains
 * hooked at numeric priorities, fixed chains, maps) and rewrites every
 * per-service chain and element; a delta transaction adds and deletes only
 * what changed between two rulesets. Both are single transactions: the
 * kernel applies all or nothing.
 */
import type { Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import { buildServicePorts } from '../model.ts';
import { NFT_TABLE } from './names.ts';
import { buildRuleset, DNAT_PROTOCOLS, dnatMap, dnatNodePortMap, elementsOf, INLINE_ENDPOINTS_MAX, MAPS, NFT_MASQ_MARK, pickChain, type NftMap, type NftRenderConfig, type NftRuleset } from './ruleset.ts';

const T = `ip ${NFT_TABLE}`;

/**
 * Base chains: name, hook and numeric priority. Filter chains run before
 * DNAT (-110) so they see service addresses; nat output uses -100, not the
 * `dstnat` keyword (nft 1.0.6 on the output hook); the post-DNAT output
 * filter (-90) sees what nat output left untranslated.
 */
const BASE_CHAINS: ReadonlyArray<[name: string, type: 'filter' | 'nat', hook: string, priority: number]> = [
  ['filter-prerouting', 'filter', 'prerouting', -110],
  ['filter-input', 'filter', 'input', -110],
  ['filter-forward', 'filter', 'forward', -110],
  ['filter-output', 'filter', 'output', -110],
  ['filter-output-post-dnat', 'filter', 'output', -90],
  ['nat-prerouting', 'nat', 'prerouting', -100],
  ['nat-output', 'nat', 'output', -100],
  ['nat-postrouting', 'nat', 'postrouting', 100],
];

/** Regular chains that are always there. */
export const FIXED_CHAINS = ['services', 'service-endpoints-check', 'nodeport-endpoints-check', 'cluster-ips-check', 'firewall-check', 'mark-for-masquerade', 'masquerading', 'reject-chain'] as const;

/** The packet's service key in `service-ips`, and in `service-nodeports`. */
const IP_KEY = 'ip daddr . meta l4proto . th dport';
const PORT_KEY = 'meta l4proto . th dport';

/**
 * Each map's declaration: its key and value types. The DNAT maps use
 * `typeof`, since no `type` name matches numgen's integer (the modulus does
 * not matter), and a value of '<proto> dport', from which nft derives the
 * DNAT's protocol (so a map per protocol): nft 1.0.6 cannot re-read a typeof
 * value 'ip daddr . th dport' from the kernel ("conflicting protocols
 * specified: ip vs. th" on every later command).
 */
const MAP_TYPES = Object.fromEntries([
  ['service-ips', 'type ipv4_addr . inet_proto . inet_service : verdict'],
  ['service-nodeports', 'type inet_proto . inet_service : verdict'],
  ['no-endpoint-services', 'type ipv4_addr . inet_proto . inet_service : verdict'],
  ['no-endpoint-nodeports', 'type inet_proto . inet_service : verdict'],
  ['firewall-ips', 'type ipv4_addr . inet_proto . inet_service : verdict'],
  ...(['cluster', 'local'] as const).flatMap((p) => DNAT_PROTOCOLS.flatMap((proto) => [
    [dnatMap(p, proto), `typeof ip daddr . th dport . numgen random mod 1 : ip daddr . ${proto} dport`],
    [dnatNodePortMap(p, proto), `typeof th dport . numgen random mod 1 : ip daddr . ${proto} dport`],
  ])),
]) as Record<NftMap, string>;

const LOCAL_DST = 'fib daddr type local ip daddr != 127.0.0.0/8';
/**
 * The shared endpoint-choice chains (ruleset.ts INLINE_ENDPOINTS_MAX): for
 * each policy and N, per protocol, DNAT to the element of the policy's map
 * for this destination and `numgen random mod N`; the destination is a
 * service IP or, when that misses (the packet came through
 * `service-nodeports`), a node port. A service IP never misses: service-ips
 * and the maps get their elements together.
 */
function pickChains(config: NftRenderConfig): Array<[chain: string, rules: string[]]> {
  const out: Array<[string, string[]]> = [];
  for (const policy of ['cluster', 'local'] as const) {
    for (let n = 1; n <= (config.inlineEndpointsMax ?? INLINE_ENDPOINTS_MAX); n++) {
      out.push([pickChain(policy, n), DNAT_PROTOCOLS.flatMap((proto) => [
        `meta l4proto ${proto} dnat ip to ip daddr . th dport . numgen random mod ${n} map @${dnatMap(policy, proto)}`,
        `meta l4proto ${proto} dnat ip to th dport . numgen random mod ${n} map @${dnatNodePortMap(policy, proto)}`,
      ])]);
    }
  }
  return out;
}

/** The rules of the base and fixed chains. */
function fixedRules(config: NftRenderConfig): Array<[chain: string, rule: string]> {
  return [
    // Node ports are checked on input only (kube-proxy 1.31): the node's own connections to a node port are DNATed in
    // nat output after filter-output, so an externalTrafficPolicy Local port must not be dropped before that.
    // loadBalancerSourceRanges, before DNAT on the way in and out (kube-proxy 1.31's filter-prerouting / filter-output).
    ['filter-prerouting', 'ct state new jump firewall-check'],
    ['filter-output', 'ct state new jump firewall-check'],
    ['filter-input', 'ct state new jump nodeport-endpoints-check'],
    ['filter-input', 'ct state new jump service-endpoints-check'],
    ['filter-forward', 'ct state new jump service-endpoints-check'],
    ['filter-forward', 'ct state new jump cluster-ips-check'],
    ['filter-output', 'ct state new jump service-endpoints-check'],
    ['filter-output-post-dnat', 'ct state new jump cluster-ips-check'],
    ['nat-prerouting', 'jump services'],
    ['nat-output', 'jump services'],
    ['nat-postrouting', 'jump masquerading'],
    // Off-cluster clients of a ClusterIP are masqueraded (kube-proxy does this per service chain; one set lookup here).
    ['services', `ip daddr @cluster-ips ip saddr != ${config.clusterCIDR} jump mark-for-masquerade`],
    ['services', `${IP_KEY} vmap @service-ips`],
    ['services', `${LOCAL_DST} ${PORT_KEY} vmap @service-nodeports`],
    ['service-endpoints-check', `${IP_KEY} vmap @no-endpoint-services`],
    ['firewall-check', `${IP_KEY} vmap @firewall-ips`],
    ['nodeport-endpoints-check', `${LOCAL_DST} ${PORT_KEY} vmap @no-endpoint-nodeports`],
    // Unused ports of a ClusterIP are rejected; unallocated addresses of the service CIDR dropped (kube-proxy 1.31).
    ['cluster-ips-check', 'ip daddr @cluster-ips goto reject-chain'],
    ['cluster-ips-check', `ip daddr ${config.serviceCIDR} drop`],
    ['mark-for-masquerade', `mark set mark or ${NFT_MASQ_MARK}`],
    // Hairpin: a pod DNATed to itself (kube-proxy marks this in each endpoint chain: `ip saddr <ep>`).
    ['masquerading', `ct status dnat ip saddr . ip daddr @hairpin mark set mark or ${NFT_MASQ_MARK}`],
    ['masquerading', `mark and ${NFT_MASQ_MARK} == 0 return`],
    ['masquerading', `mark set mark xor ${NFT_MASQ_MARK}`],
    ['masquerading', 'masquerade fully-random'],
    // A TCP reset, not ICMP: an ICMP error is not delivered to a local socket whose VIP route is `dev lo` (see ../README.md).
    ['reject-chain', 'meta l4proto tcp reject with tcp reset'],
    ['reject-chain', 'reject'],
  ];
}

/** What exists in the kernel table before a full sync (per-service chains and affinity sets). */
export interface ExistingObjects {
  chains: Iterable<string>;
  sets: Iterable<string>;
}

const affinitySetDecl = (name: string): string => `add set ${T} ${name} { type ipv4_addr ; flags dynamic,timeout ; }`;

function elementLines(rs: NftRuleset): string[] {
  const out: string[] = [];
  for (const m of MAPS) {
    const els = [...elementsOf(rs, m)].map(([k, v]) => `${k} : ${v}`);
    if (els.length > 0) out.push(`add element ${T} ${m} { ${els.join(', ')} }`);
  }
  if (rs.clusterIPs.size > 0) out.push(`add element ${T} cluster-ips { ${[...rs.clusterIPs].join(', ')} }`);
  if (rs.hairpin.size > 0) out.push(`add element ${T} hairpin { ${[...rs.hairpin].join(', ')} }`);
  return out;
}

/**
 * The full transaction: (re)declares the table, flushes and refills every
 * fixed chain, map and set, writes every per-service chain (flushing those in
 * `existing` first), and flushes then deletes the existing per-service chains
 * and affinity sets the ruleset no longer has. Affinity sets are never
 * flushed, so stickiness survives a resync. Pure.
 */
export function renderFull(rs: NftRuleset, config: NftRenderConfig, existing: ExistingObjects): string {
  const out: string[] = [`add table ${T} { comment "skiff service proxy" ; }`];
  for (const [name, type, hook, prio] of BASE_CHAINS) {
    out.push(`add chain ${T} ${name} { type ${type} hook ${hook} priority ${prio} ; }`, `flush chain ${T} ${name}`);
  }
  const picks = pickChains(config);
  for (const c of [...FIXED_CHAINS, ...picks.map(([name]) => name)]) out.push(`add chain ${T} ${c}`, `flush chain ${T} ${c}`);
  for (const m of MAPS) out.push(`add map ${T} ${m} { ${MAP_TYPES[m]} ; }`, `flush map ${T} ${m}`);
  out.push(`add set ${T} cluster-ips { type ipv4_addr ; }`, `flush set ${T} cluster-ips`);
  out.push(`add set ${T} hairpin { type ipv4_addr . ipv4_addr ; }`, `flush set ${T} hairpin`);
  for (const [chain, rule] of fixedRules(config)) out.push(`add rule ${T} ${chain} ${rule}`);
  for (const [chain, rules] of picks) for (const rule of rules) out.push(`add rule ${T} ${chain} ${rule}`);

  const existingSets = new Set(existing.sets);
  for (const s of rs.affinitySets) if (!existingSets.has(s)) out.push(affinitySetDecl(s));
  const existingChains = new Set(existing.chains);
  for (const c of rs.chains.keys()) out.push(existingChains.has(c) ? `flush chain ${T} ${c}` : `add chain ${T} ${c}`);
  for (const [c, rules] of rs.chains) for (const r of rules) out.push(`add rule ${T} ${c} ${r}`);
  out.push(...elementLines(rs));

  const staleChains = [...existingChains].filter((c) => !rs.chains.has(c)).sort();
  for (const c of staleChains) out.push(`flush chain ${T} ${c}`);
  for (const c of staleChains) out.push(`delete chain ${T} ${c}`);
  for (const s of [...existingSets].filter((x) => !rs.affinitySets.has(x)).sort()) out.push(`delete set ${T} ${s}`);
  out.push('');
  return out.join('\n');
}

/**
 * The delta transaction from `prev` (what the kernel holds) to `next`: new
 * affinity sets and chains are declared, changed chains flushed and
 * rewritten, removed or changed elements deleted before new ones are added,
 * and only then are removed chains flushed and deleted and removed sets
 * deleted (nothing references them by then). '' when nothing changed. Pure.
 */
export function renderDelta(prev: NftRuleset, next: NftRuleset): string {
  const out: string[] = [];
  for (const s of next.affinitySets) if (!prev.affinitySets.has(s)) out.push(affinitySetDecl(s));
  const changed: string[] = [];
  for (const [c, rules] of next.chains) {
    const old = prev.chains.get(c);
    if (old === undefined) out.push(`add chain ${T} ${c}`);
    if (old === undefined || !sameRules(old, rules)) changed.push(c);
  }
  for (const c of changed) {
    if (prev.chains.has(c)) out.push(`flush chain ${T} ${c}`);
    for (const r of next.chains.get(c) ?? []) out.push(`add rule ${T} ${c} ${r}`);
  }
  for (const m of MAPS) {
    const before = elementsOf(prev, m);
    const after = elementsOf(next, m);
    const gone = [...before].filter(([k, v]) => after.get(k) !== v).map(([k]) => k);
    const added = [...after].filter(([k, v]) => before.get(k) !== v).map(([k, v]) => `${k} : ${v}`);
    if (gone.length > 0) out.push(`delete element ${T} ${m} { ${gone.join(', ')} }`);
    if (added.length > 0) out.push(`add element ${T} ${m} { ${added.join(', ')} }`);
  }
  for (const [set, before, after] of [['cluster-ips', prev.clusterIPs, next.clusterIPs], ['hairpin', prev.hairpin, next.hairpin]] as const) {
    const gone = [...before].filter((e) => !after.has(e));
    const added = [...after].filter((e) => !before.has(e));
    if (gone.length > 0) out.push(`delete element ${T} ${set} { ${gone.join(', ')} }`);
    if (added.length > 0) out.push(`add element ${T} ${set} { ${added.join(', ')} }`);
  }
  const stale = [...prev.chains.keys()].filter((c) => !next.chains.has(c)).sort();
  for (const c of stale) out.push(`flush chain ${T} ${c}`);
  for (const c of stale) out.push(`delete chain ${T} ${c}`);
  for (const s of [...prev.affinitySets].filter((x) => !next.affinitySets.has(x)).sort()) out.push(`delete set ${T} ${s}`);
  if (out.length === 0) return '';
  out.push('');
  return out.join('\n');
}

function sameRules(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((r, i) => r === b[i]);
}

/**
 * renderFull from Services and EndpointSlices (through model.ts), into an
 * empty table unless `existing` says otherwise. Pure; for golden tests and
 * the bench.
 */
export function renderNftables(services: Service[], slices: EndpointSlice[], config: NftRenderConfig, existing: ExistingObjects = { chains: [], sets: [] }): string {
  return renderFull(buildRuleset(buildServicePorts(services, slices, { nodeName: config.nodeName, iptablesChainNames: false }), config), config, existing);
}
