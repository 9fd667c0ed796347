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
import { minimizePayload, splitPayload } from './minimize.ts';
import { declaredNatChains, FILTER_CHAINS, NAT_CHAINS, renderRules, type RenderConfig } from './render.ts';

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
];

const WAIT = ['-w', '5'];

/**
 * Ensures every JUMP_RULES entry exists (`iptables -C || -I`), and that the
 * `first` ones are rule 1 of their chain (deleted and re-inserted if not).
 * Idempotent. Throws if iptables fails. Our chains must already exist.
 */
export async function ensureJumps(exec: Exec): Promise<void> {
  for (const j of JUMP_RULES) {
    const exists = (await exec('iptables', [...WAIT, '-t', j.table, '-C', j.chain, ...j.rule])).exitCode === 0;
    if (exists && j.first) {
      const listing = await mustExec(exec, 'iptables', [...WAIT, '-t', j.table, '-S', j.chain]);
      const firstRule = listing.stdout.split('\n').find((l) => l.startsWith('-A '));
      const target = j.rule[j.rule.length - 1] ?? '';
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
 * ProxyBackend on iptables. `sync(state, full)` renders the whole ruleset and
 * applies it with one `iptables-restore --noflush`. Partial syncs (full=false)
 * skip the apply when nothing changed and otherwise rewrite only the fixed
 * chains, the per-service chains whose rules changed, and the stale-chain
 * deletions (kube-proxy's minimized restore). Full syncs first re-read the
 * existing nat chains (so chains left by an earlier process are deleted),
 * rewrite every chain, then re-ensure the jump rules. Throws on failure; the
 * caller must then retry with full=true.
 */
export class IptablesBackend implements ProxyBackend {
  private knownChains: string[] = [];
  /** Dynamic chain → rules the kernel holds since the last successful apply. */
  private applied = new Map<string, string>();
  private appliedFixed: string | undefined;

  constructor(
    private readonly config: Omit<RenderConfig, 'previousChains'>,
    private readonly log: Logger,
    private readonly exec: Exec = hostExec,
  ) {}

  async sync(state: ProxyState, full: boolean): Promise<void> {
    if (full) this.knownChains = await listOwnedChains(this.exec, 'nat', NAT_CHAINS);
    const rendered = renderRules(state.services, state.endpointSlices, { ...this.config, previousChains: this.knownChains });
    const parts = splitPayload(rendered);
    const changed = [...parts.chains].filter(([c, r]) => this.applied.get(c) !== r).length;
    if (!full && parts.fixed === this.appliedFixed && changed === 0 && parts.stale.length === 0) return;
    const payload = full ? rendered : minimizePayload(rendered, this.applied);
    const started = Date.now();
    this.appliedFixed = undefined;
    this.applied = new Map();
    await mustExec(this.exec, 'iptables-restore', ['--noflush'], payload);
    this.knownChains = declaredNatChains(rendered);
    this.applied = parts.chains;
    this.appliedFixed = parts.fixed;
    if (full) await ensureJumps(this.exec);
    this.log.debug('iptables synced', { full, ms: Date.now() - started, bytes: payload.length, changedChains: changed, staleChains: parts.stale.length });
  }

  async cleanup(): Promise<void> {
    this.applied = new Map();
    this.appliedFixed = undefined;
    this.knownChains = [];
    await cleanupRules(this.exec);
  }
}
