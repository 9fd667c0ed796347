/**
 * Partial syncs (kube-proxy's MinimizeIPTablesRestore): from a full
 * rendered payload, drop the per-service chains whose rules are unchanged
 * since the last successful apply. With `--noflush`, a chain that is not
 * declared is left as it is, so only changed chains are rewritten. The fixed
 * chains (KUBE-SERVICES, ...) and stale-chain deletions are always kept.
 */
import { isDynamicChain } from './chains.ts';

/** A full payload split into what partial syncs compare. */
export interface PayloadParts {
  /** Every line that does not belong to a dynamic chain (tables, fixed chains, their rules). */
  fixed: string;
  /** Dynamic chain → its rules (joined), for chains the payload keeps. */
  chains: Map<string, string>;
  /** Dynamic chains the payload deletes (`-X`). */
  stale: string[];
}

/** The dynamic chain a payload line belongs to (declaration, rule or deletion), if any. */
function dynamicChainOf(line: string): string | undefined {
  let name: string | undefined;
  if (line.startsWith(':')) name = line.slice(1).split(' ')[0];
  else if (line.startsWith('-A ') || line.startsWith('-X ')) name = line.slice(3).split(' ')[0];
  return name !== undefined && isDynamicChain(name) ? name : undefined;
}

/** Splits a payload from renderRules into fixed text, per-chain rules and stale chains. Pure. */
export function splitPayload(payload: string): PayloadParts {
  const fixed: string[] = [];
  const rules = new Map<string, string[]>();
  const stale: string[] = [];
  for (const line of payload.split('\n')) {
    const chain = dynamicChainOf(line);
    if (chain === undefined) { fixed.push(line); continue; }
    if (line.startsWith('-X ')) { stale.push(chain); continue; }
    const list = rules.get(chain) ?? [];
    if (line.startsWith('-A ')) list.push(line);
    rules.set(chain, list);
  }
  for (const c of stale) rules.delete(c);
  return { fixed: fixed.join('\n'), chains: new Map([...rules].map(([c, r]) => [c, r.join('\n')])), stale };
}

/**
 * `payload` without the declarations and rules of dynamic chains whose rules
 * equal `applied` (what the kernel holds from the last successful apply).
 * Stale chains are kept (declared, then `-X`). Pure.
 */
export function minimizePayload(payload: string, applied: ReadonlyMap<string, string>): string {
  const parts = splitPayload(payload);
  const unchanged = new Set([...parts.chains].filter(([c, r]) => applied.get(c) === r).map(([c]) => c));
  return payload.split('\n').filter((line) => {
    const chain = dynamicChainOf(line);
    return chain === undefined || !unchanged.has(chain);
  }).join('\n');
}
