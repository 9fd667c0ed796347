/**
 * Copies the documented patch/list facts (patch-facts.ts) onto the property
 * schemas as Kubernetes' vendor extensions. Throws when a fact names a
 * definition or property that does not exist, so a typo or an upstream
 * rename fails the generator instead of silently losing a merge key.
 */
import type { Schema } from '../types.ts';
import type { PatchFact } from './patch-facts.ts';

/** Applies `facts` to `definitions` in place. */
export function applyPatchFacts(definitions: Record<string, Schema>, facts: Record<string, Record<string, PatchFact>>): void {
  for (const [defName, props] of Object.entries(facts)) {
    const def = definitions[defName];
    if (!def?.properties) throw new Error(`patch facts name ${defName}, which is not generated`);
    for (const [prop, fact] of Object.entries(props)) {
      const s = Object.hasOwn(def.properties, prop) ? def.properties[prop] : undefined;
      if (!s) throw new Error(`patch facts name ${defName}.${prop}, which does not exist`);
      if (fact.mergeKey !== undefined) s['x-kubernetes-patch-merge-key'] = fact.mergeKey;
      if (fact.strategy !== undefined) s['x-kubernetes-patch-strategy'] = fact.strategy;
      if (fact.listType !== undefined) s['x-kubernetes-list-type'] = fact.listType;
      if (fact.listMapKeys !== undefined) s['x-kubernetes-list-map-keys'] = fact.listMapKeys;
    }
  }
}
