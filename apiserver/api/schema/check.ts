/**
 * Schema check and pruning of a decoded object, the step kube-apiserver's
 * decoder performs before defaulting: wrongly typed fields fail the request
 * with the decoder's 400 BadRequest (`Pod in version "v1" cannot be handled
 * as a Pod: json: cannot unmarshal …`), unknown fields are dropped, and by
 * fieldValidation they also fail it (Strict: `strict decoding error: unknown
 * field "spec.foo"`), come back as warnings (Warn) or are dropped silently
 * (Ignore). `null` fields are dropped, as Go decodes them to zero values that
 * are not encoded again.
 *
 * The walk is iterative (an explicit stack, no recursion), visits every
 * input value at most once and builds paths only for messages, so it is
 * linear in the input and safe for any nesting. Output objects get their keys
 * as own data properties (never through `__proto__`), and schema lookups use
 * own properties only, so `__proto__`, `constructor` and `prototype` are just
 * unknown fields or map keys.
 */
import type { StatusError } from '../errors.ts';
import { badRequest } from '../errors.ts';
import type { KindSchema, SchemaCatalog } from './catalog.ts';
import { goStructName, goType, jsonKind } from './go-names.ts';
import { quantitySyntaxError } from './quantity-syntax.ts';
import type { Schema } from './types.ts';

/** Kubernetes' fieldValidation directives (metav1.FieldValidationStrict/Warn/Ignore). */
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** The checked, pruned copy and the warnings to send (`unknown field "spec.foo"`, Warn mode only). */
export interface CheckResult<T> {
  value: T;
  warnings: string[];
}

const quantityName = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const int32 = { min: -2147483648, max: 2147483647 };
const int64 = { min: -9223372036854775808, max: 9223372036854775807 };

/** A position in the input, for unknown-field messages: a field `name`, a map key `[key]`, or a list index `[i]`. */
interface PathNode {
  parent: PathNode | undefined;
  seg: string | number;
  /** `seg` is a map key (written `[key]`). */
  bracket: boolean;
}

interface FieldNode {
  parent: FieldNode | undefined;
  name: string;
}

/**
 * One value to check. Its own path and field nodes are made only when it
 * turns out to hold children (most values are leaves): `seg` and `fieldName`
 * extend the parent's nodes.
 */
interface Task {
  value: unknown;
  schema: Schema;
  /** The container's path, and this value's segment in it (undefined for the root). */
  parentPath: PathNode | undefined;
  seg: string | number | undefined;
  bracket: boolean;
  /** The definition of the Go struct holding the current field (`io.k8s.api.core.v1.PodSpec`), and the field path (names only) Go reports. */
  struct: string;
  parentField: FieldNode | undefined;
  /** This value's field name when it is a struct field (it then extends the field path). */
  fieldName: string | undefined;
  /** Where the checked value goes: `out[key]` (an output object or array; the root's is a one-element holder). */
  out: Record<string, unknown> | unknown[];
  key: string | number;
}

function pathOf(t: Task): PathNode | undefined {
  return t.seg === undefined ? t.parentPath : { parent: t.parentPath, seg: t.seg, bracket: t.bracket };
}

function fieldOf(t: Task): FieldNode | undefined {
  return t.fieldName === undefined ? t.parentField : { parent: t.parentField, name: t.fieldName };
}

function segString(n: PathNode): string {
  return typeof n.seg === 'number' || n.bracket ? `[${n.seg}]` : n.seg;
}

function pathString(p: PathNode | undefined): string {
  const segs: string[] = [];
  for (let n = p; n; n = n.parent) segs.push(segString(n));
  let out = '';
  for (let i = segs.length - 1; i >= 0; i--) {
    const s = segs[i]!;
    out += s.startsWith('[') || out === '' ? s : `.${s}`;
  }
  return out;
}

function fieldString(f: FieldNode | undefined): string {
  const names: string[] = [];
  for (let n = f; n; n = n.parent) names.push(n.name);
  return names.reverse().join('.');
}

/**
 * Defines `key` as an own enumerable property (safe for `__proto__`). On a
 * plain object only `__proto__` is an accessor up the prototype chain, so
 * every other key is a plain assignment (the same own data property).
 */
function setOwn(o: Record<string, unknown>, key: string, v: unknown): void {
  if (key === '__proto__') Object.defineProperty(o, key, { value: v, enumerable: true, writable: true, configurable: true });
  else o[key] = v;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// The walk's helpers are module functions, not closures made per call: under tsx every named
// function expression is also wrapped by esbuild's keepNames (__name), which costs a defineProperty each time.

/** Stores a task's checked value where it goes. */
function put(t: Task, v: unknown): void {
  if (Array.isArray(t.out)) t.out[t.key as number] = v;
  else setOwn(t.out, t.key as string, v);
}

/** The decoder's message for a value of the wrong type (`what`: its JSON kind, or `number 1.5`). */
function typeMessage(t: Task, what: string = jsonKind(t.value)): string {
  const field = fieldOf(t);
  return field
    ? `json: cannot unmarshal ${what} into Go struct field ${goStructName(t.struct)}.${fieldString(field)} of type ${goType(t.schema)}`
    : `json: cannot unmarshal ${what} into Go value of type ${goType(t.schema)}`;
}

/** The unknown-field text of `key` under the object at `here` (`bracket`: a map key). */
function unknownPath(here: PathNode | undefined, key: string, bracket: boolean): string {
  return pathString({ parent: here, seg: key, bracket });
}

/** Reverses `a[from..]` in place. */
function reverseFrom(a: unknown[], from: number): void {
  for (let i = from, j = a.length - 1; i < j; i++, j--) {
    const x = a[i];
    a[i] = a[j];
    a[j] = x;
  }
}

/** The Go zero value a `null` list element or map value decodes to. */
function zeroOf(catalog: SchemaCatalog, s: Schema): unknown {
  const target = catalog.ref(s);
  const r = target ? target.resolved : s;
  if (target?.name === quantityName) return '0';
  if (r.format === 'int-or-string') return 0;
  switch (r.type) {
    case 'object': return r.properties || r.additionalProperties ? {} : null;
    case 'array': return null;
    case 'string': return r.format === 'date-time' ? null : '';
    case 'integer':
    case 'number': return 0;
    case 'boolean': return false;
    default: return null;
  }
}

/**
 * Checks `obj` against its kind's schema and returns the pruned copy (the
 * input is not modified) and, for Warn, the unknown-field warnings. Throws a
 * 400 BadRequest StatusError for the first wrongly typed field, or (Strict)
 * listing every unknown field.
 */
export function checkAndPrune<T>(kind: KindSchema, obj: T, mode: FieldValidation): CheckResult<T> {
  const { catalog } = kind;
  const unknown: string[] = [];
  let failure: string | undefined;
  const holder: unknown[] = [undefined];
  const stack: Task[] = [{ value: obj, schema: kind.schema, parentPath: undefined, seg: undefined, bracket: false, struct: kind.name, parentField: undefined, fieldName: undefined, out: holder, key: 0 }];
  while (stack.length > 0 && failure === undefined) {
    const t = stack.pop()!;
    const { value } = t;
    const target = catalog.ref(t.schema);
    const s = target ? target.resolved : t.schema;
    if (target?.name === quantityName) {
      const err = typeof value === 'number' ? undefined : quantitySyntaxError(typeof value === 'string' ? value : JSON.stringify(value));
      if (err) failure = err;
      else put(t, value);
      continue;
    }
    if (s.format === 'int-or-string') {
      if (typeof value === 'string') put(t, value);
      else if (typeof value === 'number' && Number.isInteger(value) && value >= int32.min && value <= int32.max) put(t, value);
      else failure = `json: cannot unmarshal ${typeof value === 'number' ? `number ${value}` : jsonKind(value)} into Go value of type int32`;
      continue;
    }
    if (s.type === 'string' && s.format === 'date-time') {
      if (typeof value === 'string') put(t, value);
      else failure = `json: cannot unmarshal ${jsonKind(value)} into Go value of type string`;
      continue;
    }
    const struct = target ? target.name : t.struct;
    switch (s.type) {
      case 'object': {
        if (!s.properties && !s.additionalProperties) {
          put(t, value);
          break;
        }
        if (!isPlainObject(value)) {
          failure = typeMessage(t);
          break;
        }
        const out: Record<string, unknown> = {};
        put(t, out);
        const here = pathOf(t);
        const field = fieldOf(t);
        const { properties } = s;
        const first = stack.length;
        for (const key of Object.keys(value)) {
          const v = value[key];
          const child = properties ? (Object.hasOwn(properties, key) ? properties[key] : undefined) : s.additionalProperties;
          if (child === undefined) {
            unknown.push(unknownPath(here, key, !properties));
            continue;
          }
          if (v === null) {
            if (!properties) setOwn(out, key, zeroOf(catalog, child));
            continue;
          }
          stack.push({ value: v, schema: child, parentPath: here, seg: key, bracket: !properties, struct, parentField: field, fieldName: properties ? key : undefined, out, key });
        }
        // Pushed in key order; reversed so that they are popped (and their values put) in key order.
        reverseFrom(stack, first);
        break;
      }
      case 'array': {
        if (!Array.isArray(value)) {
          failure = typeMessage(t);
          break;
        }
        const out: unknown[] = new Array<unknown>(value.length);
        put(t, out);
        const items = s.items ?? {};
        const here = pathOf(t);
        const field = fieldOf(t);
        for (let i = value.length - 1; i >= 0; i--) {
          const v: unknown = value[i];
          if (v === null) {
            out[i] = zeroOf(catalog, items);
            continue;
          }
          stack.push({ value: v, schema: items, parentPath: here, seg: i, bracket: false, struct, parentField: field, fieldName: undefined, out, key: i });
        }
        break;
      }
      case 'string':
        if (typeof value === 'string') put(t, value);
        else failure = typeMessage(t);
        break;
      case 'boolean':
        if (typeof value === 'boolean') put(t, value);
        else failure = typeMessage(t);
        break;
      case 'number':
        if (typeof value === 'number') put(t, value);
        else failure = typeMessage(t);
        break;
      case 'integer': {
        const range = s.format === 'int64' ? int64 : int32;
        if (typeof value !== 'number') failure = typeMessage(t);
        else if (!Number.isInteger(value) || value < range.min || value > range.max) failure = typeMessage(t, `number ${value}`);
        else put(t, value);
        break;
      }
      default:
        put(t, value);
    }
  }
  if (failure !== undefined) throw decodeError(kind, failure);
  if (unknown.length > 0 && mode === 'Strict') {
    throw decodeError(kind, `strict decoding error: ${unknown.map((f) => `unknown field ${JSON.stringify(f)}`).join(', ')}`);
  }
  const warnings = mode === 'Warn' ? unknown.map((f) => `unknown field ${JSON.stringify(f)}`) : [];
  return { value: holder[0] as T, warnings };
}

/** kube-apiserver's transformDecodeError: 400 `<Kind> in version "<v>" cannot be handled as a <Kind>: <why>`. */
export function decodeError(kind: KindSchema, why: string): StatusError {
  const { kind: k, version } = kind.gvk;
  return badRequest(`${k} in version ${JSON.stringify(version)} cannot be handled as a ${k}: ${why}`);
}
