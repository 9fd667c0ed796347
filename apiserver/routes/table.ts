/**
 * Server-side printing: meta.k8s.io/v1 Table responses (what `kubectl get`
 * asks for). The Name column is added here; the resource's own columns follow.
 */
import type { KubeObject } from '../api/object.ts';
import type { ResourceDef, TableColumn } from '../registry/types.ts';

/** One Table row. */
export interface TableRow {
  cells: unknown[];
  object?: KubeObject;
}

/** A meta.k8s.io/v1 Table. */
export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion?: string; continue?: string };
  columnDefinitions: TableColumn[];
  rows: TableRow[];
}

/** How much of each object a row carries (the `includeObject` query parameter). */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** Options of toTable. `now` is ms since epoch (for ages). */
export interface TableOptions {
  includeObject?: IncludeObject;
  now?: number;
  resourceVersion?: string;
  continue?: string;
}

const NAME_COLUMN: TableColumn = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated.',
  priority: 0,
};

/** The PartialObjectMetadata a row carries by default (kubectl reads namespace and labels from it). */
export function partialObjectMetadata(obj: KubeObject): KubeObject {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata ?? {} };
}

/**
 * Renders objects as a Table: columns = Name + def.table.columns (format
 * defaults to ''), one row per object with cells = [name, ...def.table.cells];
 * without the Name column when def.table.omitNameColumn (events).
 * Rows carry PartialObjectMetadata, the full object, or nothing per `includeObject`.
 */
export function toTable(def: ResourceDef, items: KubeObject[], opts: TableOptions = {}): Table {
  const now = opts.now ?? Date.now();
  const include = opts.includeObject ?? 'Metadata';
  const omitName = def.table.omitNameColumn === true;
  const metadata: Table['metadata'] = {};
  if (opts.resourceVersion !== undefined) metadata.resourceVersion = opts.resourceVersion;
  if (opts.continue) metadata.continue = opts.continue;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: [...(omitName ? [] : [NAME_COLUMN]), ...def.table.columns.map((c) => ({ ...c, format: c.format ?? '' }))],
    rows: items.map((obj) => {
      const own = def.table.cells(obj, now);
      const row: TableRow = { cells: omitName ? own : [obj.metadata?.name ?? '', ...own] };
      if (include === 'Object') row.object = obj;
      else if (include === 'Metadata') row.object = partialObjectMetadata(obj);
      return row;
    }),
  };
}

/**
 * True if an Accept header asks for a meta.k8s.io Table (v1 or v1beta1) in
 * any of its choices, e.g. `application/json;as=Table;v=v1;g=meta.k8s.io,application/json`.
 */
export function wantsTable(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => {
    const params = new Map(part.split(';').slice(1).map((p) => {
      const [k, v] = p.split('=');
      return [k.trim(), (v ?? '').trim()] as const;
    }));
    return params.get('as') === 'Table' && params.get('g') === 'meta.k8s.io' && (params.get('v') === 'v1' || params.get('v') === 'v1beta1');
  });
}

/** Parses the includeObject query parameter (default Metadata). */
export function includeObjectOf(v: unknown): IncludeObject {
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}
