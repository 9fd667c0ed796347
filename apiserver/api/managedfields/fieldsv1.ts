/**
 * The FieldsV1 wire form of a field set (k8s.io/apimachinery
 * ManagedFieldsEntry.fieldsV1; SMD fieldpath/serialize.go): a JSON tree whose
 * keys are path elements (`f:`, `k:`, `v:`, `i:`); `{}` is a member leaf and
 * a `".": {}` child marks an inner node that is itself a member.
 */
import { FieldSet, type Path } from './fieldpath.ts';

/** A FieldsV1 tree. */
export type FieldsV1 = { [pe: string]: FieldsV1 };

interface Node {
  member: boolean;
  children: Map<string, Node>;
}

/** Encodes a set as a FieldsV1 tree (children in sorted order, as SMD writes them). */
export function encodeFieldsV1(set: FieldSet): FieldsV1 {
  const root: Node = { member: false, children: new Map() };
  // Children are sorted when written, so the members can be walked in any order.
  for (const path of set.unordered()) {
    let n = root;
    for (const pe of path) {
      let c = n.children.get(pe);
      if (!c) {
        c = { member: false, children: new Map() };
        n.children.set(pe, c);
      }
      n = c;
    }
    n.member = true;
  }
  const write = (n: Node): FieldsV1 => {
    // Keys are path elements (`f:`…, `.`), never `__proto__`, so a plain object is safe.
    const out: FieldsV1 = {};
    if (n.member && n.children.size > 0) out['.'] = {};
    for (const k of [...n.children.keys()].sort()) out[k] = write(n.children.get(k)!);
    return out;
  };
  return write(root);
}

const PE = /^(f:.*|k:\{.*\}|v:.+|i:\d+)$/s;

/**
 * Decodes a FieldsV1 tree. Returns the set, or an error string for a tree
 * that is not an object of objects or has a key that is no path element (as
 * SMD's FromJSON fails).
 */
export function decodeFieldsV1(tree: unknown): FieldSet | string {
  const paths: Path[] = [];
  const walk = (node: unknown, prefix: string[]): string | undefined => {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return `expected an object at ${JSON.stringify(prefix)}`;
    const entries = Object.entries(node as Record<string, unknown>);
    if (entries.length === 0 && prefix.length > 0) paths.push(prefix);
    for (const [k, v] of entries) {
      if (k === '.') {
        if (prefix.length > 0) paths.push(prefix);
        continue;
      }
      if (!PE.test(k)) return `invalid path element ${JSON.stringify(k)}`;
      if (k.startsWith('k:') || k.startsWith('v:')) {
        try {
          JSON.parse(k.slice(2));
        } catch {
          return `invalid path element ${JSON.stringify(k)}`;
        }
      }
      const err = walk(v, [...prefix, k]);
      if (err) return err;
    }
    return undefined;
  };
  const err = walk(tree, []);
  return err ?? new FieldSet(paths);
}
