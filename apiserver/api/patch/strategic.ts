/**
 * Strategic merge patch (`application/strategic-merge-patch+json`), following
 * k8s.io/apimachinery/pkg/util/strategicpatch for the built-in types Skiff
 * serves. Lists with a merge key merge element-wise; lists of primitives with
 * the merge strategy (finalizers) merge as sets; every other list is atomic.
 * Directives: `$patch: replace|merge|delete`, `$retainKeys`,
 * `$setElementOrder/<field>`, `$deleteFromPrimitiveList/<field>`; `null`
 * removes a key.
 */
import { badRequest } from '../errors.ts';
import { clone, isObject, jsonEqual, type JsonObject } from './json-value.ts';

const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

/** Field name → merge key, for fields whose key does not depend on the parent. */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  conditions: 'type',
  ownerReferences: 'uid',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
  addresses: 'type',
};

/** Lists of primitives merged as sets (patchStrategy "merge" on a []string). */
const PRIMITIVE_MERGE = new Set(['finalizers']);

/**
 * The merge key of the list at `path` (field names from the root, no list
 * indices), or undefined when the list is atomic. `ports` is keyed by
 * containerPort inside a container and by port elsewhere (Service).
 */
export function mergeKeyFor(path: readonly string[]): string | undefined {
  const field = path[path.length - 1];
  if (field === 'ports') return path.some((p) => CONTAINER_LISTS.has(p)) ? 'containerPort' : 'port';
  return MERGE_KEYS[field];
}

const SET_ORDER = '$setElementOrder/';
const DELETE_PRIMITIVE = '$deleteFromPrimitiveList/';

/**
 * Applies a strategic merge patch to `original` and returns the result (inputs
 * untouched). Throws a 400 StatusError on a malformed directive.
 */
export function strategicMergePatch(original: unknown, patch: unknown): unknown {
  if (!isObject(patch)) throw badRequest('strategic merge patch must be a JSON object');
  const base = isObject(original) ? clone(original) : {};
  const out = mergeMap(base, patch, []);
  return out ?? {};
}

function mergeMap(original: JsonObject, patch: JsonObject, path: string[]): JsonObject | undefined {
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
    const cur = out[k];
    const childPath = [...path, k];
    if (isObject(v)) {
      const merged = mergeMap(isObject(cur) ? cur : {}, v, childPath);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    } else if (Array.isArray(v)) {
      out[k] = mergeList(Array.isArray(cur) ? cur : [], v, childPath);
    } else {
      out[k] = v;
    }
  }
  for (const [k, v] of Object.entries(patch)) {
    if (!k.startsWith(DELETE_PRIMITIVE)) continue;
    const field = k.slice(DELETE_PRIMITIVE.length);
    if (!Array.isArray(v)) throw badRequest(`${k} must be a list`);
    const cur = out[field];
    if (Array.isArray(cur)) out[field] = cur.filter((x) => !v.some((d) => jsonEqual(d, x)));
  }
  for (const [k, v] of Object.entries(patch)) {
    if (!k.startsWith(SET_ORDER)) continue;
    const field = k.slice(SET_ORDER.length);
    if (!Array.isArray(v)) throw badRequest(`${k} must be a list`);
    const cur = out[field];
    if (Array.isArray(cur)) out[field] = applyOrder(cur, v, mergeKeyFor([...path, field]));
  }
  const retain = patch.$retainKeys;
  if (retain !== undefined) {
    if (!Array.isArray(retain)) throw badRequest('$retainKeys must be a list');
    const keep = new Set(retain.map(String));
    for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k];
  }
  return out;
}

function mergeList(original: unknown[], patch: unknown[], path: string[]): unknown[] {
  const field = path[path.length - 1];
  const key = mergeKeyFor(path);
  if (key === undefined) {
    if (PRIMITIVE_MERGE.has(field)) {
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
    if (!(key in p)) throw badRequest(`map: ${JSON.stringify(p)} does not contain declared merge key: ${key}`);
    const idx = out.findIndex((o) => isObject(o) && jsonEqual(o[key], p[key]));
    if (p.$patch === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) {
      const merged = mergeMap(out[idx] as JsonObject, p, path);
      if (merged === undefined) out.splice(idx, 1);
      else out[idx] = merged;
    } else {
      const fresh = mergeMap({}, p, path);
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
