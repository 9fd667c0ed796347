/**
 * Strategic merge patch (`application/strategic-merge-patch+json`), following
 * k8s.io/apimachinery/pkg/util/strategicpatch. The merge keys and strategies
 * come from the document's schema (list-strategy.ts): lists with a merge key
 * merge element-wise; lists of primitives with the merge strategy
 * (finalizers) merge as sets; every other list, and every list where no
 * schema is known, is atomic.
 * Directives: `$patch: replace|merge|delete`, `$retainKeys`,
 * `$setElementOrder/<field>`, `$deleteFromPrimitiveList/<field>`; `null`
 * removes a key. Keys are own data keys only (`__proto__`, `constructor` and
 * `prototype` are plain keys of the result, never a prototype); a directive
 * of the wrong shape is a 400 with Kubernetes' mergepatch message.
 */
import { badRequest } from '../errors.ts';
import { clone, getOwn, hasOwn, isObject, jsonEqual, setOwn, type JsonObject } from './json-value.ts';
import { fieldSchema, itemSchema, listStrategy, type PatchSchema } from './list-strategy.ts';

/** Kubernetes mergepatch.ErrBadPatchFormatForRetainKeys and friends (400). */
const BAD_RETAIN_KEYS = 'invalid patch format of retainKeys';
const BAD_SET_ORDER = 'invalid patch format of setElementOrder list';
const BAD_PRIMITIVE_LIST = 'invalid patch format of primitive list';

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

function mergeMap(original: JsonObject, patch: JsonObject, at: PatchSchema | undefined): JsonObject | undefined {
  const directive = getOwn(patch, '$patch');
  if (directive === 'replace') {
    const copy = clone(patch);
    delete copy.$patch;
    return copy;
  }
  if (directive === 'delete') return undefined;
  if (directive !== undefined && directive !== 'merge') throw badRequest(`unknown patch type: ${JSON.stringify(directive)} in map: ${JSON.stringify(patch)}`);
  const out = original;
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith(SET_ORDER) || k.startsWith(DELETE_PRIMITIVE)) continue;
    if (v === null) {
      delete out[k];
      continue;
    }
    const cur = getOwn(out, k);
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
    if (!Array.isArray(v)) throw badRequest(BAD_PRIMITIVE_LIST);
    const cur = getOwn(out, field);
    if (Array.isArray(cur)) setOwn(out, field, cur.filter((x) => !v.some((d) => jsonEqual(d, x))));
  }
  for (const [k, v] of Object.entries(patch)) {
    if (!k.startsWith(SET_ORDER)) continue;
    const field = k.slice(SET_ORDER.length);
    if (!Array.isArray(v)) throw badRequest(BAD_SET_ORDER);
    const key = listStrategy(fieldSchema(at, field)).mergeKey;
    if (key !== undefined && v.some((o) => !isObject(o) || !hasOwn(o, key))) throw badRequest(BAD_SET_ORDER);
    const cur = getOwn(out, field);
    if (Array.isArray(cur)) setOwn(out, field, applyOrder(cur, v, key));
  }
  const retain = getOwn(patch, '$retainKeys');
  if (retain !== undefined) {
    if (!Array.isArray(retain) || retain.some((x) => typeof x !== 'string')) throw badRequest(BAD_RETAIN_KEYS);
    const keep = new Set<unknown>(retain);
    for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k];
  }
  return out;
}

/** The `$patch` directive of a list element, or undefined (only objects carry one). */
function directiveOf(p: unknown): unknown {
  return isObject(p) ? getOwn(p, '$patch') : undefined;
}

function mergeList(original: unknown[], patch: unknown[], at: PatchSchema | undefined): unknown[] {
  const { mergeKey: key, set } = listStrategy(at);
  const items = itemSchema(at);
  if (key === undefined) {
    if (set) {
      const out = [...original];
      for (const p of patch) if (!out.some((o) => jsonEqual(o, p))) out.push(clone(p));
      return out;
    }
    return clone(patch).filter((p) => directiveOf(p) === undefined);
  }
  if (patch.some((p) => directiveOf(p) === 'replace')) {
    return clone(patch.filter((p) => directiveOf(p) !== 'replace'));
  }
  const out = [...original];
  for (const p of patch) {
    if (!isObject(p)) {
      if (!out.some((o) => jsonEqual(o, p))) out.push(clone(p));
      continue;
    }
    if (!hasOwn(p, key)) throw badRequest(`map: ${JSON.stringify(p)} does not contain declared merge key: ${key}`);
    const idx = out.findIndex((o) => isObject(o) && hasOwn(o, key) && jsonEqual(o[key], p[key]));
    if (getOwn(p, '$patch') === 'delete') {
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
  const idOf = (x: unknown): unknown => (key !== undefined && isObject(x) ? getOwn(x, key) : x);
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
