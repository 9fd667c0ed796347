/**
 * Field paths and field sets, as sigs.k8s.io/structured-merge-diff
 * (fieldpath/element.go, fieldpath/set.go) defines them.
 *
 * A path element is kept in its fieldsV1 spelling: `f:<name>` (a field),
 * `k:<json object of the key fields, sorted by name>` (an associative-list
 * item), `v:<json value>` (a set item), `i:<index>` (a list position). A
 * Path is the list of elements from the object's root; the root itself is
 * the empty path and never a member.
 */

/**
 * The deepest path the field manager descends to; a value nested deeper is
 * owned, compared and merged whole, as a leaf. Real schemas nest far less;
 * the cap keeps hostile nesting from exhausting the stack.
 */
export const MAX_PATH_DEPTH = 128;

/** One element of a field path in its fieldsV1 spelling, e.g. `f:spec`, `k:{"name":"nginx"}`. */
export type PathElement = string;
/** A field path from the object root. */
export type Path = readonly PathElement[];

/** `f:<name>`: the element of a map field. */
export function fieldPE(name: string): PathElement {
  return `f:${name}`;
}

/** `k:{...}`: the element of an associative-list item; key fields are sorted by name, as SMD serializes them. */
export function keyPE(key: Record<string, unknown>): PathElement {
  const names = Object.keys(key).sort();
  // An object enumerates index-like names first, in numeric order: leave that order to JSON.stringify.
  if (names.some((k) => INDEX_LIKE.test(k))) {
    const sorted: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const k of names) sorted[k] = key[k];
    return `k:${JSON.stringify(sorted)}`;
  }
  // The same text, built without a dictionary-mode object (this runs for every list item of every write).
  let out = '';
  for (const k of names) {
    const v = JSON.stringify(key[k]) as string | undefined;
    if (v !== undefined) out += `${out === '' ? '' : ','}${JSON.stringify(k)}:${v}`;
  }
  return `k:{${out}}`;
}

/** A name an object orders as an array index. */
const INDEX_LIKE = /^(0|[1-9][0-9]*)$/;

/** `v:<json>`: the element of a set item. */
export function valuePE(v: unknown): PathElement {
  return `v:${JSON.stringify(v)}`;
}

/** Go's `%v`/`%q` rendering of a JSON value, as SMD's value.ToString: strings quoted, maps as k=v. */
function valueString(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(valueString).join(',')}]`;
  if (typeof v === 'object') return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k}=${valueString(x)}`).join(',')}}`;
  return String(v);
}

/**
 * The human spelling of a path, as SMD's Path.String: `.spec.replicas`,
 * `.spec.containers[name="nginx"].image`, `.metadata.finalizers[="x"]`, `[0]`.
 */
export function pathString(path: Path): string {
  return path.map((pe) => {
    const body = pe.slice(2);
    switch (pe.slice(0, 2)) {
      case 'f:': return `.${body}`;
      case 'k:': {
        const key = JSON.parse(body) as Record<string, unknown>;
        return `[${Object.keys(key).map((k) => `${k}=${valueString(key[k])}`).join(',')}]`;
      }
      case 'v:': return `[=${valueString(JSON.parse(body))}]`;
      case 'i:': return `[${body}]`;
      default: return '{{invalid path element}}';
    }
  }).join('');
}

/**
 * A member's map key, one-to-one with the path: the elements joined by NUL
 * when every element is non-empty and NUL-free (the usual case; cheaper than
 * JSON), else NUL + the path's JSON. A joined key never starts with NUL (its
 * first element is non-empty and NUL-free), so the two forms cannot collide.
 */
function keyOf(p: Path): string {
  let k = '';
  for (let i = 0; i < p.length; i++) {
    const pe = p[i]!;
    if (pe === '' || pe.includes('\0')) return `\0${JSON.stringify(p)}`;
    k = i === 0 ? pe : `${k}\0${pe}`;
  }
  return k;
}

/** True if `prefix` is a prefix of `path` (or equal to it when `orEqual`). */
export function isPrefix(prefix: Path, path: Path, orEqual = true): boolean {
  if (prefix.length > path.length || (!orEqual && prefix.length === path.length)) return false;
  return prefix.every((pe, i) => pe === path[i]);
}

/**
 * An immutable set of paths (SMD's fieldpath.Set, flattened: every member
 * path is stored whole, keyed by keyOf). Operations return new sets
 * and reuse the keys, so they cost O(n) map operations.
 */
export class FieldSet {
  private readonly members: ReadonlyMap<string, Path>;

  constructor(paths: Iterable<Path> = []) {
    const m = new Map<string, Path>();
    for (const p of paths) if (p.length > 0) m.set(keyOf(p), [...p]);
    this.members = m;
  }

  /** A set over an already keyed map the caller gives up (FieldSetBuilder's). */
  static fromMembers(m: Map<string, Path>): FieldSet {
    return FieldSet.of(m);
  }

  private static of(m: Map<string, Path>): FieldSet {
    const s = new FieldSet();
    (s as unknown as { members: Map<string, Path> }).members = m;
    return s;
  }

  /** Number of member paths. */
  get size(): number {
    return this.members.size;
  }

  /** True when the set has no member. */
  isEmpty(): boolean {
    return this.members.size === 0;
  }

  /** True if `path` is a member. */
  has(path: Path): boolean {
    return this.members.has(keyOf(path));
  }

  /** True if some member equals `path` or lies below it. */
  hasPrefix(path: Path): boolean {
    for (const p of this.members.values()) if (isPrefix(path, p)) return true;
    return false;
  }

  /** The member paths, sorted by element (a stable order for messages and encoding). */
  paths(): Path[] {
    return [...this.members.values()].sort((a, b) => cmpPath(a, b));
  }

  /** The member paths in no particular order (cheaper than paths() when order does not matter). */
  unordered(): Iterable<Path> {
    return this.members.values();
  }

  /** The members matching `keep`, unsorted. */
  filter(keep: (p: Path) => boolean): FieldSet {
    const m = new Map<string, Path>();
    for (const [k, p] of this.members) if (keep(p)) m.set(k, p);
    return FieldSet.of(m);
  }

  /** this ∪ other. */
  union(other: FieldSet): FieldSet {
    if (other.isEmpty()) return this;
    if (this.isEmpty()) return other;
    const m = new Map(this.members);
    for (const [k, p] of other.members) m.set(k, p);
    return FieldSet.of(m);
  }

  /** this − other (exact paths). */
  difference(other: FieldSet): FieldSet {
    if (other.isEmpty() || this.isEmpty()) return this;
    const m = new Map<string, Path>();
    for (const [k, p] of this.members) if (!other.members.has(k)) m.set(k, p);
    return FieldSet.of(m);
  }

  /** this ∩ other (exact paths). */
  intersection(other: FieldSet): FieldSet {
    const m = new Map<string, Path>();
    for (const [k, p] of this.members) if (other.members.has(k)) m.set(k, p);
    return FieldSet.of(m);
  }

  /** True if both sets hold the same paths. */
  equals(other: FieldSet): boolean {
    if (this.size !== other.size) return false;
    for (const k of this.members.keys()) if (!other.members.has(k)) return false;
    return true;
  }
}

function cmpPath(a: Path, b: Path): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return a.length - b.length;
}

/**
 * A mutable builder for a FieldSet. Each path is keyed on insert and kept
 * as given (the caller must not mutate it afterwards: compare and values
 * build a fresh array per path), so build() copies no path.
 */
export class FieldSetBuilder {
  private readonly members = new Map<string, Path>();

  /** Adds a path (the empty root path is ignored). */
  insert(path: Path): void {
    if (path.length > 0) this.members.set(keyOf(path), path);
  }

  /** The set built so far (later inserts do not change it). */
  build(): FieldSet {
    return FieldSet.fromMembers(new Map(this.members));
  }
}
