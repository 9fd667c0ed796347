/**
 * Walking JSON values along field paths: naming list items (SMD
 * typed/helpers.go listItemToPathElement), collecting field sets
 * (typed/tofieldset.go) and removing members (typed/remove.go).
 */
import { isObject } from '../patch/json-value.ts';
import { fieldPE, FieldSetBuilder, keyPE, MAX_PATH_DEPTH, valuePE, type FieldSet, type Path, type PathElement } from './fieldpath.ts';
import type { ListType, ListTypes } from './list-types.ts';

/** A list's effective type and the path element of each item (empty for atomic lists). */
export interface ListItems {
  lt: ListType;
  pes: PathElement[];
}

/**
 * The effective type of a list value and its items' path elements: a
 * declared map whose items are not all objects carrying every key (or repeat
 * a key), or a set with repeated or non-scalar items, degrades to atomic, so
 * a malformed list is owned whole instead of failing the write.
 */
export function listItems(declared: ListType, items: readonly unknown[]): ListItems {
  if (declared.type === 'atomic') return { lt: declared, pes: [] };
  const pes: PathElement[] = [];
  const seen = new Set<string>();
  for (const it of items) {
    const pe = declared.type === 'map' ? keyedPE(declared, it) : isObject(it) || Array.isArray(it) ? undefined : valuePE(it);
    if (pe === undefined || seen.has(pe)) return { lt: { type: 'atomic' }, pes: [] };
    seen.add(pe);
    pes.push(pe);
  }
  return { lt: declared, pes };
}

function keyedPE(lt: Extract<ListType, { type: 'map' }>, item: unknown): PathElement | undefined {
  if (!isObject(item)) return undefined;
  const key: Record<string, unknown> = {};
  for (const k of lt.keys) {
    const v = item[k] ?? lt.defaults?.[k];
    if (v === undefined) return undefined;
    key[k] = v;
  }
  return keyPE(key);
}

/**
 * The field set of a value (SMD ToFieldSet): every scalar, null, empty map
 * and atomic list is a member; associative-list and set items are members;
 * non-empty maps are not members themselves.
 */
export function toFieldSet(value: unknown, listTypes: ListTypes): FieldSet {
  const b = new FieldSetBuilder();
  walkSet(value, [], [], listTypes, b, false);
  return b.build();
}

/**
 * Every node path of a value, inner nodes included (what SMD's Compare
 * reports as added or removed when one side is missing).
 */
export function allNodePaths(value: unknown, at: Path, names: readonly string[], listTypes: ListTypes, b: FieldSetBuilder): void {
  walkSet(value, at, names, listTypes, b, true);
}

function walkSet(v: unknown, path: Path, names: readonly string[], lts: ListTypes, b: FieldSetBuilder, inner: boolean): void {
  if (path.length >= MAX_PATH_DEPTH) return b.insert(path);
  if (isObject(v)) {
    const keys = Object.keys(v);
    if (keys.length === 0 || inner) b.insert(path);
    for (const k of keys) walkSet(v[k], [...path, fieldPE(k)], [...names, k], lts, b, inner);
    return;
  }
  if (Array.isArray(v)) {
    const { lt, pes } = listItems(lts(names), v);
    if (lt.type === 'atomic' || inner) b.insert(path);
    if (lt.type === 'atomic') return;
    for (const [i, it] of v.entries()) {
      const p = [...path, pes[i]];
      b.insert(p);
      if (lt.type === 'map' && isObject(it)) for (const k of Object.keys(it)) walkSet(it[k], [...p, fieldPE(k)], [...names, k], lts, b, inner);
    }
    return;
  }
  b.insert(path);
}

/** Where a path element points inside a container: the key or index, or undefined if absent. */
function locate(container: unknown, pe: PathElement, names: readonly string[], lts: ListTypes): string | number | undefined {
  if (pe.startsWith('f:')) {
    const k = pe.slice(2);
    return isObject(container) && Object.prototype.hasOwnProperty.call(container, k) ? k : undefined;
  }
  if (!Array.isArray(container)) return undefined;
  if (pe.startsWith('i:')) {
    const i = Number(pe.slice(2));
    return i < container.length ? i : undefined;
  }
  const { lt, pes } = listItems(lts(names), container);
  const idx = lt.type === 'atomic' ? container.findIndex((it) => valuePE(it) === pe) : pes.indexOf(pe);
  return idx >= 0 ? idx : undefined;
}

/** The value at `path` inside `root`, or undefined. */
export function getAt(root: unknown, path: Path, lts: ListTypes): unknown {
  let cur = root;
  const names: string[] = [];
  for (const pe of path) {
    const at = locate(cur, pe, names, lts);
    if (at === undefined) return undefined;
    cur = (cur as Record<string | number, unknown>)[at];
    if (pe.startsWith('f:')) names.push(pe.slice(2));
  }
  return cur;
}

/** Removes the node at `path` from `root` (mutated); no-op if absent. */
export function removeAt(root: unknown, path: Path, lts: ListTypes): void {
  if (path.length === 0) return;
  let cur = root;
  const names: string[] = [];
  for (const pe of path.slice(0, -1)) {
    const at = locate(cur, pe, names, lts);
    if (at === undefined) return;
    cur = (cur as Record<string | number, unknown>)[at];
    if (pe.startsWith('f:')) names.push(pe.slice(2));
  }
  const last = path[path.length - 1];
  const at = locate(cur, last, names, lts);
  if (at === undefined) return;
  if (Array.isArray(cur)) cur.splice(at as number, 1);
  else delete (cur as Record<string, unknown>)[at as string];
}

/** The field names along a path (list items skipped), the form ListTypes takes. */
export function namesOf(path: Path): string[] {
  return path.filter((pe) => pe.startsWith('f:')).map((pe) => pe.slice(2));
}
