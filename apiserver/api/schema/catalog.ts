/**
 * The schemas of the built-in kinds, loaded once from the generated
 * definitions.json (see generate.ts): look a kind up by group/version/kind,
 * a definition by name, and follow `$ref`s. The data is immutable (frozen),
 * so one catalog can be shared by every store and route.
 */
import { readFileSync } from 'node:fs';
import type { Definitions, Schema, SchemaGVK } from './types.ts';
import { refPrefix } from './types.ts';

/** A kind's schema with what error messages need: its definition name and GVK. */
export interface KindSchema {
  catalog: SchemaCatalog;
  /** e.g. `io.k8s.api.core.v1.Pod` */
  name: string;
  schema: Schema;
  gvk: SchemaGVK;
}

function deepFreeze<T>(v: T): T {
  const stack: unknown[] = [v];
  while (stack.length > 0) {
    const x = stack.pop();
    if (typeof x !== 'object' || x === null || Object.isFrozen(x)) continue;
    Object.freeze(x);
    for (const c of Object.values(x)) stack.push(c);
  }
  return v;
}

const gvkKey = (g: SchemaGVK): string => `${g.group}/${g.version}/${g.kind}`;

/** What a `$ref` schema points at: the definition it names and, after following every `$ref`, the schema with a type. */
export interface RefTarget {
  /** The named definition, e.g. `io.k8s.api.core.v1.PodSpec`. */
  name: string;
  resolved: Schema;
}

/** Every schema inside `defs` (definitions and their properties, map values and items, at any depth). */
function* schemasIn(defs: Readonly<Record<string, Schema>>): Generator<Schema> {
  const stack: Schema[] = Object.values(defs);
  while (stack.length > 0) {
    const s = stack.pop()!;
    yield s;
    if (s.properties) stack.push(...Object.values(s.properties));
    if (typeof s.additionalProperties === 'object' && s.additionalProperties !== null) stack.push(s.additionalProperties);
    if (typeof s.items === 'object' && s.items !== null) stack.push(s.items);
  }
}

/** Definitions by name plus an index by GVK and one of every `$ref` schema the definitions hold. */
export class SchemaCatalog {
  readonly definitions: Readonly<Record<string, Schema>>;
  /** Each kind's KindSchema (frozen, so one object serves every lookup), by `group/version/kind`. */
  private readonly byGvk = new Map<string, KindSchema>();
  /** The target of every resolvable `$ref` schema object inside `definitions` (the data is frozen, so this never changes). */
  private readonly refs = new Map<Schema, RefTarget>();

  /** Wraps (and freezes) a Definitions document. */
  constructor(file: Definitions) {
    this.definitions = deepFreeze(file.definitions);
    for (const [name, def] of Object.entries(this.definitions)) {
      for (const g of def['x-kubernetes-group-version-kind'] ?? []) {
        this.byGvk.set(gvkKey(g), Object.freeze({ catalog: this, name, schema: def, gvk: Object.freeze({ group: g.group, version: g.version, kind: g.kind }) }));
      }
    }
    for (const s of schemasIn(this.definitions)) {
      if (s.$ref === undefined || this.refs.has(s)) continue;
      try {
        this.refs.set(s, { name: refName(s.$ref), resolved: this.follow(s) });
      } catch {
        // A dangling ref stays out of the index: resolve() throws for it when it is used, as before.
      }
    }
  }

  /** The definition named `name` (own property only), or undefined. */
  definition(name: string): Schema | undefined {
    return Object.hasOwn(this.definitions, name) ? this.definitions[name] : undefined;
  }

  /** The schema of a kind (e.g. `{group: 'apps', version: 'v1', kind: 'Deployment'}`), or undefined if not built in. The result is frozen and shared. */
  kind(gvk: SchemaGVK): KindSchema | undefined {
    return this.byGvk.get(gvkKey(gvk));
  }

  /** Follows `$ref`s until a schema with a type (or a free-form one); throws on a dangling ref. */
  resolve(s: Schema): Schema {
    if (s.$ref === undefined) return s;
    return this.refs.get(s)?.resolved ?? this.follow(s);
  }

  /**
   * The definition a `$ref` schema names and its resolved schema; undefined
   * for a schema without `$ref`. Throws as resolve() on a dangling ref.
   */
  ref(s: Schema): RefTarget | undefined {
    if (s.$ref === undefined) return undefined;
    return this.refs.get(s) ?? { name: refName(s.$ref), resolved: this.follow(s) };
  }

  /** resolve() without the index: walks the `$ref` chain. */
  private follow(s: Schema): Schema {
    let cur = s;
    for (let hops = 0; cur.$ref !== undefined; hops++) {
      const name = refName(cur.$ref);
      const next = this.definition(name);
      if (!next || hops > 16) throw new Error(`unresolvable schema reference ${cur.$ref}`);
      cur = next;
    }
    return cur;
  }
}

/** The definition name a `$ref` points at (`#/definitions/x` → `x`). */
export function refName(ref: string): string {
  return ref.startsWith(refPrefix) ? ref.slice(refPrefix.length) : ref;
}

let builtin: SchemaCatalog | undefined;

/** The catalog of Skiff's generated built-in definitions (read from disk on first use, then shared: it is immutable). */
export function builtinCatalog(): SchemaCatalog {
  builtin ??= new SchemaCatalog(JSON.parse(readFileSync(new URL('./definitions.json', import.meta.url), 'utf8')) as Definitions);
  return builtin;
}
