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
import { refName } from './catalog.ts';
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

interface PathNode {
  parent: PathNode | undefined;
  /** `name` for a field, `[i]`/`[key]` for an element. */
  seg: string;
}

interface FieldNode {
  parent: FieldNode | undefined;
  name: string;
}

interface Task {
  value: unknown;
  schema: Schema;
  path: PathNode | undefined;
  /** The Go struct holding the current field, and the field path (names only) Go reports. */
  struct: string;
  field: FieldNode | undefined;
  /** Where the checked value goes: `out[key]` (an output object or array), or the result when `out` is undefined. */
  out: Record<string, unknown> | unknown[] | undefined;
  key: string | number;
}

function pathString(p: PathNode | undefined): string {
  const segs: string[] = [];
  for (let n = p; n; n = n.parent) segs.push(n.seg);
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

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The Go zero value a `null` list element or map value decodes to. */
function zeroOf(catalog: SchemaCatalog, s: Schema): unknown {
  const r = catalog.resolve(s);
  if (s.$ref !== undefined && (refName(s.$ref) === quantityName)) return '0';
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
  let result: unknown;
  const rootStruct = goStructName(kind.name);
  const stack: Task[] = [{ value: obj, schema: kind.schema, path: undefined, struct: rootStruct, field: undefined, out: undefined, key: '' }];
  // One setter for every task (no closure per value: under tsx each closure also costs a keepNames call).
  const put = (t: Task, v: unknown): void => {
    if (t.out === undefined) result = v;
    else if (Array.isArray(t.out)) t.out[t.key as number] = v;
    else setOwn(t.out, t.key as string, v);
  };
  const typeError = (t: Task, what = jsonKind(t.value)): void => {
    failure ??= t.field
      ? `json: cannot unmarshal ${what} into Go struct field ${t.struct}.${fieldString(t.field)} of type ${goType(t.schema)}`
      : `json: cannot unmarshal ${what} into Go value of type ${goType(t.schema)}`;
  };
  while (stack.length > 0 && failure === undefined) {
    const t = stack.pop()!;
    const { value } = t;
    const ref = t.schema.$ref !== undefined ? refName(t.schema.$ref) : undefined;
    const s = catalog.resolve(t.schema);
    if (ref === quantityName) {
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
    const struct = ref !== undefined ? goStructName(ref) : t.struct;
    switch (s.type) {
      case 'object': {
        if (!s.properties && !s.additionalProperties) {
          put(t, value);
          break;
        }
        if (!isPlainObject(value)) {
          typeError(t);
          break;
        }
        const out: Record<string, unknown> = {};
        put(t, out);
        const children: Task[] = [];
        for (const key of Object.keys(value)) {
          const v = value[key];
          const path: PathNode = { parent: t.path, seg: s.properties ? key : `[${key}]` };
          let child: Schema | undefined;
          let field = t.field;
          if (s.properties) {
            child = Object.hasOwn(s.properties, key) ? s.properties[key] : undefined;
            field = { parent: t.field, name: key };
          } else {
            child = s.additionalProperties;
          }
          if (child === undefined) {
            unknown.push(pathString(path));
            continue;
          }
          if (v === null) {
            if (!s.properties) setOwn(out, key, zeroOf(catalog, child));
            continue;
          }
          children.push({ value: v, schema: child, path, struct, field, out, key });
        }
        for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
        break;
      }
      case 'array': {
        if (!Array.isArray(value)) {
          typeError(t);
          break;
        }
        const out: unknown[] = new Array<unknown>(value.length);
        put(t, out);
        const items = s.items ?? {};
        for (let i = value.length - 1; i >= 0; i--) {
          const v: unknown = value[i];
          if (v === null) {
            out[i] = zeroOf(catalog, items);
            continue;
          }
          stack.push({ value: v, schema: items, path: { parent: t.path, seg: `[${i}]` }, struct, field: t.field, out, key: i });
        }
        break;
      }
      case 'string':
        if (typeof value === 'string') put(t, value);
        else typeError(t);
        break;
      case 'boolean':
        if (typeof value === 'boolean') put(t, value);
        else typeError(t);
        break;
      case 'number':
        if (typeof value === 'number') put(t, value);
        else typeError(t);
        break;
      case 'integer': {
        const range = s.format === 'int64' ? int64 : int32;
        if (typeof value !== 'number') typeError(t);
        else if (!Number.isInteger(value) || value < range.min || value > range.max) typeError(t, `number ${value}`);
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
  return { value: result as T, warnings };
}

/** kube-apiserver's transformDecodeError: 400 `<Kind> in version "<v>" cannot be handled as a <Kind>: <why>`. */
export function decodeError(kind: KindSchema, why: string): StatusError {
  const { kind: k, version } = kind.gvk;
  return badRequest(`${k} in version ${JSON.stringify(version)} cannot be handled as a ${k}: ${why}`);
}
