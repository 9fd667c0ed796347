/**
 * Where strategic merge patch gets its list semantics: the schema of the
 * document being patched (api/schema), walked alongside it. A list property
 * carrying `x-kubernetes-patch-merge-key` merges element-wise by that key; a
 * list of primitives whose `x-kubernetes-patch-strategy` includes `merge`
 * merges as a set; every other list is atomic, as in
 * k8s.io/apimachinery/pkg/util/strategicpatch (PatchMetaFromOpenAPI).
 */
import { builtinCatalog, type SchemaCatalog, type Schema } from '../schema/index.ts';
import { isObject } from './json-value.ts';

/** A position in a schema: the (unresolved) schema there and the catalog to resolve `$ref`s. */
export interface PatchSchema {
  catalog: SchemaCatalog;
  schema: Schema;
}

/** How a list at some position merges. */
export interface ListStrategy {
  /** Element-wise merge by this key. */
  mergeKey?: string;
  /** A list of primitives merged as a set. */
  set: boolean;
}

/** The schema of a field (or map value) `key` under `at`, or undefined where the schema says nothing. */
export function fieldSchema(at: PatchSchema | undefined, key: string): PatchSchema | undefined {
  if (!at) return undefined;
  const r = at.catalog.resolve(at.schema);
  const s = r.properties ? (Object.hasOwn(r.properties, key) ? r.properties[key] : undefined) : r.additionalProperties;
  return s ? { catalog: at.catalog, schema: s } : undefined;
}

/** The element schema of the list at `at`. */
export function itemSchema(at: PatchSchema | undefined): PatchSchema | undefined {
  const items = at ? at.catalog.resolve(at.schema).items : undefined;
  return at && items ? { catalog: at.catalog, schema: items } : undefined;
}

/** The merge semantics of the list whose property schema is `at` (atomic when unknown). */
export function listStrategy(at: PatchSchema | undefined): ListStrategy {
  const s = at?.schema;
  const mergeKey = s?.['x-kubernetes-patch-merge-key'];
  const merge = (s?.['x-kubernetes-patch-strategy'] ?? '').split(',').includes('merge');
  return mergeKey !== undefined && merge ? { mergeKey, set: false } : { set: merge };
}

/**
 * The built-in schema of a document from its own apiVersion/kind (the first
 * of `docs` that names a known kind), or undefined.
 */
export function documentSchema(...docs: unknown[]): PatchSchema | undefined {
  const catalog = builtinCatalog();
  for (const d of docs) {
    if (!isObject(d) || typeof d.apiVersion !== 'string' || typeof d.kind !== 'string') continue;
    const slash = d.apiVersion.lastIndexOf('/');
    const k = catalog.kind({ group: slash < 0 ? '' : d.apiVersion.slice(0, slash), version: d.apiVersion.slice(slash + 1), kind: d.kind });
    if (k) return { catalog, schema: k.schema };
  }
  return undefined;
}
