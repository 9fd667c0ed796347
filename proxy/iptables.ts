/**
 * The iptables (nf_tables backend) data plane: apply the rendered payload
 * with ONE `iptables-restore --noflush`, hook our chains into the built-in
 * ones idempotently, and remove everything on cleanup. Mirrors kube-proxy's
 * iptables proxier and its `--cleanup`.
 */
import type { Logger } from '../apiserver/api/log.ts';
import type { ProxyBackend, ProxyState } from './backend.ts';
import { isDynamicChain } from './chains.ts';
import { hostExec, mustExec, type Exec } from './exec.ts';
import { flushConntrack, staleConntrackFlows } from './conntrack.ts';
import { appliedState, applyChanges, changedChains, nothingApplied } from './minimize.ts';
import { buildServicePorts, type ServicePortCache, type ServicePortInfo } from './model.ts';
import {
  chainsPayload, FILTER_CHAINS, largeClusterMode, NAT_CHAINS, portRulesFor, renderFixedChains, staleChains, type PortRulesCache, type RenderConfig, type RenderedChain,
} from './render.ts';

/**
 * Above this many chains in one restore, the payload asks iptables-nft for
 * its full chain cache (see chainsPayload's `-Z`); below it the per-name
 * cache is cheaper and counters are left alone.
 */
export const FULL_CACHE_MIN_CHAINS = 2000;

/** One rule that sends traffic from a built-in chain into one of ours. */
export interface JumpRule {
  table: 'nat' | 'filter';
  chain: string;
  /** Rule spec after the chain name, e.g. ['-j', 'KUBE-SERVICES']. */
  rule: string[];
  /** Must be the first rule of `chain` (POSTROUTING: before CNI's ipMasq chain). */
  first?: boolean;
}

const comment = (text: string): string[] => ['-m', 'comment', '--comment', text];
const newConn = ['-m', 'conntrack', '--ctstate', 'NEW'];

/** The hooks kube-proxy installs, in the order they are ensured. */
export const JUMP_RULES: JumpRule[] = [
  { table: 'nat', chain: 'PREROUTING', rule: [...comment('kubernetes service portals'), '-j', 'KUBE-SERVICES'] },
  { table: 'nat', chain: 'OUTPUT', rule: [...comment('kubernetes service portals'), '-j', 'KUBE-SERVICES'] },
  { table: 'nat', chain: 'POSTROUTING', rule: [...comment('kubernetes postrouting rules'), '-j', 'KUBE-POSTROUTING'], first: true },
  { table: 'filter', chain: 'FORWARD', rule: [...comment('kubernetes forwarding rules'), '-j', 'KUBE-FORWARD'] },
  { table: 'filter', chain: 'FORWARD', rule: [...newConn, ...comment('kubernetes service portals'), '-j', 'KUBE-SERVICES'] },
  { table: 'filter', chain: 'OUTPUT', rule: [...newConn, ...comment('kubernetes service portals'), '-j', 'KUBE-SERVICES'] },
  { table: 'filter', chain: 'INPUT', rule: [...newConn, ...comment('kubernetes externally-visible service portals'), '-j', 'KUBE-EXTERNAL-SERVICES'] },
  { table: 'filter', chain: 'FORWARD', rule: [...newConn, ...comment('kubernetes externally-visible service portals'), '-j', 'KUBE-EXTERNAL-SERVICES'] },
  { table: 'filter', chain: 'INPUT', rule: [...comment('kubernetes health check service ports'), '-j', 'KUBE-NODEPORTS'] },
  { table: 'filter', chain: 'INPUT', rule: [...newConn, ...comment('kubernetes load balancer firewall'), '-j', 'KUBE-PROXY-FIREWALL'] },
  { table: 'filter', chain: 'FORWARD', rule: [...newConn, ...comment('kubernetes load balancer firewall'), '-j', 'KUBE-PROXY-FIREWALL'] },
  { table: 'filter', chain: 'OUTPUT', rule: [...newConn, ...comment('kubernetes load balancer firewall'), '-j', 'KUBE-PROXY-FIREWALL'] },
];

const WAIT = ['-w', '5'];

/**
 * Ensures every JUMP_RULES entry exists (`iptables -C || -I`), and that the
 * `first` ones are rule 1 of their chain (deleted and re-inserted if not).
 * Creates each jump's target chain first when it is missing (`-N`, as
 * kube-proxy's EnsureChain). Idempotent. Throws if iptables fails.
 */
export async function ensureJumps(exec: Exec): Promise<void> {
  for (const j of JUMP_RULES) {
    const target = j.rule[j.rule.length - 1] ?? '';
    // `-N` fails when the chain exists (kube-proxy's EnsureChain); that is fine.
    await exec('iptables', [...WAIT, '-t', j.table, '-N', target]);
    const exists = (await exec('iptables', [...WAIT, '-t', j.table, '-C', j.chain, ...j.rule])).exitCode === 0;
    if (exists && j.first) {
      const listing = await mustExec(exec, 'iptables', [...WAIT, '-t', j.table, '-S', j.chain]);
      const firstRule = listing.stdout.split('\n').find((l) => l.startsWith('-A '));
      if (firstRule !== undefined && firstRule.endsWith(`-j ${target}`)) continue;
      await deleteAll(exec, j);
    } else if (exists) {
      continue;
    }
    await mustExec(exec, 'iptables', [...WAIT, '-t', j.table, '-I', j.chain, '1', ...j.rule]);
  }
}

async function deleteAll(exec: Exec, j: JumpRule): Promise<void> {
  for (let i = 0; i < 20; i++) {
    if ((await exec('iptables', [...WAIT, '-t', j.table, '-C', j.chain, ...j.rule])).exitCode !== 0) return;
    await mustExec(exec, 'iptables', [...WAIT, '-t', j.table, '-D', j.chain, ...j.rule]);
  }
}

/** Chains of `table` (from `iptables-save -t table`) whose name is in `owned` or dynamic (KUBE-SVC/SVL/SEP/EXT-*). */
export async function listOwnedChains(exec: Exec, table: 'nat' | 'filter', owned: readonly string[]): Promise<string[]> {
  const saved = await mustExec(exec, 'iptables-save', ['-t', table]);
  const chains: string[] = [];
  for (const line of saved.stdout.split('\n')) {
    if (!line.startsWith(':')) continue;
    const name = line.slice(1).split(' ')[0] ?? '';
    if (owned.includes(name) || isDynamicChain(name)) chains.push(name);
  }
  return chains;
}

/**
 * Removes everything the proxy ever wrote: the jump rules, then every owned
 * chain of filter and nat (flushed and deleted in one restore per table).
 * Idempotent; safe when nothing was installed. The equivalent of
 * `kube-proxy --cleanup` for iptables mode.
 */
export async function cleanupRules(exec: Exec = hostExec): Promise<void> {
  for (const j of JUMP_RULES) await deleteAll(exec, j);
  let payload = '';
  for (const [table, owned] of [['filter', FILTER_CHAINS], ['nat', NAT_CHAINS]] as const) {
    const chains = await listOwnedChains(exec, table, owned);
    if (chains.length === 0) continue;
    payload += [`*${table}`, ...chains.map((c) => `:${c} - [0:0]`), ...chains.map((c) => `-X ${c}`), 'COMMIT', ''].join('\n');
  }
  if (payload !== '') await mustExec(exec, 'iptables-restore', ['--noflush'], payload);
}

/**
 * ProxyBackend on iptables. `sync(state, full)` builds the service ports
 * (memoized per unchanged Service and EndpointSlice objects, so an unchanged
 * service port is the same ServicePortInfo object), renders each port's
 * chains once, and applies them with one `iptables-restore --noflush`.
 * Partial syncs (full=false) diff the service ports by identity: they write
 * the fixed chains and the added ports' chains whose rules differ from what
 * the last successful apply wrote, delete the removed ports' chains no
 * longer rendered, and run nothing when nothing changed; their cost grows
 * with the change, not with the number of services. Full syncs (and any
 * sync after a failure) first re-read the existing nat chains (so chains
 * left by an earlier process are deleted), re-ensure the jump rules
 * (before the restore, while the table may still be small), then rewrite
 * every chain. Large-cluster mode (render.ts largeClusterMode)
 * is decided once per sync; when it differs from the last successful apply's,
 * every endpoint chain's text changes, so the sync is made full. After a successful apply, UDP conntrack entries
 * made stale by the change are deleted (conntrack.ts; failures only logged).
 * Throws on failure.
 */
export class IptablesBackend implements ProxyBackend {
  /** The rules the kernel holds since the last successful apply. */
  private applied = nothingApplied();
  /** The service ports of the last successful apply (by identity). */
  private lastPorts = new Set<ServicePortInfo>();
  private hasApplied = false;
  private needFull = true;
  /** The large-cluster mode of the last successful apply. */
  private appliedLarge = false;
  private readonly modelCache: ServicePortCache = new WeakMap();
  private readonly rulesCache: PortRulesCache = new WeakMap();

  constructor(
    private readonly config: Omit<RenderConfig, 'previousChains'>,
    private readonly log: Logger,
    private readonly exec: Exec = hostExec,
  ) {}

  async sync(state: ProxyState, fullAsked: boolean): Promise<void> {
    const started = Date.now();
    const ports = buildServicePorts(state.services, state.endpointSlices, { nodeName: this.config.nodeName, nodeIPs: state.nodeIPs }, this.modelCache);
    const large = largeClusterMode(ports);
    const full = fullAsked || this.needFull || large !== this.appliedLarge;
    const known = full ? await listOwnedChains(this.exec, 'nat', NAT_CHAINS) : [];
    const cidr = this.config.clusterCIDR;
    const rules = ports.map((sp) => portRulesFor(sp, cidr, this.rulesCache, large));
    const fixed = renderFixedChains(ports, rules, this.config);
    const now = new Set(ports);
    const added = ports.filter((sp) => !this.lastPorts.has(sp));
    const removed = [...this.lastPorts].filter((sp) => !now.has(sp));
    let write: RenderedChain[];
    let stale: string[];
    let all: RenderedChain[] | undefined;
    if (full) {
      all = [...fixed];
      for (const r of rules) for (const c of r.chains) all.push(c);
      write = all;
      stale = staleChains(all, known);
    } else {
      const addedChains = added.flatMap((sp) => portRulesFor(sp, cidr, this.rulesCache, large).chains);
      const addedNames = new Set(addedChains.map((c) => c.name));
      stale = [...new Set(removed.flatMap((sp) => portRulesFor(sp, cidr, this.rulesCache, large).chains.map((c) => c.name)))].filter((n) => !addedNames.has(n)).sort();
      write = changedChains([...fixed, ...addedChains], this.applied);
    }
    if (write.length === 0 && stale.length === 0) {
      this.lastPorts = now;
      return;
    }
    const payload = chainsPayload(write, stale, write.length + stale.length >= FULL_CACHE_MIN_CHAINS);
    const rendered = Date.now();
    this.needFull = true;
    // Jumps first, as kube-proxy's syncProxyRules does: into a still-small table each
    // iptables call is cheap (iptables-nft reads the whole table per call).
    if (full) await ensureJumps(this.exec);
    await mustExec(this.exec, 'iptables-restore', ['--noflush'], payload);
    const restored = Date.now();
    if (all) this.applied = appliedState(all);
    else applyChanges(this.applied, write, stale);
    this.appliedLarge = large;
    this.needFull = false;
    if (this.hasApplied) {
      const flows = staleConntrackFlows(removed, added);
      if (flows.length > 0) await flushConntrack(this.exec, flows, this.log);
    }
    this.hasApplied = true;
    this.lastPorts = now;
    this.log.debug('iptables synced', {
      full, renderMs: rendered - started, restoreMs: restored - rendered, ms: Date.now() - started,
      bytes: payload.length, changedChains: write.length, staleChains: stale.length,
    });
  }

  async cleanup(): Promise<void> {
    this.applied = nothingApplied();
    this.lastPorts = new Set();
    this.hasApplied = false;
    this.needFull = true;
    await cleanupRules(this.exec);
  }
}
