/**
 * A tiny JSON syntax tree for the fuzz generators. Plain JS objects cannot
 * hold duplicate keys, a literal `__proto__` key is easy to lose, and numbers
 * such as `1e400` or 2^64 do not survive a round trip through `number`; this
 * tree keeps all three, so the generated request text is exactly what the
 * generator meant.
 */

/** A JSON value: objects keep their entries in order, duplicates allowed; `raw` is a number literal written verbatim. */
export type Json =
  | null
  | boolean
  | number
  | string
  | { raw: string }
  | Json[]
  | { entries: Array<[string, Json]> };

/** One step of a path into a Json tree: an array index or an object key (first entry with that key). */
export type Step = number | string;

/** True for an object node. */
export function isObj(j: Json): j is { entries: Array<[string, Json]> } {
  return typeof j === 'object' && j !== null && !Array.isArray(j) && 'entries' in j;
}

/** True for a verbatim number literal node. */
export function isRaw(j: Json): j is { raw: string } {
  return typeof j === 'object' && j !== null && !Array.isArray(j) && 'raw' in j;
}

/** Builds an object node from key/value pairs (order kept). */
export function obj(...entries: Array<[string, Json]>): Json {
  return { entries };
}

/** Converts a plain JSON-compatible value (no cycles) to a tree. Throws on values JSON cannot express. */
export function fromJs(v: unknown): Json {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (Array.isArray(v)) return v.map(fromJs);
  if (typeof v === 'object') return { entries: Object.keys(v).map((k) => [k, fromJs((v as Record<string, unknown>)[k])] as [string, Json]) };
  throw new TypeError(`not JSON: ${typeof v}`);
}

/**
 * Serializes to JSON text iteratively (deep trees do not overflow the stack).
 * Duplicate keys, `__proto__` keys and raw number literals are written as they are.
 */
export function toText(root: Json): string {
  const out: string[] = [];
  const stack: Array<Json | { close: string } | { sep: string }> = [root];
  while (stack.length > 0) {
    const j = stack.pop() as Json | { close: string } | { sep: string };
    if (typeof j === 'object' && j !== null && !Array.isArray(j) && 'close' in j) { out.push(j.close); continue; }
    if (typeof j === 'object' && j !== null && !Array.isArray(j) && 'sep' in j) { out.push(j.sep); continue; }
    const v = j as Json;
    if (v === null || typeof v === 'boolean') out.push(String(v));
    else if (typeof v === 'number') out.push(Number.isFinite(v) ? JSON.stringify(v) : 'null');
    else if (typeof v === 'string') out.push(JSON.stringify(v));
    else if (isRaw(v)) out.push(v.raw);
    else if (Array.isArray(v)) {
      out.push('[');
      stack.push({ close: ']' });
      for (let i = v.length - 1; i >= 0; i--) {
        stack.push(v[i]);
        if (i > 0) stack.push({ sep: ',' });
      }
    } else {
      out.push('{');
      stack.push({ close: '}' });
      for (let i = v.entries.length - 1; i >= 0; i--) {
        const [k, val] = v.entries[i];
        stack.push(val);
        stack.push({ sep: `${i > 0 ? ',' : ''}${JSON.stringify(k)}:` });
      }
    }
  }
  return out.join('');
}

/**
 * The nodes of the tree with their paths (the root's is []), parents before
 * children: at most `limit` of them, none deeper than `maxDepth` steps (so a
 * 10,000-deep branch costs no more than a shallow one).
 */
export function nodes(root: Json, limit = 1000, maxDepth = 48): Array<[Step[], Json]> {
  const out: Array<[Step[], Json]> = [];
  let level: Array<[Step[], Json]> = [[[], root]];
  while (level.length > 0 && out.length < limit) {
    const next: Array<[Step[], Json]> = [];
    for (const [p, j] of level) {
      if (out.length >= limit) break;
      out.push([p, j]);
      if (p.length >= maxDepth) continue;
      if (Array.isArray(j)) j.forEach((c, i) => next.push([[...p, i], c]));
      else if (isObj(j)) for (const [k, c] of j.entries) next.push([[...p, k], c]);
    }
    level = next;
  }
  return out;
}

/** The paths of `nodes(root, limit)`. */
export function paths(root: Json, limit = 1000): Step[][] {
  return nodes(root, limit).map(([p]) => p);
}

/** The node at `path`, or undefined. */
export function at(root: Json, path: Step[]): Json | undefined {
  let cur: Json | undefined = root;
  for (const s of path) {
    if (cur === undefined) return undefined;
    if (typeof s === 'number') cur = Array.isArray(cur) ? cur[s] : undefined;
    else cur = isObj(cur) ? cur.entries.find(([k]) => k === s)?.[1] : undefined;
  }
  return cur;
}

/** A copy of `root` with the node at `path` replaced by `f(old)` (`undefined` from f removes it). Missing paths leave the tree as is. */
export function update(root: Json, path: Step[], f: (old: Json) => Json | undefined): Json | undefined {
  if (path.length === 0) return f(root);
  const [s, ...rest] = path;
  if (typeof s === 'number' && Array.isArray(root)) {
    if (s >= root.length) return root;
    const next = update(root[s], rest, f);
    const copy = root.slice();
    if (next === undefined) copy.splice(s, 1);
    else copy[s] = next;
    return copy;
  }
  if (typeof s === 'string' && isObj(root)) {
    const i = root.entries.findIndex(([k]) => k === s);
    if (i < 0) return root;
    const next = update(root.entries[i][1], rest, f);
    const entries = root.entries.slice();
    if (next === undefined) entries.splice(i, 1);
    else entries[i] = [s, next];
    return { entries };
  }
  return root;
}

/** A JSON-pointer (RFC 6901) for a path, e.g. ['metadata', 'labels', 'a/b'] → '/metadata/labels/a~1b'. */
export function pointer(path: Step[]): string {
  return path.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}
