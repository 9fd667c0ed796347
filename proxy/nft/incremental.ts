/**
 * Builds the NftRuleset of a ProxyState reusing, per Service, the part
 * built at the previous sync when neither the Service nor its
 * EndpointSlices changed (same objects: informer caches hand out the same
 * object until it is updated). A one-endpoint change then rebuilds one
 * Service instead of all of them (kube-proxy tracks changed services for
 * the same reason). The result equals buildRuleset over the whole state.
 */
import type { Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import type { ProxyState } from '../backend.ts';
import { buildServicePorts, SERVICE_NAME_LABEL } from '../model.ts';
import { buildRuleset, emptyRuleset, VERDICT_MAPS, type NftRenderConfig, type NftRuleset } from './ruleset.ts';

interface Entry { service: Service; slices: EndpointSlice[]; part: NftRuleset }

/** See file doc. Not shared between backends; holds the previous sync's parts only. */
export class RulesetBuilder {
  private entries = new Map<string, Entry>();

  constructor(private readonly config: NftRenderConfig) {}

  /** The ruleset of `state`. Pure in effect: the cache changes only how fast. */
  build(state: ProxyState): NftRuleset {
    const slicesBy = new Map<string, EndpointSlice[]>();
    for (const s of state.endpointSlices) {
      const name = s.metadata?.labels?.[SERVICE_NAME_LABEL];
      if (!name) continue;
      const key = `${s.metadata?.namespace ?? ''}/${name}`;
      const list = slicesBy.get(key);
      if (list) list.push(s); else slicesBy.set(key, [s]);
    }
    const next = new Map<string, Entry>();
    const out = emptyRuleset();
    for (const service of state.services) {
      const key = `${service.metadata?.namespace ?? 'default'}/${service.metadata?.name ?? ''}`;
      const slices = slicesBy.get(key) ?? [];
      const prev = this.entries.get(key);
      const entry = prev && prev.service === service && sameRefs(prev.slices, slices)
        ? prev
        : { service, slices, part: buildRuleset(buildServicePorts([service], slices, { nodeName: this.config.nodeName }), this.config) };
      next.set(key, entry);
      merge(out, entry.part);
    }
    this.entries = next;
    return out;
  }

  /** Forgets every cached part (the next build computes everything). */
  reset(): void {
    this.entries = new Map();
  }
}

function sameRefs<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function merge(into: NftRuleset, part: NftRuleset): void {
  for (const [c, r] of part.chains) into.chains.set(c, r);
  for (const m of VERDICT_MAPS) for (const [k, v] of part.maps[m]) into.maps[m].set(k, v);
  for (const ip of part.clusterIPs) into.clusterIPs.add(ip);
  for (const h of part.hairpin) into.hairpin.add(h);
  for (const s of part.affinitySets) into.affinitySets.add(s);
}
