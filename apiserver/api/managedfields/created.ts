/**
 * The FieldsV1 tree a create gives its writer, built in one walk of the new
 * object. On a create there is no live object, so SMD's Compare of nothing
 * against the object reports every node as added (typed/compare.go); the
 * writer's Update entry is that set minus stripMeta's paths and the reset
 * subtrees. recordUpdate uses this instead of compareObjects + FieldSet +
 * encodeFieldsV1 when nobody else manages the object; the two agree byte for
 * byte (created.test.ts).
 */
import { fieldPE, MAX_PATH_DEPTH, type Path, type PathElement } from './fieldpath.ts';
import type { FieldsV1 } from './fieldsv1.ts';
import type { ListTypes } from './list-types.ts';
import { isObject } from '../patch/json-value.ts';
import { listItems } from './values.ts';

/** Top-level fields whose own node no manager owns (their children stay owned). */
export const IGNORED_TOP: readonly string[] = ['apiVersion', 'kind', 'metadata', 'spec', 'status'];
/** metadata fields no manager owns (k8s.io/apiserver stripMeta). */
export const IGNORED_META: readonly string[] = ['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion'];
const TOP = new Set(IGNORED_TOP);
const META = new Set(IGNORED_META);
/** Names fields as path elements: fieldPE, or a memo of it (WriteMemo) that hands out the same string for a name seen before, which V8 then needs not look up as a property key again. */
export interface FieldNames {
  fieldPE(name: string): PathElement;
}

const PLAIN_NAMES: FieldNames = { fieldPE };

/** What the walk carries: the kind's list types and the field namer. */
interface Walk {
  lts: ListTypes;
  names: FieldNames;
}

/** An object literal's inherited members (`constructor`, `__proto__`, …) are not undefined there, which the general path compares against. */
const EMPTY: Readonly<Record<string, unknown>> = {};

/**
 * The tree of a node that has children: a member's gets the `.` marker
 * first. Keys are path elements (`f:`…, `k:`…, `v:`…, `.`), never
 * `__proto__` or index-like names, so a plain object keeps them in the order
 * they are added.
 */
function inner(member: boolean): FieldsV1 {
  return member ? { '.': {} } : {};
}

/** What a node without children is: `{}` for a member, else nothing. */
function leaf(member: boolean): FieldsV1 | undefined {
  return member ? {} : undefined;
}

/** Lists up to this long are insertion-sorted (no copy, as Array.prototype.sort makes); longer ones, e.g. a hostile object of 10⁵ keys, by sort. */
const INSERTION_SORT_MAX = 16;

/** Sorts strings in place by UTF-16 code units (as `<` compares them, and SMD orders path elements). */
function sortStrings(a: string[]): void {
  if (a.length > INSERTION_SORT_MAX) {
    a.sort();
    return;
  }
  for (let i = 1; i < a.length; i++) {
    const x = a[i];
    let j = i - 1;
    for (; j >= 0 && a[j] > x; j--) a[j + 1] = a[j];
    a[j + 1] = x;
  }
}

/** The indexes 0 … pes.length-1 ordered by their (distinct) path elements. */
function orderOf(pes: readonly PathElement[]): number[] {
  const order: number[] = new Array<number>(pes.length);
  for (let i = 0; i < pes.length; i++) order[i] = i;
  if (pes.length > INSERTION_SORT_MAX) {
    order.sort((a, b) => (pes[a] < pes[b] ? -1 : pes[a] > pes[b] ? 1 : 0));
    return order;
  }
  for (let i = 1; i < order.length; i++) {
    const x = order[i];
    let j = i - 1;
    for (; j >= 0 && pes[order[j]] > pes[x]; j--) order[j + 1] = order[j];
    order[j + 1] = x;
  }
  return order;
}

/**
 * The subtree of `v` at a path of length `depth` whose field names are
 * `names` (every node a member unless `member` is false; object children
 * named in `skip` are not). `names` is one stack for the whole walk, pushed
 * and popped around each child (lts gets a copy), so that a node costs no
 * copy of its path. Children are visited in sorted order and written
 * straight into the node's tree (no list of pairs to sort).
 */
function walk(v: unknown, depth: number, names: string[], w: Walk, member: boolean, skip?: ReadonlySet<string>, omit?: string): FieldsV1 | undefined {
  if (depth >= MAX_PATH_DEPTH) return leaf(member);
  if (isObject(v)) return fields(v, depth, names, w, member, skip, omit);
  if (Array.isArray(v)) {
    const { lt, pes } = listItems(w.lts(names.slice()), v);
    if (lt.type === 'atomic' || v.length === 0) return leaf(member);
    const out = inner(member);
    for (const i of orderOf(pes)) {
      const it: unknown = v[i];
      out[pes[i]] = (lt.type === 'map' && isObject(it) ? fields(it, depth + 1, names, w, true) : undefined) ?? {};
    }
    return out;
  }
  return leaf(member);
}

/** walk's case of an object `o` (an associative-list item is one at the item's depth, its fields one deeper); the field `omit` is left out. */
function fields(o: Record<string, unknown>, depth: number, names: string[], w: Walk, member: boolean, skip?: ReadonlySet<string>, omit?: string): FieldsV1 | undefined {
  const keys = Object.keys(o);
  sortStrings(keys);
  let out: FieldsV1 | undefined;
  for (const k of keys) {
    if (k === omit) continue;
    names.push(k);
    const c = walk(o[k], depth + 1, names, w, skip === undefined || !skip.has(k));
    names.pop();
    if (c) (out ??= inner(member))[w.names.fieldPE(k)] = c;
  }
  return out ?? leaf(member);
}

/**
 * The FieldsV1 tree of every field of `obj` (a create's object;
 * metadata.managedFields is left out, as the general path's copy without
 * it) minus stripMeta's paths and the `reset` subtrees:
 * undefined when that set is empty. Returns null when the fast walk does not
 * apply (a reset path that is not one top-level field, or a top-level key an
 * object literal inherits, such as `__proto__`), and the caller takes the
 * general path. Throws RangeError only as the general path does, on
 * nesting deeper than the stack. `names` makes the `f:` path elements.
 */
export function createdFieldsV1(obj: object, lts: ListTypes, reset: readonly Path[] = [], names: FieldNames = PLAIN_NAMES): FieldsV1 | undefined | null {
  const dropped = new Set<PathElement>();
  for (const r of reset) {
    if (r.length !== 1) return null;
    dropped.add(r[0]);
  }
  const keys = Object.keys(obj);
  for (const k of keys) if (EMPTY[k] !== undefined) return null;
  sortStrings(keys);
  const w: Walk = { lts, names };
  let out: FieldsV1 | undefined;
  for (const k of keys) {
    const v = (obj as Record<string, unknown>)[k];
    const pe = names.fieldPE(k);
    if (v === undefined || dropped.has(pe)) continue;
    const c = k === 'metadata' ? walk(v, 1, [k], w, false, META, 'managedFields') : walk(v, 1, [k], w, !TOP.has(k));
    if (c) (out ??= {})[pe] = c;
  }
  return out;
}
