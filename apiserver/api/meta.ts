/**
 * Generic object-metadata rules the store applies to every resource:
 * timestamps, generated names, name validation (Kubernetes
 * apimachinery/pkg/api/validation ValidateObjectMeta, reduced).
 */
import type { KubeObject } from './object.ts';
import type { FieldCause } from './errors.ts';

/** RFC 3339 with second precision, as Kubernetes serialises metav1.Time: '2026-11-22T03:33:35Z'. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

const SUFFIX_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

/** `generateName` + 5 random characters from Kubernetes' alphabet (no vowels, no confusable digits). */
export function generatedName(prefix: string, random: () => number = Math.random): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += SUFFIX_CHARS[Math.floor(random() * SUFFIX_CHARS.length)];
  return prefix.slice(0, 253 - 5) + s;
}

const SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Kubernetes' message for a bad DNS-1123 subdomain. */
export const SUBDOMAIN_MSG = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
/** Kubernetes' message for a bad DNS-1123 label. */
export const LABEL_MSG = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

/** Validates a name as a DNS-1123 subdomain (≤ 253) or, with `label`, a DNS-1123 label (≤ 63). */
export function validateName(name: string, label: boolean): FieldCause[] {
  const out: FieldCause[] = [];
  const max = label ? 63 : 253;
  if (name.length > max) out.push({ reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: ${JSON.stringify(name)}: must be no more than ${max} characters` });
  if (!(label ? LABEL_RE : SUBDOMAIN_RE).test(name)) out.push({ reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: ${JSON.stringify(name)}: ${label ? LABEL_MSG : SUBDOMAIN_MSG}` });
  return out;
}

const LABEL_KEY_RE = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE_RE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/**
 * Generic metadata checks on create and update: name (or generateName on
 * create) required and well-formed, label keys/values well-formed.
 */
export function validateMeta(obj: KubeObject, labelNames: boolean): FieldCause[] {
  const meta = obj.metadata ?? {};
  const out: FieldCause[] = [];
  if (!meta.name) out.push({ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' });
  else out.push(...validateName(meta.name, labelNames));
  for (const [k, v] of Object.entries(meta.labels ?? {})) {
    if (!LABEL_KEY_RE.test(k)) out.push({ reason: 'FieldValueInvalid', field: 'metadata.labels', message: `Invalid value: ${JSON.stringify(k)}: name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character` });
    if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE_RE.test(v)) out.push({ reason: 'FieldValueInvalid', field: `metadata.labels`, message: `Invalid value: ${JSON.stringify(v)}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character` });
  }
  return out;
}
