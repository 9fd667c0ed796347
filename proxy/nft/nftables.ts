/**
 * The nftables data plane (`--proxy-mode nftables`): applies renderer
 * transactions with `nft -f -` through the injected Exec, remembers what the
 * kernel holds, and removes the table on cleanup. Mirrors kube-proxy's
 * nftables proxier (pkg/proxy/nftables/proxier.go, CleanupLeftovers).
 */
import type { Logger } from '../../apiserver/api/log.ts';
import type { ProxyBackend, ProxyState } from '../backend.ts';
import { hostExec, mustExec, type Exec } from '../exec.ts';
import { isAffinitySetName, isServiceChainName, NFT_TABLE } from './names.ts';
import { renderDelta, renderFull } from './render.ts';
import { RulesetBuilder } from './incremental.ts';
import type { NftRenderConfig, NftRuleset } from './ruleset.ts';

/** Runs one `nft -f -` transaction (all or nothing). Throws with nft's stderr on failure. */
export async function applyNft(exec: Exec, payload: string): Promise<void> {
  await mustExec(exec, 'nft', ['-f', '-'], payload);
}

/**
 * The per-service chains and affinity sets of our table, as the kernel has
 * them (`nft list chains ip` / `nft -t list sets ip`, filtered to `table ip
 * skiff`). Empty when the table does not exist. Throws if nft fails otherwise.
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
  return { chains: (await ours('chains', 'chain')).filter(isServiceChainName), sets: (await ours('sets', 'set')).filter(isAffinitySetName) };
}

/**
 * Deletes `table ip skiff` and everything in it. Idempotent: `add table`
 * then `delete table` in one transaction succeeds whether or not it existed
 * (kube-proxy's CleanupLeftovers does the same). Throws if nft fails.
 */
export async function cleanupNftables(exec: Exec = hostExec): Promise<void> {
  await applyNft(exec, `add table ip ${NFT_TABLE}\ndelete table ip ${NFT_TABLE}\n`);
}

/**
 * ProxyBackend on nftables. A full sync rewrites the whole table in one
 * transaction (after re-reading the kernel's per-service chains and sets
 * when the table's contents are unknown: first sync, or after a failure);
 * a partial sync sends only the delta against the last applied ruleset, and
 * runs no command when nothing changed. Throws on failure; the caller must
 * then retry with full=true.
 */
export class NftablesBackend implements ProxyBackend {
  /** What the kernel holds after the last successful apply; undefined = unknown. */
  private applied: NftRuleset | undefined;
  private readonly builder: RulesetBuilder;

  constructor(
    private readonly config: NftRenderConfig,
    private readonly log: Logger,
    private readonly exec: Exec = hostExec,
  ) {
    this.builder = new RulesetBuilder(config);
  }

  async sync(state: ProxyState, full: boolean): Promise<void> {
    const next = this.builder.build(state);
    const prev = this.applied;
    let payload: string;
    if (full || prev === undefined) {
      const existing = prev !== undefined
        ? { chains: prev.chains.keys(), sets: prev.affinitySets }
        : await listNftObjects(this.exec);
      payload = renderFull(next, this.config, existing);
    } else {
      payload = renderDelta(prev, next);
      if (payload === '') return;
    }
    const started = Date.now();
    this.applied = undefined;
    await applyNft(this.exec, payload);
    this.applied = next;
    this.log.debug('nftables synced', { full, ms: Date.now() - started, bytes: payload.length, chains: next.chains.size });
  }

  async cleanup(): Promise<void> {
    this.applied = undefined;
    await cleanupNftables(this.exec);
  }
}
