/**
 * Builds the NftRuleset of a ProxyState per Service, reusing the part built
 * at the previous sync when neither the Service nor its EndpointSlices
 * changed (same objects: informer caches hand out the same object until it
 * is updated), and reports the change as two small rulesets (the old and new
 * parts of the changed Services) so a one-endpoint change costs one Service,
 * not all of them (kube-proxy tracks changed services for the same reason).
 */
import type { Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import type { ProxyState } from '../backend.ts';
import { buildServicePorts, SERVICE_NAME_LABEL, type ServicePortInfo } from '../model.ts';
import { buildRuleset, emptyRuleset, mapOf, type NftMap, type NftRenderConfig, type NftRuleset } from './ruleset.ts';

interface Entry { service: Service; slices: EndpointSlice[]; ports: ServicePortInfo[]; part: NftRuleset }

/**
 * What one update changed: renderDelta(before, after) is the delta
 * transaction. `before` and `after` are merged on first use (a full sync
 * never reads them).
 */
export interface RulesetChange {
  /** The previous parts of the changed Services (hairpin: only pairs no Service uses any more). */
  readonly before: NftRuleset;
  /** Their new parts (hairpin: only pairs no Service used before). */
  readonly after: NftRuleset;
  /** Number of Services rebuilt, added or removed. */
  readonly services: number;
}

/**
 * See file doc. Holds the parts of the last update; `reset` forgets them.
 * Element keys other than hairpin pairs are assumed to belong to one
 * Service (ClusterIPs, NodePorts and externalIP ports are allocated so).
 */
export class RulesetBuilder {
  private entries = new Map<string, Entry>();
  /** hairpin pair → number of Services using it. */
  private hairpinRefs = new Map<string, number>();

  constructor(private readonly config: NftRenderConfig) {}

  /** Moves to `state`; returns the change since the previous update (everything after a reset). */
  update(state: ProxyState): RulesetChange {
    const slicesBy = new Map<string, EndpointSlice[]>();
    for (const s of state.endpointSlices) {
      const name = s.metadata?.labels?.[SERVICE_NAME_LABEL];
      if (!name) continue;
      const key = `${s.metadata?.namespace ?? ''}/${name}`;
      const list = slicesBy.get(key);
      if (list) list.push(s); else slicesBy.set(key, [s]);
    }
    const next = new Map<string, Entry>();
    /** Changed Services: [key, old part, new part]. */
    const changed: Array<[string, NftRuleset | undefined, NftRuleset | undefined]> = [];
    for (const service of state.services) {
      const key = `${service.metadata?.namespace ?? 'default'}/${service.metadata?.name ?? ''}`;
      const slices = slicesBy.get(key) ?? [];
      const prev = this.entries.get(key);
      if (prev && prev.service === service && sameRefs(prev.slices, slices)) {
        next.set(key, prev);
        continue;
      }
      const ports = buildServicePorts([service], slices, { nodeName: this.config.nodeName, iptablesChainNames: false });
      const part = buildRuleset(ports, this.config);
      next.set(key, { service, slices, ports, part });
      changed.push([key, prev?.part, part]);
    }
    for (const [key, prev] of this.entries) if (!next.has(key)) changed.push([key, prev.part, undefined]);
    this.entries = next;
    // Hairpin pairs are shared between Services (one endpoint IP in many): count users; only a first use or a last
    // release changes the kernel set.
    const delta = new Map<string, number>();
    for (const [, old, neu] of changed) {
      if (old) for (const h of old.hairpin) delta.set(h, (delta.get(h) ?? 0) - 1);
      if (neu) for (const h of neu.hairpin) delta.set(h, (delta.get(h) ?? 0) + 1);
    }
    const gone = new Set<string>();
    const added = new Set<string>();
    for (const [h, d] of delta) {
      if (d === 0) continue;
      const was = this.hairpinRefs.get(h) ?? 0;
      const now = was + d;
      if (now <= 0) this.hairpinRefs.delete(h); else this.hairpinRefs.set(h, now);
      if (was === 0 && now > 0) added.add(h);
      if (was > 0 && now <= 0) gone.add(h);
    }
    let merged: { before: NftRuleset; after: NftRuleset } | undefined;
    const rulesets = (): { before: NftRuleset; after: NftRuleset } => {
      if (merged) return merged;
      // Merged in name order so the delta is deterministic.
      changed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      const before = emptyRuleset();
      const after = emptyRuleset();
      const goneInOrder = new Set<string>();
      const addedInOrder = new Set<string>();
      for (const [, old, neu] of changed) {
        if (old) {
          merge(before, old);
          for (const h of old.hairpin) if (gone.has(h)) goneInOrder.add(h);
        }
        if (neu) {
          merge(after, neu);
          for (const h of neu.hairpin) if (added.has(h)) addedInOrder.add(h);
        }
      }
      before.hairpin = goneInOrder;
      after.hairpin = addedInOrder;
      return (merged = { before, after });
    };
    return { get before() { return rulesets().before; }, get after() { return rulesets().after; }, services: changed.length };
  }

  /** The whole current ruleset (every Service's part merged), for full syncs. */
  current(): NftRuleset {
    const out = emptyRuleset();
    for (const e of this.entries.values()) merge(out, e.part);
    return out;
  }

  /**
   * The service ports of the last update. An unchanged Service keeps its
   * ServicePortInfo objects from update to update (until a reset), so
   * callers can diff by identity (the UDP conntrack cleanup does).
   */
  ports(): ServicePortInfo[] {
    const out: ServicePortInfo[] = [];
    for (const e of this.entries.values()) for (const sp of e.ports) out.push(sp);
    return out;
  }

  /** Forgets every part: the next update rebuilds (and reports) everything. */
  reset(): void {
    this.entries = new Map();
    this.hairpinRefs = new Map();
  }
}

function sameRefs<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Adds `part` into `into` (hairpin pairs counted per Service by the caller). */
function merge(into: NftRuleset, part: NftRuleset): void {
  for (const [c, r] of part.chains) into.chains.set(c, r);
  for (const m of Object.keys(part.maps) as NftMap[]) {
    const els = part.maps[m];
    if (els === undefined) continue;
    const to = mapOf(into, m);
    for (const [k, v] of els) to.set(k, v);
  }
  for (const ip of part.clusterIPs) into.clusterIPs.add(ip);
  for (const h of part.hairpin) into.hairpin.add(h);
  for (const s of part.affinitySets) into.affinitySets.add(s);
}
