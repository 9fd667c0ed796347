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
/** An object literal's inherited members (`constructor`, `__proto__`, …) are not undefined there, which the general path compares against. */
const EMPTY: Readonly<Record<string, unknown>> = {};

/** A node: undefined when neither it nor anything below it is a member; `.` marks a member with children; children sorted. */
function node(member: boolean, children: [PathElement, FieldsV1][]): FieldsV1 | undefined {
  if (children.length === 0) return member ? {} : undefined;
  const out: FieldsV1 = {};
  if (member) out['.'] = {};
  sortByElement(children);
  for (const [pe, c] of children) out[pe] = c;
  return out;
}

/** Lists up to this long are insertion-sorted (no copy, as Array.prototype.sort makes); longer ones, e.g. a hostile object of 10⁵ keys, by sort. */
const INSERTION_SORT_MAX = 16;

/** Sorts [element, subtree] pairs by element in place, stably. */
function sortByElement(children: [PathElement, FieldsV1][]): void {
  if (children.length > INSERTION_SORT_MAX) {
    children.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return;
  }
  for (let i = 1; i < children.length; i++) {
    const x = children[i];
    let j = i - 1;
    for (; j >= 0 && children[j][0] > x[0]; j--) children[j + 1] = children[j];
    children[j + 1] = x;
  }
}

/**
 * The subtree of `v` at a path of length `depth` whose field names are
 * `names` (every node a member unless `member` is false; object children
 * named in `skip` are not). `names` is one stack for the whole walk, pushed
 * and popped around each child (lts gets a copy), so that a node costs no
 * copy of its path.
 */
function walk(v: unknown, depth: number, names: string[], lts: ListTypes, member: boolean, skip?: ReadonlySet<string>): FieldsV1 | undefined {
  if (depth >= MAX_PATH_DEPTH) return node(member, []);
  const children: [PathElement, FieldsV1][] = [];
  if (isObject(v)) {
    for (const k of Object.keys(v)) {
      names.push(k);
      const c = walk(v[k], depth + 1, names, lts, !(skip?.has(k) ?? false));
      names.pop();
      if (c) children.push([fieldPE(k), c]);
    }
    return node(member, children);
  }
  if (Array.isArray(v)) {
    const { lt, pes } = listItems(lts(names.slice()), v);
    if (lt.type === 'atomic') return node(member, []);
    for (let i = 0; i < v.length; i++) {
      const it: unknown = v[i];
      const below: [PathElement, FieldsV1][] = [];
      if (lt.type === 'map' && isObject(it)) {
        for (const k of Object.keys(it)) {
          names.push(k);
          const c = walk(it[k], depth + 2, names, lts, true);
          names.pop();
          if (c) below.push([fieldPE(k), c]);
        }
      }
      children.push([pes[i], node(true, below)!]);
    }
    return node(member, children);
  }
  return node(member, []);
}

/**
 * The FieldsV1 tree of every field of `obj` (a create's object, without
 * metadata.managedFields) minus stripMeta's paths and the `reset` subtrees:
 * undefined when that set is empty. Returns null when the fast walk does not
 * apply (a reset path that is not one top-level field, or a top-level key an
 * object literal inherits, such as `__proto__`), and the caller takes the
 * general path. Throws RangeError only as the general path does, on
 * nesting deeper than the stack.
 */
export function createdFieldsV1(obj: object, lts: ListTypes, reset: readonly Path[] = []): FieldsV1 | undefined | null {
  const dropped = new Set<PathElement>();
  for (const r of reset) {
    if (r.length !== 1) return null;
    dropped.add(r[0]);
  }
  const children: [PathElement, FieldsV1][] = [];
  for (const k of Object.keys(obj)) {
    if (EMPTY[k] !== undefined) return null;
    const v = (obj as Record<string, unknown>)[k];
    const pe = fieldPE(k);
    if (v === undefined || dropped.has(pe)) continue;
    const c = walk(v, 1, [k], lts, !TOP.has(k), k === 'metadata' ? META : undefined);
    if (c) children.push([pe, c]);
  }
  return node(false, children);
}
