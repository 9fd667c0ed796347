/**
 * Building blocks shared by the resource definitions: verbs, column helpers,
 * object-metadata validation and the spec/status preservation rules every
 * resource with a status subresource follows.
 */
import type { ObjectMeta } from 'kubernetes-types/meta/v1';
import type { KubeObject } from '../../api/object.ts';
import type { FieldCause } from '../../api/errors.ts';
import type { TableColumn } from '../types.ts';
import { dns1123SubdomainErrors, invalidValue, required, validateAnnotations, validateLabels, validateName } from '../../api/validation.ts';
import { ageSince } from './duration.ts';

/** The verbs of an ordinary stored resource, as Kubernetes lists them in discovery. */
export const standardVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** A Table column in Kubernetes' naming ("Cluster-IP"); kubectl upper-cases it. */
export function column(name: string, description: string, opts: { type?: TableColumn['type']; priority?: number; format?: string } = {}): TableColumn {
  const c: TableColumn = { name, type: opts.type ?? 'string', description, priority: opts.priority ?? 0 };
  if (opts.format !== undefined) c.format = opts.format;
  return c;
}

/** The Age column every resource shows. */
export const ageColumn = column('Age', 'CreationTimestamp is a timestamp representing the server time when this object was created.');

/** Cell for the Age column: human age of metadata.creationTimestamp at `now` (ms). */
export function ageCell(obj: KubeObject, now: number): string {
  return ageSince(obj.metadata?.creationTimestamp, now);
}

/**
 * Validates the common metadata (Kubernetes ValidateObjectMeta): name (or
 * generateName) required and passing `nameCheck`, label and annotation syntax.
 */
export function validateMeta(meta: ObjectMeta | undefined, nameCheck: (v: string) => string[] = dns1123SubdomainErrors): FieldCause[] {
  // Wrongly typed metadata is reported by the store (api/meta.ts metadataTypeErrors); here it only must not throw.
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) return [];
  const out: FieldCause[] = [];
  const name: unknown = meta.name;
  const generateName: unknown = meta.generateName;
  if (!name) {
    if (!generateName) out.push(required('metadata.name', 'name or generateName is required'));
  } else if (typeof name === 'string') {
    out.push(...validateName('metadata.name', name, nameCheck));
  }
  // Kubernetes checks generateName as a prefix: a trailing '-' is allowed (maskTrailingDash).
  if (typeof generateName === 'string' && generateName !== '') {
    const masked = generateName.length > 1 && generateName.endsWith('-') ? `${generateName.slice(0, -2)}a` : generateName;
    for (const d of nameCheck(masked)) out.push(invalidValue('metadata.generateName', generateName, d));
  }
  out.push(...validateLabels('metadata.labels', mapOf(meta.labels)));
  out.push(...validateAnnotations('metadata.annotations', mapOf(meta.annotations)));
  return out;
}

/** `v` when it is a JSON object, else undefined (type errors are reported elsewhere). */
function mapOf(v: unknown): Record<string, string> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, string>) : undefined;
}

/** An object with spec and status, as the status-subresource rules need. */
export interface SpecStatus extends KubeObject {
  spec?: unknown;
  status?: unknown;
}

/** Main-resource update: the status is kept from the stored object (Kubernetes PrepareForUpdate). */
export function keepStatus<T extends SpecStatus>(newObj: T, oldObj: T): void {
  if (oldObj.status === undefined) delete newObj.status;
  else newObj.status = structuredClone(oldObj.status);
}

/** Status update: the spec is kept from the stored object (Kubernetes PrepareForUpdate of the status strategy). */
export function keepSpec<T extends SpecStatus>(newObj: T, oldObj: T): void {
  if (oldObj.spec === undefined) delete newObj.spec;
  else newObj.spec = structuredClone(oldObj.spec);
}

/** "a,b,c" or "<none>" when empty, as kubectl's printers join lists. */
export function joinOrNone(items: string[]): string {
  return items.length === 0 ? '<none>' : items.join(',');
}
