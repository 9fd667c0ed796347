/**
 * The nftables data plane (`--proxy-mode nftables`): applies renderer
 * transactions with `nft -f -` through the injected Exec, remembers what the
 * kernel holds, and removes the table on cleanup. Mirrors kube-proxy's
 * nftables proxier (pkg/proxy/nftables/proxier.go, CleanupLeftovers).
 */
import type { Logger } from '../../apiserver/api/log.ts';
import type { ProxyBackend, ProxyState } from '../backend.ts';
import { flushConntrack, staleConntrackFlows } from '../conntrack.ts';
import { hostExec, mustExec, type Exec } from '../exec.ts';
import type { ServicePortInfo } from '../model.ts';
import { isAffinitySetName, isServiceChainName, NFT_TABLE } from './names.ts';
import { renderDelta, renderFull } from './render.ts';
import { RulesetBuilder, type RulesetChange } from './incremental.ts';
import type { NftRenderConfig, NftRuleset } from './ruleset.ts';

/** Runs one `nft -f -` transaction (all or nothing). Throws with nft's stderr on failure. */
export async function applyNft(exec: Exec, payload: string): Promise<void> {
  await mustExec(exec, 'nft', ['-f', '-'], payload);
}

/**
 * The per-service chains and affinity sets of our table, as the kernel has
 * them (`nft list chains ip` / `nft -t list sets ip`, filtered to `table ip
 * skiff`). Empty (one `nft list tables ip`) when the table does not exist.
 * Throws if nft fails.
 */
export async function listNftObjects(exec: Exec): Promise<{ chains: string[]; sets: string[] }> {
  const ours = async (what: 'chains' | 'sets', keyword: 'chain' | 'set'): Promise<string[]> => {
    const r = await mustExec(exec, 'nft', ['-t', 'list', what, 'ip']);
    const names: string[] = [];
    let inTable = false;
    for (const line of r.stdout.split('\n')) {
      const t = line.trim();
      if (t.startsWith('table ')) inTable = t === `table ip ${NFT_TABLE} {`;
      else if (inTable && t.startsWith(`${keyword} `) && t.endsWith('{')) names.push(t.slice(keyword.length + 1, -1).trim());
    }
    return names;
  };
  const tables = await mustExec(exec, 'nft', ['list', 'tables', 'ip']);
  if (!tables.stdout.split('\n').some((l) => l.trim() === `table ip ${NFT_TABLE}`)) return { chains: [], sets: [] };
  return { chains: (await ours('chains', 'chain')).filter(isServiceChainName), sets: (await ours('sets', 'set')).filter(isAffinitySetName) };
}

/**
 * Deletes `table ip skiff` and everything in it. Idempotent: `add table`
 * then `delete table` in one transaction succeeds whether or not it existed
 * (kube-proxy's CleanupLeftovers does the same). A host without the `nft`
 * binary has nothing to clean. Throws if nft fails.
 */
export async function cleanupNftables(exec: Exec = hostExec): Promise<void> {
  let r;
  try {
    r = await exec('nft', ['-f', '-'], `add table ip ${NFT_TABLE}\ndelete table ip ${NFT_TABLE}\n`);
  } catch {
    return; // nft could not be started: not installed, so no table of ours exists.
  }
  if (r.exitCode !== 0) throw new Error(`nft: deleting table ip ${NFT_TABLE} failed (exit ${r.exitCode}): ${r.stderr.trim()}`);
}

/**
 * ProxyBackend on nftables. A full sync rewrites the whole table in one
 * transaction (after re-reading the kernel's per-service chains and sets
 * when the table's contents are unknown: first sync, or after a failure);
 * a partial sync sends only the delta against the last applied ruleset, and
 * runs no command when nothing changed. After each successful apply, UDP
 * conntrack entries made stale by the change are deleted (../conntrack.ts,
 * as the iptables mode; failures only logged; not after the first apply of
 * a process, which has nothing to compare with). Throws on failure; the
 * caller must then retry with full=true.
 */
export class NftablesBackend implements ProxyBackend {
  /** Whether the kernel holds exactly what `builder` last reported (false at start and after a failure). */
  private known = false;
  /** Per-service chains and affinity sets the kernel holds, when `known`. */
  private appliedChains = new Set<string>();
  private appliedSets = new Set<string>();
  /** The service ports of the last successful apply (undefined before the first one and after cleanup). */
  private lastPorts: Set<ServicePortInfo> | undefined;
  private readonly builder: RulesetBuilder;

  constructor(
    private readonly config: NftRenderConfig,
    private readonly log: Logger,
    private readonly exec: Exec = hostExec,
  ) {
    this.builder = new RulesetBuilder(config);
  }

  async sync(state: ProxyState, full: boolean): Promise<void> {
    // Unknown table contents: list them (a child process) while the ruleset is being built.
    const listing = this.known ? undefined : listNftObjects(this.exec);
    if (!this.known) this.builder.reset();
    let change: RulesetChange;
    try {
      change = this.builder.update(state);
    } catch (e) {
      await listing?.catch(() => undefined);
      throw e;
    }
    let payload: string;
    let next: NftRuleset | undefined;
    if (listing !== undefined || full) {
      next = this.builder.current();
      const existing = listing !== undefined ? await listing : { chains: this.appliedChains, sets: this.appliedSets };
      payload = renderFull(next, this.config, existing);
    } else {
      payload = renderDelta(change.before, change.after);
      if (payload === '') {
        this.lastPorts = new Set(this.builder.ports());
        return;
      }
    }
    const started = Date.now();
    this.known = false;
    await applyNft(this.exec, payload);
    if (next) {
      this.appliedChains = new Set(next.chains.keys());
      this.appliedSets = new Set(next.affinitySets);
    } else {
      for (const c of change.before.chains.keys()) this.appliedChains.delete(c);
      for (const c of change.after.chains.keys()) this.appliedChains.add(c);
      for (const s of change.before.affinitySets) this.appliedSets.delete(s);
      for (const s of change.after.affinitySets) this.appliedSets.add(s);
    }
    this.known = true;
    await this.flushStaleUDP();
    this.log.debug('nftables synced', { full, ms: Date.now() - started, bytes: payload.length, changedServices: change.services });
  }

  /** Deletes the UDP conntrack entries the last apply made stale, then remembers its service ports. */
  private async flushStaleUDP(): Promise<void> {
    const ports = this.builder.ports();
    const prev = this.lastPorts;
    this.lastPorts = new Set(ports);
    if (prev === undefined) return;
    const now = this.lastPorts;
    const removed = [...prev].filter((sp) => !now.has(sp));
    const added = ports.filter((sp) => !prev.has(sp));
    const flows = staleConntrackFlows(removed, added);
    if (flows.length > 0) await flushConntrack(this.exec, flows, this.log);
  }

  async cleanup(): Promise<void> {
    this.known = false;
    this.lastPorts = undefined;
    await cleanupNftables(this.exec);
  }
}
