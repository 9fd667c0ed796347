/**
 * How a list merges and how its items are named in a field path: the
 * `x-kubernetes-list-type` / `x-kubernetes-list-map-keys` of the schema
 * (SMD schema.List: associative "map" with keys, "set", or "atomic").
 *
 * The lookup is a function passed in, so the source can change in one place:
 * today `provisionalListTypes` derives it from the strategic-merge key table
 * (api/patch/strategic.ts); the OpenAPI schemas will replace it.
 */
import { mergeKeyFor } from '../patch/strategic.ts';

/** The merge semantics of one list. `defaults` fill key fields an item omits (e.g. protocol TCP). */
export type ListType =
  | { type: 'map'; keys: readonly string[]; defaults?: Readonly<Record<string, unknown>> }
  | { type: 'set' }
  | { type: 'atomic' };

/** The list type of the list at `path` (field names from the root, list items skipped). */
export type ListTypes = (path: readonly string[]) => ListType;

const SETS = new Set(['finalizers']);
const PROTOCOL_DEFAULT = { protocol: 'TCP' } as const;

/**
 * The provisional lookup: the strategic-merge merge key becomes the list-map
 * key; ports are keyed by (containerPort|port, protocol) with protocol
 * defaulting to TCP, as Kubernetes' schemas declare; finalizers are a set;
 * every other list is atomic.
 */
export const provisionalListTypes: ListTypes = (path) => {
  const field = path[path.length - 1];
  if (SETS.has(field)) return { type: 'set' };
  const key = mergeKeyFor(path);
  if (key === undefined) return { type: 'atomic' };
  if (field === 'ports') return { type: 'map', keys: [key, 'protocol'], defaults: PROTOCOL_DEFAULT };
  return { type: 'map', keys: [key] };
};
