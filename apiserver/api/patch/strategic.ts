/**
 * Strategic merge patch (`application/strategic-merge-patch+json`), following
 * k8s.io/apimachinery/pkg/util/strategicpatch. The merge keys and strategies
 * come from the document's schema (list-strategy.ts): lists with a merge key
 * merge element-wise; lists of primitives with the merge strategy
 * (finalizers) merge as sets; every other list, and every list where no
 * schema is known, is atomic.
 * Directives: `$patch: replace|merge|delete`, `$retainKeys`,
 * `$setElementOrder/<field>`, `$deleteFromPrimitiveList/<field>`; `null`
 * removes a key.
 */
import { badRequest } from '../errors.ts';
import { clone, isObject, jsonEqual, setOwn, type JsonObject } from './json-value.ts';
import { fieldSchema, itemSchema, listStrategy, type PatchSchema } from './list-strategy.ts';

const SET_ORDER = '$setElementOrder/';
const DELETE_PRIMITIVE = '$deleteFromPrimitiveList/';

/**
 * Applies a strategic merge patch to `original` and returns the result (inputs
 * untouched), merging lists as `schema` (the document's kind) says. Throws a
 * 400 StatusError on a malformed directive or a merge-list element without
 * its key.
 */
export function strategicMergePatch(original: unknown, patch: unknown, schema: PatchSchema | undefined): unknown {
  if (!isObject(patch)) throw badRequest('strategic merge patch must be a JSON object');
  const base = isObject(original) ? clone(original) : {};
  const out = mergeMap(base, patch, schema);
  return out ?? {};
}

const own = (o: JsonObject, k: string): unknown => (Object.hasOwn(o, k) ? o[k] : undefined);

function mergeMap(original: JsonObject, patch: JsonObject, at: PatchSchema | undefined): JsonObject | undefined {
  const directive = patch.$patch;
  if (directive === 'replace') {
    const copy = clone(patch);
    delete copy.$patch;
    return copy;
  }
  if (directive === 'delete') return undefined;
  if (directive !== undefined && directive !== 'merge') throw badRequest(`unknown patch type: ${String(directive)}`);
  const out = original;
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith(SET_ORDER) || k.startsWith(DELETE_PRIMITIVE)) continue;
    if (v === null) {
      delete out[k];
      continue;
    }
    const cur = own(out, k);
    const child = fieldSchema(at, k);
    if (isObject(v)) {
      const merged = mergeMap(isObject(cur) ? cur : {}, v, child);
      if (merged === undefined) delete out[k];
      else setOwn(out, k, merged);
    } else if (Array.isArray(v)) {
      setOwn(out, k, mergeList(Array.isArray(cur) ? cur : [], v, child));
    } else {
      setOwn(out, k, v);
    }
  }
  for (const [k, v] of Object.entries(patch)) {
    if (!k.startsWith(DELETE_PRIMITIVE)) continue;
    const field = k.slice(DELETE_PRIMITIVE.length);
    if (!Array.isArray(v)) throw badRequest(`${k} must be a list`);
    const cur = own(out, field);
    if (Array.isArray(cur)) setOwn(out, field, cur.filter((x) => !v.some((d) => jsonEqual(d, x))));
  }
  for (const [k, v] of Object.entries(patch)) {
    if (!k.startsWith(SET_ORDER)) continue;
    const field = k.slice(SET_ORDER.length);
    if (!Array.isArray(v)) throw badRequest(`${k} must be a list`);
    const cur = own(out, field);
    if (Array.isArray(cur)) setOwn(out, field, applyOrder(cur, v, listStrategy(fieldSchema(at, field)).mergeKey));
  }
  const retain = patch.$retainKeys;
  if (retain !== undefined) {
    if (!Array.isArray(retain)) throw badRequest('$retainKeys must be a list');
    const keep = new Set(retain.map(String));
    for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k];
  }
  return out;
}

function mergeList(original: unknown[], patch: unknown[], at: PatchSchema | undefined): unknown[] {
  const { mergeKey: key, set } = listStrategy(at);
  const items = itemSchema(at);
  if (key === undefined) {
    if (set) {
      const out = [...original];
      for (const p of patch) if (!out.some((o) => jsonEqual(o, p))) out.push(p);
      return out;
    }
    return clone(patch).filter((p) => !(isObject(p) && p.$patch !== undefined));
  }
  if (patch.some((p) => isObject(p) && p.$patch === 'replace')) {
    return clone(patch.filter((p) => !(isObject(p) && p.$patch === 'replace')));
  }
  const out = [...original];
  for (const p of patch) {
    if (!isObject(p)) {
      if (!out.some((o) => jsonEqual(o, p))) out.push(p);
      continue;
    }
    if (!Object.hasOwn(p, key)) throw badRequest(`map: ${JSON.stringify(p)} does not contain declared merge key: ${key}`);
    const idx = out.findIndex((o) => isObject(o) && jsonEqual(o[key], p[key]));
    if (p.$patch === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) {
      const merged = mergeMap(out[idx] as JsonObject, p, items);
      if (merged === undefined) out.splice(idx, 1);
      else out[idx] = merged;
    } else {
      const fresh = mergeMap({}, p, items);
      if (fresh !== undefined) out.push(fresh);
    }
  }
  return out;
}

/**
 * Reorders `list` to follow `order` (`$setElementOrder`): elements named in
 * `order` come first in that order; the others keep their relative order after
 * them. For merge-keyed lists `order` holds `{key: value}` maps.
 */
function applyOrder(list: unknown[], order: unknown[], key: string | undefined): unknown[] {
  const idOf = (x: unknown): unknown => (key !== undefined && isObject(x) ? x[key] : x);
  const rank = new Map<string, number>();
  order.forEach((o, i) => rank.set(JSON.stringify(idOf(o)), i));
  const ranked = list.map((x, i) => ({ x, i, r: rank.get(JSON.stringify(idOf(x))) }));
  ranked.sort((a, b) => {
    if (a.r !== undefined && b.r !== undefined) return a.r - b.r;
    if (a.r !== undefined) return -1;
    if (b.r !== undefined) return 1;
    return a.i - b.i;
  });
  return ranked.map((e) => e.x);
}
