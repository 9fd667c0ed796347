/**
 * The difference between two objects as field sets (SMD typed/compare.go):
 * paths added, modified and removed going from `lhs` to `rhs`. A node
 * missing on one side contributes itself and every node below it; atomic
 * lists and scalars are leaves compared by value.
 */
import { isObject, jsonEqual } from '../patch/json-value.ts';
import { fieldPE, FieldSetBuilder, MAX_PATH_DEPTH, type FieldSet, type Path } from './fieldpath.ts';
import type { ListTypes } from './list-types.ts';
import { allNodePaths, listItems } from './values.ts';

/** Added, modified and removed paths. */
export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/** Compares two JSON objects (neither mutated). */
export function compareObjects(lhs: unknown, rhs: unknown, listTypes: ListTypes): Comparison {
  const added = new FieldSetBuilder();
  const modified = new FieldSetBuilder();
  const removed = new FieldSetBuilder();
  const walk = (l: unknown, r: unknown, path: Path, names: readonly string[]): void => {
    if (l === undefined && r === undefined) return;
    if (l === undefined) return allNodePaths(r, path, names, listTypes, added);
    if (r === undefined) return allNodePaths(l, path, names, listTypes, removed);
    if (path.length >= MAX_PATH_DEPTH) {
      if (!jsonEqual(l, r)) modified.insert(path);
      return;
    }
    if (isObject(l) && isObject(r)) {
      for (const k of new Set([...Object.keys(l), ...Object.keys(r)])) walk(l[k], r[k], [...path, fieldPE(k)], [...names, k]);
      return;
    }
    if (Array.isArray(l) && Array.isArray(r)) {
      const declared = listTypes(names);
      const li = listItems(declared, l);
      const ri = li.lt.type === 'atomic' ? li : listItems(declared, r);
      const lt2 = ri.lt;
      if (lt2.type === 'atomic') {
        if (!jsonEqual(l, r)) modified.insert(path);
        return;
      }
      const lm = new Map(l.map((x, i) => [li.pes[i], x]));
      const rm = new Map(r.map((x, i) => [ri.pes[i], x]));
      for (const pe of new Set([...lm.keys(), ...rm.keys()])) {
        const p = [...path, pe];
        const lv = lm.get(pe);
        const rv = rm.get(pe);
        if (lv !== undefined && rv !== undefined && lt2.type === 'map' && isObject(lv) && isObject(rv)) {
          for (const k of new Set([...Object.keys(lv), ...Object.keys(rv)])) walk(lv[k], rv[k], [...p, fieldPE(k)], [...names, k]);
        } else if (lv === undefined) {
          added.insert(p);
          if (lt2.type === 'map' && isObject(rv)) for (const k of Object.keys(rv)) allNodePaths(rv[k], [...p, fieldPE(k)], [...names, k], listTypes, added);
        } else if (rv === undefined) {
          removed.insert(p);
          if (lt2.type === 'map' && isObject(lv)) for (const k of Object.keys(lv)) allNodePaths(lv[k], [...p, fieldPE(k)], [...names, k], listTypes, removed);
        }
      }
      return;
    }
    if (!isObject(l) && !Array.isArray(l) && !isObject(r) && !Array.isArray(r)) {
      if (!jsonEqual(l, r)) modified.insert(path);
      return;
    }
    // The kind of value changed (e.g. scalar → map): the node is modified, what was below it is gone, what is below it now is new.
    modified.insert(path);
    const below = (v: unknown, b: FieldSetBuilder): void => {
      const tmp = new FieldSetBuilder();
      allNodePaths(v, path, names, listTypes, tmp);
      for (const p of tmp.build().paths()) if (p.length > path.length) b.insert(p);
    };
    below(l, removed);
    below(r, added);
  };
  walk(lhs, rhs, [], []);
  return { added: added.build(), modified: modified.build(), removed: removed.build() };
}
