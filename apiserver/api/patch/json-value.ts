/**
 * Small helpers for plain JSON values shared by the patch implementations.
 * Keys are data: `__proto__`, `constructor` and `prototype` are read and
 * written as own properties only (as Go's map[string]interface{} does in
 * Kubernetes), so no patch can reach an object's prototype.
 */

/** A JSON object (not an array, not null). */
export type JsonObject = { [k: string]: unknown };

/** True for a plain JSON object (not an array, not null). */
export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** True when `obj` has `key` as an own property (never an inherited one such as `constructor`). */
export function hasOwn(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

/** The own property `key` of `obj`, or undefined (`constructor`, `__proto__`, `toString` read as absent unless own). */
export function getOwn(obj: JsonObject, key: string): unknown {
  return hasOwn(obj, key) ? obj[key] : undefined;
}

/** Sets `obj[key] = value` as an own data property; a `__proto__` key becomes a plain key, never the prototype. */
export function setOwn(obj: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

/** Deep copy of a JSON value (own enumerable data only; `__proto__` keys stay plain keys). */
export function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/** Deep equality of two JSON values (key order ignored; own keys only). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

/**
 * True when `v` nests objects/lists deeper than `max` levels (a scalar is 0,
 * `{}` is 1). Iterative, so it is safe on input that would overflow the
 * stack of the recursive algorithms that follow.
 */
export function exceedsDepth(v: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[v, 0]];
  while (stack.length > 0) {
    const [x, d] = stack.pop()!;
    if (typeof x !== 'object' || x === null) continue;
    if (d + 1 > max) return true;
    for (const c of Array.isArray(x) ? x : Object.values(x)) if (typeof c === 'object' && c !== null) stack.push([c, d + 1]);
  }
  return false;
}
