/**
 * Partial syncs (kube-proxy's MinimizeIPTablesRestore): of the rendered
 * chains, only those whose rules differ from what the last successful apply
 * wrote are rewritten. With `--noflush`, a chain that is not declared is
 * left as it is. Unlike kube-proxy, unchanged fixed chains (KUBE-SERVICES
 * with one rule per service port) are skipped too: rewriting a 5,000-rule
 * KUBE-SERVICES alone costs iptables-nft about 0.3 s.
 */
import type { RenderedChain } from './render.ts';

/** What the kernel holds since the last successful apply: per table, chain → rules text. */
export interface AppliedChains {
  filter: Map<string, string>;
  nat: Map<string, string>;
}

/** Nothing known to be applied (start, or after a failure). */
export function nothingApplied(): AppliedChains {
  return { filter: new Map(), nat: new Map() };
}

/** The applied state after exactly `chains` were written (a full apply). */
export function appliedState(chains: readonly RenderedChain[]): AppliedChains {
  const out = nothingApplied();
  for (const c of chains) out[c.table].set(c.name, c.rules);
  return out;
}

/** `applied` updated in place after a partial apply that wrote `written` and deleted `deleted` (nat). */
export function applyChanges(applied: AppliedChains, written: readonly RenderedChain[], deleted: readonly string[]): void {
  for (const c of written) applied[c.table].set(c.name, c.rules);
  for (const c of deleted) applied.nat.delete(c);
}

/** The chains of `desired` that are not in `applied` with the same rules, in order. Pure. */
export function changedChains(desired: readonly RenderedChain[], applied: AppliedChains): RenderedChain[] {
  return desired.filter((c) => applied[c.table].get(c.name) !== c.rules);
}
