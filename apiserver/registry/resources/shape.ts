/**
 * The JSON shape a strategy relies on, checked before any of its hooks run
 * (defense in depth under the schema check): for the fields a strategy reads,
 * the JSON type (string, boolean, int32/int64 within range, quantity,
 * int-or-string, object, list, map). Fields not described are not checked
 * here. A `null` object field is dropped first, as Go's decoder leaves an
 * unset field for JSON null.
 */
import type { FieldCause } from '../../api/errors.ts';
import { invalidValue, MAX_INT32, typeError } from '../../api/validation.ts';

/** A field's expected JSON shape. */
export type Shape =
  | 'string' | 'bool' | 'int32' | 'int64' | 'quantity' | 'intstr' | 'any'
  | { object: { [field: string]: Shape } }
  | { list: Shape }
  | { map: Shape };

const MIN_INT32 = -2147483648;

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function intCauses(path: string, v: unknown, bits: 32 | 64): FieldCause[] {
  if (typeof v !== 'number' || !Number.isInteger(v)) return [typeError(path, v, 'integer')];
  const [lo, hi] = bits === 32 ? [MIN_INT32, MAX_INT32] : [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
  if (v < lo || v > hi) return [invalidValue(path, v, `must be between ${lo} and ${hi}, inclusive`)];
  return [];
}

/**
 * Checks `v` at `path` against `shape`, appending causes to `out`; drops
 * `null` fields of described objects in place (with `dropNulls`; else they
 * are only accepted). Own keys only.
 */
export function checkShape(v: unknown, shape: Shape, path: string, out: FieldCause[], dropNulls = true): void {
  switch (shape) {
    case 'any': return;
    case 'string': if (typeof v !== 'string') out.push(typeError(path, v, 'string')); return;
    case 'bool': if (typeof v !== 'boolean') out.push(typeError(path, v, 'boolean')); return;
    case 'int32': out.push(...intCauses(path, v, 32)); return;
    case 'int64': out.push(...intCauses(path, v, 64)); return;
    case 'quantity':
      if (typeof v !== 'string' && (typeof v !== 'number' || !Number.isFinite(v))) out.push(typeError(path, v, 'string'));
      return;
    case 'intstr':
      if (typeof v !== 'string') out.push(...intCauses(path, v, 32));
      return;
  }
  if ('object' in shape) {
    if (!isObj(v)) { out.push(typeError(path, v, 'object')); return; }
    // for-in, not Object.entries: this runs for every described object of every write, and entries allocates a pair per field.
    const fields = shape.object;
    for (const f in fields) {
      if (!Object.hasOwn(fields, f) || !Object.hasOwn(v, f)) continue;
      const s = fields[f];
      if (v[f] === null) {
        if (dropNulls) delete v[f];
        continue;
      }
      checkShape(v[f], s, path === '' ? f : `${path}.${f}`, out, dropNulls);
    }
  } else if ('list' in shape) {
    if (!Array.isArray(v)) { out.push(typeError(path, v, 'array')); return; }
    v.forEach((x, i) => checkShape(x, shape.list, `${path}[${i}]`, out, dropNulls));
  } else {
    if (!isObj(v)) { out.push(typeError(path, v, 'object')); return; }
    for (const [k, x] of Object.entries(v)) checkShape(x, shape.map, `${path}[${k}]`, out, dropNulls);
  }
}

/** The causes of `obj` against an object shape (empty when it fits). */
export function shapeCauses(obj: unknown, shape: Shape): FieldCause[] {
  const out: FieldCause[] = [];
  checkShape(obj, shape, '', out);
  return out;
}

/** True when `obj` fits `shape` (null fields count as unset); never changes `obj`. */
export function fitsShape(obj: unknown, shape: Shape): boolean {
  const out: FieldCause[] = [];
  checkShape(obj, shape, '', out, false);
  return out.length === 0;
}

/**
 * A fit test of one shape, compiled: true when the value fits (what
 * checkShape finds no cause for); with `dropNulls`, null fields of described
 * objects are dropped in place on the way (up to the first misfit).
 */
type Fit = (v: unknown, dropNulls: boolean) => boolean;

const isInt = (v: unknown, lo: number, hi: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;

/** Compiles `shape` (sub-shapes shared in the shape are compiled once, through `memo`). */
function compileFit(shape: Shape, memo: Map<Shape, Fit>): Fit {
  const known = memo.get(shape);
  if (known) return known;
  let fit: Fit;
  switch (shape) {
    case 'any': fit = () => true; break;
    case 'string': fit = (v) => typeof v === 'string'; break;
    case 'bool': fit = (v) => typeof v === 'boolean'; break;
    case 'int32': fit = (v) => isInt(v, MIN_INT32, MAX_INT32); break;
    case 'int64': fit = (v) => isInt(v, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER); break;
    case 'quantity': fit = (v) => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)); break;
    case 'intstr': fit = (v) => typeof v === 'string' || isInt(v, MIN_INT32, MAX_INT32); break;
    default:
      if ('object' in shape) {
        // Keyed by field: a value is walked by its own (few) keys, not by every field the shape describes.
        const fields = new Map<string, Fit>();
        for (const f of Object.keys(shape.object)) fields.set(f, compileFit(shape.object[f]!, memo));
        fit = (v, dropNulls) => {
          if (!isObj(v)) return false;
          for (const k in v) {
            if (!Object.hasOwn(v, k)) continue;
            const f = fields.get(k);
            if (f === undefined) continue;
            const x = v[k];
            if (x === null) {
              if (dropNulls) delete v[k];
              continue;
            }
            if (!f(x, dropNulls)) return false;
          }
          return true;
        };
      } else if ('list' in shape) {
        const item = compileFit(shape.list, memo);
        fit = (v, dropNulls) => {
          if (!Array.isArray(v)) return false;
          for (let i = 0; i < v.length; i++) {
            const x: unknown = v[i];
            // checkShape's forEach skips holes.
            if (x === undefined && !(i in v)) continue;
            if (!item(x, dropNulls)) return false;
          }
          return true;
        };
      } else {
        const value = compileFit(shape.map, memo);
        fit = (v, dropNulls) => {
          if (!isObj(v)) return false;
          for (const k in v) if (Object.hasOwn(v, k) && !value(v[k], dropNulls)) return false;
          return true;
        };
      }
  }
  memo.set(shape, fit);
  return fit;
}

/** shapeCauses and fitsShape of one shape, compiled once (compileShape). */
export interface ShapeCheck {
  /** shapeCauses(obj, shape): the same causes, in the same order, and the same null fields dropped. */
  causes(obj: unknown): FieldCause[];
  /** fitsShape(obj, shape); never changes `obj`. */
  fits(obj: unknown): boolean;
}

/**
 * Compiles `shape` for objects checked many times (a resource's every
 * write): a value that fits costs a walk of its own keys with no path
 * strings built; one that does not is walked again by checkShape for its
 * causes and their paths, in checkShape's order.
 */
export function compileShape(shape: Shape): ShapeCheck {
  const fit = compileFit(shape, new Map());
  return {
    causes: (obj) => (fit(obj, true) ? [] : shapeCauses(obj, shape)),
    fits: (obj) => fit(obj, false),
  };
}

/** Shape helpers: an object with the given fields, a list of, a map of. */
export const obj = (fields: { [field: string]: Shape }): Shape => ({ object: fields });
export const list = (items: Shape): Shape => ({ list: items });
export const map = (values: Shape): Shape => ({ map: values });
