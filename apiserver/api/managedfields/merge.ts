/**
 * Merging an applied configuration into the live object (SMD typed/merge.go)
 * and pruning what the applier dropped (SMD merge/update.go prune,
 * addBackOwnedItems, addBackDanglingItems).
 */
import { clone, isObject } from '../patch/json-value.ts';
import { isPrefix, MAX_PATH_DEPTH, type FieldSet, type Path } from './fieldpath.ts';
import type { ListTypes } from './list-types.ts';
import { getAt, listItems, removeAt } from './values.ts';

/**
 * Merges `config` into `live` (neither mutated): maps merge key by key, a
 * `null` in the config removes the key, associative lists merge item by item
 * (config order, then live-only items), sets are unions, atomic lists and
 * scalars are replaced by the config.
 */
export function mergeApplied(live: unknown, config: unknown, listTypes: ListTypes): unknown {
  // Both are copied once here, at a shallow stack; the merge then shares subtrees of these private copies.
  return mergeValue(clone(live), clone(config), [], listTypes);
}

function mergeValue(l: unknown, r: unknown, names: readonly string[], lts: ListTypes, depth = 0): unknown {
  if (depth >= MAX_PATH_DEPTH) return r;
  if (isObject(r)) {
    const out: Record<string, unknown> = isObject(l) ? l : {};
    for (const [k, v] of Object.entries(r)) {
      if (v === null) delete out[k];
      else setOwn(out, k, mergeValue(Object.prototype.hasOwnProperty.call(out, k) ? out[k] : undefined, v, [...names, k], lts, depth + 1));
    }
    return out;
  }
  if (Array.isArray(r)) {
    if (!Array.isArray(l)) return r;
    const declared = lts(names);
    const li = listItems(declared, l);
    const ri = li.lt.type === 'atomic' ? li : listItems(declared, r);
    const lt = ri.lt;
    if (lt.type === 'atomic') return r;
    const live = new Map(l.map((x, i) => [li.pes[i], x]));
    const out: unknown[] = [];
    const used = new Set<string>();
    for (const [i, item] of r.entries()) {
      const pe = ri.pes[i];
      used.add(pe);
      out.push(lt.type === 'map' && live.has(pe) ? mergeValue(live.get(pe), item, names, lts, depth + 1) : item);
    }
    for (const [pe, x] of live) if (!used.has(pe)) out.push(x);
    return out;
  }
  return r;
}

/** Sets an own property, even one named `__proto__` (never the object's prototype). */
function setOwn(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  else o[k] = v;
}

/**
 * Removes from `merged` (mutated) what the applier owned last time
 * (`lastSet`) and no longer applies (`newSet`), unless some manager still
 * owns the node or something below it (`owned`, every manager's set
 * including the applier's new one). Parents left empty by a removal and not
 * owned by anyone are removed too (SMD's EnsureNamedFieldsAreMembers).
 */
export function pruneDropped(merged: unknown, lastSet: FieldSet, newSet: FieldSet, owned: FieldSet, listTypes: ListTypes): void {
  const keep = owned.union(newSet);
  const dropped = lastSet.difference(newSet).paths().filter((p) => !keep.has(p));
  const removedParents = new Map<string, Path>();
  const gone: Path[] = [];
  // Shallowest first: a removed node takes its subtree with it (items are found by key, so order among siblings is irrelevant).
  for (const p of dropped.sort((a, b) => a.length - b.length)) {
    if (keep.hasPrefix(p) || gone.some((g) => isPrefix(g, p))) continue;
    removeAt(merged, p, listTypes);
    gone.push(p);
    for (let n = p.length - 1; n >= 1; n--) {
      const parent = p.slice(0, n);
      if (!parent[parent.length - 1].startsWith('f:')) break;
      removedParents.set(JSON.stringify(parent), parent);
    }
  }
  for (const parent of [...removedParents.values()].sort((a, b) => b.length - a.length)) {
    if (keep.hasPrefix(parent)) continue;
    const v = getAt(merged, parent, listTypes);
    const empty = (isObject(v) && Object.keys(v).length === 0) || (Array.isArray(v) && v.length === 0);
    if (empty) removeAt(merged, parent, listTypes);
  }
}
