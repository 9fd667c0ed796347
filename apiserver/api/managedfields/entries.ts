/**
 * metadata.managedFields ⇄ managers (k8s.io/apiserver
 * pkg/util/managedfields/internal/managedfields.go): decoding, the manager
 * identity, encoding in Kubernetes' order, and the entry validation of
 * ValidateManagedFields (k8s.io/apimachinery/pkg/api/validation/objectmeta.go).
 */
import type { ManagedFieldsEntry } from 'kubernetes-types/meta/v1';
import type { FieldCause } from '../errors.ts';
import { FieldSet } from './fieldpath.ts';
import { decodeFieldsV1, encodeFieldsV1, type FieldsV1 } from './fieldsv1.ts';

/** One manager's fields. `time` is RFC 3339; `subresource` '' for the main resource. */
export interface Manager {
  manager: string;
  operation: string;
  apiVersion: string;
  time?: string;
  subresource: string;
  set: FieldSet;
}

/** Managers by identity (see managerId). */
export type Managers = Map<string, Manager>;

/**
 * The identity of a manager entry, as BuildManagerIdentifier: manager,
 * operation and subresource, plus apiVersion for Update entries only (an
 * applier keeps one entry across versions).
 */
export function managerId(m: Pick<Manager, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  return JSON.stringify([m.manager, m.operation, m.operation === 'Apply' ? '' : m.apiVersion, m.subresource]);
}

/**
 * Decodes metadata.managedFields. Returns the managers, or an error string
 * when the value is not a list of entries, an entry's fieldsType is not
 * FieldsV1, or its fieldsV1 is malformed (Kubernetes then falls back to the
 * live object's managers).
 */
export function decodeManagers(value: unknown): Managers | string {
  const out: Managers = new Map();
  if (value === undefined || value === null) return out;
  if (!Array.isArray(value)) return 'managedFields must be a list';
  for (const [i, raw] of value.entries()) {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return `managedFields[${i}] must be an object`;
    const e = raw as Record<string, unknown>;
    const str = (k: string): string => (typeof e[k] === 'string' ? e[k] as string : '');
    if (e.fieldsType !== undefined && e.fieldsType !== 'FieldsV1') return `managedFields[${i}]: unsupported fieldsType ${JSON.stringify(e.fieldsType)}`;
    const set = e.fieldsV1 === undefined || e.fieldsV1 === null ? new FieldSet() : decodeFieldsV1(e.fieldsV1);
    if (typeof set === 'string') return `managedFields[${i}].fieldsV1: ${set}`;
    const m: Manager = { manager: str('manager'), operation: str('operation'), apiVersion: str('apiVersion'), subresource: str('subresource'), set };
    if (typeof e.time === 'string') m.time = e.time;
    const id = managerId(m);
    const prev = out.get(id);
    out.set(id, prev ? { ...m, set: prev.set.union(set) } : m);
  }
  return out;
}

/**
 * Encodes managers as metadata.managedFields, dropping those that own
 * nothing, sorted as Kubernetes sorts them: operation (Apply before Update),
 * time, manager, apiVersion, subresource.
 */
export function encodeManagers(managers: Managers): ManagedFieldsEntry[] {
  const list = [...managers.values()].filter((m) => !m.set.isEmpty());
  list.sort((a, b) => cmp(a.operation, b.operation) || cmp(a.time ?? '', b.time ?? '') || cmp(a.manager, b.manager) || cmp(a.apiVersion, b.apiVersion) || cmp(a.subresource, b.subresource));
  return list.map((m) => encodeEntry(m, encodeFieldsV1(m.set)));
}

/** One managedFields entry of manager `m` owning the fields `fieldsV1` (m.set is not read). */
export function encodeEntry(m: Omit<Manager, 'set'>, fieldsV1: FieldsV1): ManagedFieldsEntry {
  const e: ManagedFieldsEntry = { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion };
  if (m.time !== undefined) e.time = m.time;
  e.fieldsType = 'FieldsV1';
  e.fieldsV1 = fieldsV1;
  if (m.subresource) e.subresource = m.subresource;
  return e;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The longest manager name Kubernetes accepts (FieldManagerMaxLength). */
export const MAX_MANAGER_LENGTH = 128;

/**
 * ValidateManagedFields for the entries about to be stored: operation Apply
 * or Update, fieldsType FieldsV1, manager at most 128 characters.
 */
export function validateEntries(entries: readonly ManagedFieldsEntry[]): FieldCause[] {
  const causes: FieldCause[] = [];
  entries.forEach((e, i) => {
    const at = `metadata.managedFields[${i}]`;
    if (e.operation !== 'Apply' && e.operation !== 'Update') {
      causes.push({ reason: 'FieldValueNotSupported', field: `${at}.operation`, message: `Unsupported value: ${JSON.stringify(e.operation ?? '')}: supported values: "Apply", "Update"` });
    }
    if ((e.manager ?? '').length > MAX_MANAGER_LENGTH) {
      causes.push({ reason: 'FieldValueTooLong', field: `${at}.manager`, message: `Too long: may not be longer than ${MAX_MANAGER_LENGTH}` });
    }
  });
  return causes;
}
