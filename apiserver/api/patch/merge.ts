/** JSON Merge Patch (RFC 7386), as used by `application/merge-patch+json`. */
import { clone, isObject, setOwn } from './json-value.ts';

/**
 * Applies `patch` to `target` and returns the result (inputs untouched).
 * Objects merge recursively, `null` removes a key, anything else (arrays
 * included) replaces. A non-object patch replaces the whole target.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const out: Record<string, unknown> = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else setOwn(out, k, mergePatch(Object.hasOwn(out, k) ? out[k] : undefined, v));
  }
  return out;
}
