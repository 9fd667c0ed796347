/**
 * Limits on decoded request bodies that keep one request from exhausting the
 * stack: Kubernetes' JSON decoder (sigs.k8s.io/json) refuses nesting deeper
 * than 10,000 levels with "exceeded max depth". Both checks are iterative
 * and linear in the input, and throw 400 BadRequest.
 */
import { badRequest } from '../api/errors.ts';

/** The deepest nesting of arrays/objects a body may have (Kubernetes' maxNestingDepth). */
export const MAX_NESTING_DEPTH = 10000;

/**
 * Scans JSON text (without parsing it) and throws 400 `exceeded max depth`
 * if its arrays/objects nest deeper than `max` levels. Brackets inside strings
 * (escapes included) are skipped; syntax errors are left to JSON.parse.
 * Returns a bound no value parsed from `text` nests deeper than: the text's
 * length when it is at most `max` (nothing can nest deeper than its length,
 * so such text is not scanned), else the deepest bracket nesting seen.
 */
export function checkJsonDepth(text: string, max: number = MAX_NESTING_DEPTH): number {
  if (text.length <= max) return text.length;
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > deepest) {
        if (depth > max) throw badRequest('json: cannot unmarshal request body: exceeded max depth');
        deepest = depth;
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

/**
 * Checks a value decoded from a non-JSON format (YAML) holds only what JSON
 * can: plain objects, arrays, strings, finite numbers, booleans and null,
 * nested at most `max` levels. Throws 400 naming `source` otherwise.
 */
export function checkJsonValue(value: unknown, source: string, max: number = MAX_NESTING_DEPTH): void {
  const stack: Array<{ v: unknown; depth: number }> = [{ v: value, depth: 0 }];
  while (stack.length > 0) {
    const { v, depth } = stack.pop()!;
    if (v === null || typeof v === 'string' || typeof v === 'boolean') continue;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw badRequest(`${source}: the request body holds a number JSON cannot represent (${String(v)})`);
      continue;
    }
    if (typeof v !== 'object') throw badRequest(`${source}: the request body holds a ${typeof v} value, which JSON cannot represent`);
    const proto = Object.getPrototypeOf(v) as unknown;
    if (!Array.isArray(v) && proto !== Object.prototype && proto !== null) {
      throw badRequest(`${source}: the request body holds a value JSON cannot represent`);
    }
    if (depth + 1 > max) throw badRequest(`${source}: cannot unmarshal request body: exceeded max depth`);
    const children = Array.isArray(v) ? v : Object.values(v as Record<string, unknown>);
    for (const child of children) stack.push({ v: child, depth: depth + 1 });
  }
}
