/**
 * Generic object-metadata rules the store applies to every resource:
 * timestamps, generated names, metadata type checks, names, finalizers and
 * owner references (Kubernetes apimachinery/pkg/api/validation
 * ValidateObjectMeta; labels, annotations and each resource's own name rule
 * are checked by the strategies through registry/resources/common.ts).
 */
import type { OwnerReference } from 'kubernetes-types/meta/v1';
import type { KubeObject } from './object.ts';
import { invalid, type FieldCause } from './errors.ts';
import { dns1123LabelErrors, dns1123SubdomainErrors, invalidValue, qualifiedNameErrors, required, typeError, validateName } from './validation.ts';
import { rfc3339 } from './time.ts';

const SUFFIX_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

/** `generateName` + 5 random characters from Kubernetes' alphabet (no vowels, no confusable digits). */
export function generatedName(prefix: string, random: () => number = Math.random): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += SUFFIX_CHARS[Math.floor(random() * SUFFIX_CHARS.length)];
  return prefix.slice(0, 253 - 5) + s;
}

/** Kubernetes' BannedOwners: an Event can own nothing. */
const BANNED_OWNERS = new Set(['v1/Event']);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Type checks of `metadata` (any JSON value): an object whose name,
 * generateName, namespace, uid, resourceVersion are strings, generation and
 * deletionGracePeriodSeconds integers, labels and annotations maps of strings,
 * finalizers a list of strings, ownerReferences a list of objects with string
 * apiVersion/kind/name/uid and boolean controller/blockOwnerDeletion. Causes
 * use the schema wording (`... in body must be of type string`).
 */
export function metadataTypeErrors(metadata: unknown): FieldCause[] {
  if (metadata === undefined) return [];
  if (!isPlainObject(metadata)) return [typeError('metadata', metadata, 'object')];
  const out: FieldCause[] = [];
  const m = metadata;
  for (const f of ['name', 'generateName', 'namespace', 'uid', 'resourceVersion', 'selfLink', 'creationTimestamp', 'deletionTimestamp']) {
    if (m[f] !== undefined && m[f] !== null && typeof m[f] !== 'string') out.push(typeError(`metadata.${f}`, m[f], 'string'));
  }
  for (const f of ['generation', 'deletionGracePeriodSeconds']) {
    if (m[f] !== undefined && m[f] !== null && !Number.isSafeInteger(m[f])) out.push(typeError(`metadata.${f}`, m[f], 'integer'));
  }
  for (const f of ['labels', 'annotations']) {
    const v = m[f];
    if (v === undefined || v === null) continue;
    if (!isPlainObject(v)) out.push(typeError(`metadata.${f}`, v, 'object'));
    else for (const [k, x] of Object.entries(v)) if (typeof x !== 'string') out.push(typeError(`metadata.${f}[${k}]`, x, 'string'));
  }
  const fin = m.finalizers;
  if (fin !== undefined && fin !== null) {
    if (!Array.isArray(fin)) out.push(typeError('metadata.finalizers', fin, 'array'));
    else fin.forEach((x, i) => { if (typeof x !== 'string') out.push(typeError(`metadata.finalizers[${i}]`, x, 'string')); });
  }
  const refs = m.ownerReferences;
  if (refs !== undefined && refs !== null) {
    if (!Array.isArray(refs)) out.push(typeError('metadata.ownerReferences', refs, 'array'));
    else refs.forEach((r, i) => {
      const p = `metadata.ownerReferences[${i}]`;
      if (!isPlainObject(r)) { out.push(typeError(p, r, 'object')); return; }
      for (const f of ['apiVersion', 'kind', 'name', 'uid']) if (r[f] !== undefined && r[f] !== null && typeof r[f] !== 'string') out.push(typeError(`${p}.${f}`, r[f], 'string'));
      for (const f of ['controller', 'blockOwnerDeletion']) if (r[f] !== undefined && r[f] !== null && typeof r[f] !== 'boolean') out.push(typeError(`${p}.${f}`, r[f], 'boolean'));
    });
  }
  return out;
}

/**
 * Throws 422 Invalid (`Pod "x" is invalid: metadata.name: Invalid value:
 * "integer": ...`) when `obj.metadata` is wrongly typed (metadataTypeErrors),
 * before the store or a strategy reads it. `obj` may be any JSON value.
 */
export function assertMetadataTypes(obj: unknown, kind: string, group: string): void {
  const meta = isPlainObject(obj) ? obj.metadata : undefined;
  const errs = metadataTypeErrors(meta);
  if (errs.length === 0) return;
  const name = isPlainObject(meta) && typeof meta.name === 'string' ? meta.name : '';
  throw invalid(kind, group, name, errs);
}

/**
 * Kubernetes ValidateOwnerReferences (apimachinery/pkg/api/validation
 * objectmeta.go): apiVersion with a version, kind, name and uid non-empty,
 * no banned owner (v1 Event), at most one controller reference. The field is
 * `metadata.ownerReferences` (no index), as Kubernetes reports it.
 */
export function validateOwnerReferences(refs: readonly OwnerReference[] | undefined): FieldCause[] {
  const out: FieldCause[] = [];
  const fld = 'metadata.ownerReferences';
  let firstController = '';
  for (const r of refs ?? []) {
    const version = (r.apiVersion ?? '').split('/').pop() ?? '';
    if (version === '' || (r.apiVersion ?? '').split('/').length > 2) out.push(invalidValue(`${fld}.apiVersion`, r.apiVersion ?? '', 'version must not be empty'));
    if (!r.kind) out.push(invalidValue(`${fld}.kind`, r.kind ?? '', 'kind must not be empty'));
    if (!r.name) out.push(invalidValue(`${fld}.name`, r.name ?? '', 'name must not be empty'));
    if (!r.uid) out.push(invalidValue(`${fld}.uid`, r.uid ?? '', 'uid must not be empty'));
    if (BANNED_OWNERS.has(`${r.apiVersion ?? ''}/${r.kind ?? ''}`)) out.push(invalidValue(fld, r, `/${r.apiVersion ?? ''}, Kind=${r.kind ?? ''} is disallowed from being an owner`));
    if (r.controller === true) {
      const cur = `${r.kind ?? ''}/${r.name ?? ''}`;
      if (firstController !== '') out.push(invalidValue(fld, refs, `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${cur}`));
      else firstController = cur;
    }
  }
  return out;
}

/**
 * Kubernetes ValidateFinalizers: every finalizer a qualified name, and not
 * both `orphan` and `foregroundDeletion`.
 */
export function validateFinalizers(finalizers: readonly string[] | undefined): FieldCause[] {
  const out: FieldCause[] = [];
  const fld = 'metadata.finalizers';
  for (const f of finalizers ?? []) for (const d of qualifiedNameErrors(f)) out.push(invalidValue(fld, f, d));
  if (finalizers?.includes('orphan') && finalizers.includes('foregroundDeletion')) {
    out.push(invalidValue(fld, finalizers, 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  return out;
}

/**
 * The generic metadata checks the store runs on every create and update of
 * every resource: types, name (or generateName) required, the name a DNS-1123
 * subdomain (a DNS-1123 label with `labelNames`, as namespaces), generation
 * ≥ 0, finalizers and owner references. Total: `obj` may hold any JSON value.
 * `nameErrors` replaces the name rule (Kubernetes' per-strategy NameFunc,
 * e.g. RBAC's ValidatePathSegmentName).
 */
export function validateMeta(obj: KubeObject, labelNames: boolean, nameErrors?: (name: string) => string[]): FieldCause[] {
  const types = metadataTypeErrors(obj.metadata);
  if (types.length > 0) return types;
  const meta = obj.metadata ?? {};
  const out: FieldCause[] = [];
  if (!meta.name) out.push(required('metadata.name', 'name or generateName is required'));
  else out.push(...validateName('metadata.name', meta.name, nameErrors ?? (labelNames ? dns1123LabelErrors : dns1123SubdomainErrors)));
  if (meta.generation !== undefined && meta.generation < 0) out.push(invalidValue('metadata.generation', meta.generation, 'must be greater than or equal to 0'));
  out.push(...validateFinalizers(meta.finalizers));
  out.push(...validateOwnerReferences(meta.ownerReferences));
  return out;
}
