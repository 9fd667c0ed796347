/**
 * Builds the NftRuleset of a ProxyState per Service, reusing what was built
 * at the previous sync when neither the Service nor its EndpointSlices
 * changed (same objects: informer caches hand out the same object until it
 * is updated), keeps the whole ruleset up to date for full syncs, and
 * reports the change as two small rulesets (the old and new parts of the
 * changed Services) so a one-endpoint change costs one Service, not all of
 * them (kube-proxy tracks changed services for the same reason); a change
 * of the node IPs (ProxyState.nodeIPs) rebuilds the Services with a
 * load-balancer firewall, which read them (allowFromNode). The first
 * update (and the one after a reset) builds straight into the whole
 * ruleset: no per-Service part is kept until a delta needs one.
 */
import type { Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import { dependsOnNodeIPs } from '../allow-from-node.ts';
import type { ProxyState } from '../backend.ts';
import { buildServicePorts, SERVICE_NAME_LABEL, type ModelConfig, type ServicePortInfo } from '../model.ts';
import { addServicePorts, buildRuleset, emptyRuleset, mapOf, type NftMap, type NftRenderConfig, type NftRuleset } from './ruleset.ts';

/** One Service as last built; `part` (its objects, pure in `ports`) is built when a delta first needs it. */
interface Entry { service: Service; slices: EndpointSlice[]; ports: ServicePortInfo[]; part?: NftRuleset }

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
 * See file doc. Holds the Services of the last update and the whole
 * ruleset; `reset` forgets them. Element keys other than hairpin pairs are
 * assumed to belong to one Service (ClusterIPs, NodePorts and externalIP
 * ports are allocated so).
 */
export class RulesetBuilder {
  private entries = new Map<string, Entry>();
  /** hairpin pair → number of Services using it. */
  private hairpinRefs = new Map<string, number>();
  /** Every Service's objects merged (hairpin: the pairs with a user). */
  private whole = emptyRuleset();
  /** The node IPs of the last update, joined by ','. */
  private nodeIPs = '';

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
    const fresh = this.entries.size === 0;
    const model: ModelConfig = { nodeName: this.config.nodeName, nodeIPs: state.nodeIPs, iptablesChainNames: false };
    const nodeIPs = (state.nodeIPs ?? []).join(',');
    const sameNodeIPs = nodeIPs === this.nodeIPs;
    this.nodeIPs = nodeIPs;
    const whole = this.whole;
    const refs = this.hairpinRefs;
    const next = new Map<string, Entry>();
    /** Changed Services: [key, previous entry, new entry]. */
    const changed: Array<[string, Entry | undefined, Entry | undefined]> = [];
    const gone = new Set<string>();
    const added = new Set<string>();
    for (const service of state.services) {
      const key = `${service.metadata?.namespace ?? 'default'}/${service.metadata?.name ?? ''}`;
      const slices = slicesBy.get(key) ?? [];
      const prev = this.entries.get(key);
      // A node IP change rebuilds only the Services whose firewall reads the node IPs.
      if (prev && prev.service === service && sameRefs(prev.slices, slices) && (sameNodeIPs || !prev.ports.some(dependsOnNodeIPs))) {
        next.set(key, prev);
        continue;
      }
      const entry: Entry = { service, slices, ports: buildServicePorts([service], slices, model) };
      next.set(key, entry);
      changed.push([key, prev, entry]);
      if (fresh) {
        // Straight into the whole ruleset: no part, nothing to remove, every hairpin pair is new (not recorded in `added`).
        for (const h of addServicePorts(whole, entry.ports, this.config)) refs.set(h, (refs.get(h) ?? 0) + 1);
      }
    }
    for (const [key, prev] of this.entries) if (!next.has(key)) changed.push([key, prev, undefined]);
    this.entries = next;
    if (!fresh) {
      // Every old part out, then every new part in; hairpin pairs are shared between Services (one endpoint IP in
      // many), so only a first use or a last release changes the set.
      const delta = new Map<string, number>();
      for (const [, old] of changed) {
        if (!old) continue;
        const part = partOf(old, this.config);
        unmerge(whole, part);
        for (const h of part.hairpin) delta.set(h, (delta.get(h) ?? 0) - 1);
      }
      for (const [, , neu] of changed) {
        if (!neu) continue;
        const part = partOf(neu, this.config);
        merge(whole, part);
        for (const h of part.hairpin) delta.set(h, (delta.get(h) ?? 0) + 1);
      }
      for (const [h, d] of delta) {
        if (d === 0) continue;
        const was = refs.get(h) ?? 0;
        const now = was + d;
        if (now <= 0) refs.delete(h); else refs.set(h, now);
        if (was === 0 && now > 0) { added.add(h); whole.hairpin.add(h); }
        if (was > 0 && now <= 0) { gone.add(h); whole.hairpin.delete(h); }
      }
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
          const part = partOf(old, this.config);
          merge(before, part);
          for (const h of part.hairpin) if (gone.has(h)) goneInOrder.add(h);
        }
        if (neu) {
          const part = partOf(neu, this.config);
          merge(after, part);
          for (const h of part.hairpin) if (fresh || added.has(h)) addedInOrder.add(h);
        }
      }
      before.hairpin = goneInOrder;
      after.hairpin = addedInOrder;
      return (merged = { before, after });
    };
    return { get before() { return rulesets().before; }, get after() { return rulesets().after; }, services: changed.length };
  }

  /** The whole current ruleset (every Service's objects), for full syncs. Kept up to date by update: do not modify it. */
  current(): NftRuleset {
    return this.whole;
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
    this.whole = emptyRuleset();
  }
}

function sameRefs<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** An entry's objects, built from its ports (pure) on first use. */
function partOf(e: Entry, config: NftRenderConfig): NftRuleset {
  return (e.part ??= buildRuleset(e.ports, config));
}

/** Removes `part`'s chains, elements, ClusterIPs and affinity sets from `from` (hairpin pairs: by the caller). */
function unmerge(from: NftRuleset, part: NftRuleset): void {
  for (const c of part.chains.keys()) from.chains.delete(c);
  for (const m of Object.keys(part.maps) as NftMap[]) {
    const els = part.maps[m];
    const to = from.maps[m];
    if (els === undefined || to === undefined) continue;
    for (const k of els.keys()) to.delete(k);
    if (to.size === 0) delete from.maps[m];
  }
  for (const ip of part.clusterIPs) from.clusterIPs.delete(ip);
  for (const s of part.affinitySets) from.affinitySets.delete(s);
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
