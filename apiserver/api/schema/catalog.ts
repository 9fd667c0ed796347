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

/** Definitions by name plus an index by GVK. */
export class SchemaCatalog {
  readonly definitions: Readonly<Record<string, Schema>>;
  private readonly byGvk = new Map<string, string>();

  /** Wraps (and freezes) a Definitions document. */
  constructor(file: Definitions) {
    this.definitions = deepFreeze(file.definitions);
    for (const [name, def] of Object.entries(this.definitions)) {
      for (const g of def['x-kubernetes-group-version-kind'] ?? []) this.byGvk.set(gvkKey(g), name);
    }
  }

  /** The definition named `name` (own property only), or undefined. */
  definition(name: string): Schema | undefined {
    return Object.hasOwn(this.definitions, name) ? this.definitions[name] : undefined;
  }

  /** The schema of a kind (e.g. `{group: 'apps', version: 'v1', kind: 'Deployment'}`), or undefined if not built in. */
  kind(gvk: SchemaGVK): KindSchema | undefined {
    const name = this.byGvk.get(gvkKey(gvk));
    const schema = name === undefined ? undefined : this.definition(name);
    return name !== undefined && schema ? { catalog: this, name, schema, gvk: { ...gvk } } : undefined;
  }

  /** Follows `$ref`s until a schema with a type (or a free-form one); throws on a dangling ref. */
  resolve(s: Schema): Schema {
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
