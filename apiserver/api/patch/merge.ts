/** JSON Merge Patch (RFC 7386), as used by `application/merge-patch+json`. */
import { clone, getOwn, isObject, setOwn, type JsonObject } from './json-value.ts';

/**
 * Applies `patch` to `target` and returns the result (inputs untouched).
 * Objects merge recursively, `null` removes a key, anything else (arrays
 * included) replaces. A non-object patch replaces the whole target. Keys are
 * own data keys only: `__proto__` or `constructor` in a patch become plain
 * keys of the result and never touch a prototype.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const out: JsonObject = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else setOwn(out, k, mergePatch(getOwn(out, k), v));
  }
  return out;
}
