/**
 * How a list merges and how its items are named in a field path: the
 * `x-kubernetes-list-type` / `x-kubernetes-list-map-keys` of the schema
 * (structured-merge-diff schema.List: associative "map" with keys, "set", or
 * "atomic"), read from the served OpenAPI definitions (api/schema), the same
 * source strategic merge uses.
 */
import { fieldSchema, itemSchema, listStrategy, type PatchSchema } from '../patch/list-strategy.ts';
import { builtinCatalog } from '../schema/index.ts';

/** The merge semantics of one list. `defaults` fill key fields an item omits (e.g. protocol TCP). */
export type ListType =
  | { type: 'map'; keys: readonly string[]; defaults?: Readonly<Record<string, unknown>> }
  | { type: 'set' }
  | { type: 'atomic' };

/** The list type of the list at `path` (field names from the root, list items skipped). */
export type ListTypes = (path: readonly string[]) => ListType;

/** Kubernetes defaults `protocol` to TCP in every port list keyed by it (ContainerPort, ServicePort, EndpointPort). */
const PROTOCOL_DEFAULT = { protocol: 'TCP' } as const;

/**
 * The list type declared by a list property's schema: `x-kubernetes-list-type`
 * with its map keys when present; otherwise the strategic-merge metadata (a
 * merge key makes an associative list keyed by it, `merge` on primitives a
 * set), as structured-merge-diff derives it from the OpenAPI; atomic when the
 * schema says nothing.
 */
export function listTypeOf(at: PatchSchema | undefined): ListType {
  const s = at?.schema;
  const declared = s?.['x-kubernetes-list-type'];
  const keys = s?.['x-kubernetes-list-map-keys'];
  if (declared === 'map' && keys && keys.length > 0) return keys.includes('protocol') ? { type: 'map', keys, defaults: PROTOCOL_DEFAULT } : { type: 'map', keys };
  if (declared === 'set') return { type: 'set' };
  if (declared === 'atomic') return { type: 'atomic' };
  const strategy = listStrategy(at);
  if (strategy.mergeKey !== undefined) return { type: 'map', keys: [strategy.mergeKey] };
  return strategy.set ? { type: 'set' } : { type: 'atomic' };
}

/**
 * The ListTypes of documents of one kind, walking its schema along the path
 * (stepping into list items and map values); lists the schema does not
 * describe are atomic.
 */
export function schemaListTypes(root: PatchSchema | undefined): ListTypes {
  return (path) => {
    let at = root;
    for (let i = 0; i < path.length && at; i++) {
      at = fieldSchema(at, path[i]);
      if (at && i < path.length - 1 && at.catalog.resolve(at.schema).type === 'array') at = itemSchema(at);
    }
    return listTypeOf(at);
  };
}

/** The ListTypes of the built-in kind group/version/kind (every list atomic for a kind without a schema). */
export function kindListTypes(group: string, version: string, kind: string): ListTypes {
  const catalog = builtinCatalog();
  const k = catalog.kind({ group, version, kind });
  return schemaListTypes(k ? { catalog, schema: k.schema } : undefined);
}

/** The default lookup for objects whose kind is not passed: apps/v1 and core/v1 lists by field name alone are not enough, so it treats every list as atomic. */
export const atomicListTypes: ListTypes = () => ({ type: 'atomic' });
