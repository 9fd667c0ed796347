/**
 * Reusable field validators with the Kubernetes wording
 * (k8s.io/apimachinery/pkg/util/validation and .../validation/field).
 * Every check returns FieldCause[] (empty when valid) so callers concatenate.
 */
import type { FieldCause } from './errors.ts';

/** Renders a value as Kubernetes does after `Invalid value: `: strings quoted, arrays as JSON, numbers bare. */
export function formatValue(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === undefined || value === null) return 'null';
  return JSON.stringify(value);
}

/** `field: Required value[: detail]` (reason FieldValueRequired). */
export function required(field: string, detail?: string): FieldCause {
  return { reason: 'FieldValueRequired', message: detail ? `Required value: ${detail}` : 'Required value', field };
}

/** `field: Invalid value: "x": detail` (reason FieldValueInvalid). */
export function invalidValue(field: string, value: unknown, detail: string): FieldCause {
  return { reason: 'FieldValueInvalid', message: `Invalid value: ${formatValue(value)}: ${detail}`, field };
}

/** `field: Unsupported value: "x": supported values: "a", "b"` (reason FieldValueNotSupported). */
export function unsupported(field: string, value: unknown, supported: readonly string[]): FieldCause {
  const list = supported.map((s) => JSON.stringify(s)).join(', ');
  return { reason: 'FieldValueNotSupported', message: `Unsupported value: ${formatValue(value)}: supported values: ${list}`, field };
}

/** `field: Duplicate value: "x"` (reason FieldValueDuplicate). */
export function duplicate(field: string, value: unknown): FieldCause {
  return { reason: 'FieldValueDuplicate', message: `Duplicate value: ${formatValue(value)}`, field };
}

/** `field: Forbidden: detail` (reason FieldValueForbidden). */
export function forbidden(field: string, detail: string): FieldCause {
  return { reason: 'FieldValueForbidden', message: `Forbidden: ${detail}`, field };
}

const dns1123LabelFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`;
const dns1035LabelFmt = '[a-z]([-a-z0-9]*[a-z0-9])?';
const qualifiedNameFmt = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const labelValueFmt = `(${qualifiedNameFmt})?`;

const dns1123LabelRe = new RegExp(`^${dns1123LabelFmt}$`);
const dns1123SubdomainRe = new RegExp(`^${dns1123SubdomainFmt}$`);
const dns1035LabelRe = new RegExp(`^${dns1035LabelFmt}$`);
const qualifiedNameRe = new RegExp(`^${qualifiedNameFmt}$`);
const labelValueRe = new RegExp(`^${labelValueFmt}$`);

/** Messages, as Kubernetes words them, of a failed format check. */
export const formatMessages = {
  dns1123Label: `a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '${dns1123LabelFmt}')`,
  dns1123Subdomain: `a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '${dns1123SubdomainFmt}')`,
  dns1035Label: `a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '${dns1035LabelFmt}')`,
  qualifiedName: `name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '${qualifiedNameFmt}')`,
  labelValue: `a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '${labelValueFmt}')`,
};

const maxLen = (n: number): string => `must be no more than ${n} characters`;

/** Problems (detail strings) of `v` as a DNS-1123 label (max 63). Empty when valid. */
export function dns1123LabelErrors(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push(maxLen(63));
  if (!dns1123LabelRe.test(v)) errs.push(formatMessages.dns1123Label);
  return errs;
}

/** Problems of `v` as a DNS-1123 subdomain (max 253). Empty when valid. */
export function dns1123SubdomainErrors(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push(maxLen(253));
  if (!dns1123SubdomainRe.test(v)) errs.push(formatMessages.dns1123Subdomain);
  return errs;
}

/** Problems of `v` as a DNS-1035 label (Service names; max 63). Empty when valid. */
export function dns1035LabelErrors(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push(maxLen(63));
  if (!dns1035LabelRe.test(v)) errs.push(formatMessages.dns1035Label);
  return errs;
}

/** Problems of a qualified name (`prefix/name`, as label and annotation keys). Empty when valid. */
export function qualifiedNameErrors(v: string): string[] {
  const parts = v.split('/');
  let name = v;
  const errs: string[] = [];
  if (parts.length === 2) {
    const [prefix, n] = parts as [string, string];
    name = n;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else for (const e of dns1123SubdomainErrors(prefix)) errs.push(`prefix part ${e}`);
  } else if (parts.length > 2) {
    return [`a qualified name ${formatMessages.qualifiedName.replace(/^name part /, '')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push(`name part ${maxLen(63)}`);
  if (name.length > 0 && !qualifiedNameRe.test(name)) errs.push(formatMessages.qualifiedName);
  return errs;
}

/** Problems of a label value (max 63, may be empty). Empty when valid. */
export function labelValueErrors(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push(maxLen(63));
  if (!labelValueRe.test(v)) errs.push(formatMessages.labelValue);
  return errs;
}

/** Validates a name with `check`, one Invalid cause per problem. */
export function validateName(field: string, name: string, check: (v: string) => string[]): FieldCause[] {
  return check(name).map((d) => invalidValue(field, name, d));
}

/** Validates metadata.labels-style maps: keys qualified names, values label values (Kubernetes ValidateLabels). */
export function validateLabels(field: string, labels: Record<string, string> | undefined): FieldCause[] {
  const out: FieldCause[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const d of qualifiedNameErrors(k)) out.push(invalidValue(field, k, d));
    if (typeof v !== 'string') out.push(invalidValue(field, v, 'must be a string'));
    else for (const d of labelValueErrors(v)) out.push(invalidValue(field, v, d));
  }
  return out;
}

/** Validates annotation keys (qualified names) and total size (256 KiB), as Kubernetes ValidateAnnotations. */
export function validateAnnotations(field: string, annotations: Record<string, string> | undefined): FieldCause[] {
  const out: FieldCause[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    for (const d of qualifiedNameErrors(k.toLowerCase())) out.push(invalidValue(field, k, d));
    size += k.length + (typeof v === 'string' ? v.length : 0);
  }
  if (size > 256 * 1024) out.push({ reason: 'FieldValueTooLong', message: `Too long: must have at most ${256 * 1024} bytes`, field });
  return out;
}

/** Port numbers: `must be between 1 and 65535, inclusive`. */
export function validatePortNumber(field: string, port: unknown): FieldCause[] {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    return [invalidValue(field, port, 'must be between 1 and 65535, inclusive')];
  }
  return [];
}

/** IANA service names (port names): at most 15 chars, a-z0-9 and '-', a letter, no '--', no leading/trailing '-'. */
export function portNameErrors(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 15) errs.push(maxLen(15));
  if (!/^[-a-z0-9]+$/.test(v)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (v.includes('--')) errs.push('must not contain consecutive hyphens');
  if (!/[a-z]/.test(v)) errs.push('must contain at least one letter (a-z)');
  if (v.startsWith('-') || v.endsWith('-')) errs.push('must not begin or end with a hyphen');
  return errs;
}

/** Protocols accepted on ports: TCP, UDP, SCTP. */
export function validateProtocol(field: string, protocol: unknown): FieldCause[] {
  if (protocol === undefined) return [required(field)];
  const ok = ['SCTP', 'TCP', 'UDP'];
  return ok.includes(String(protocol)) ? [] : [unsupported(field, protocol, ok)];
}

/** Non-negative integer fields: `must be greater than or equal to 0`. */
export function validateNonNegative(field: string, v: unknown): FieldCause[] {
  if (v === undefined) return [];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) return [invalidValue(field, v, 'must be greater than or equal to 0')];
  return [];
}

const configMapKeyFmt = '[-._a-zA-Z0-9]+';
const configMapKeyRe = new RegExp(`^${configMapKeyFmt}$`);

/**
 * Problems of a ConfigMap/Secret data key (Kubernetes IsConfigMapKey): at most
 * 253 characters of `[-._a-zA-Z0-9]`, not `.` or `..`, not starting with `..`.
 * Empty when valid.
 */
export function configMapKeyErrors(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push(maxLen(253));
  if (!configMapKeyRe.test(v)) {
    errs.push(`a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '${configMapKeyFmt}')`);
  }
  if (v === '.') errs.push("must not be '.'");
  else if (v === '..') errs.push("must not be '..'");
  else if (v.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

/** `field: Too long: may not be more than N bytes` (reason FieldValueTooLong; the value is never shown). */
export function tooLong(field: string, maxBytes: number): FieldCause {
  return { reason: 'FieldValueTooLong', message: `Too long: may not be more than ${maxBytes} bytes`, field };
}

/** The OpenAPI type name of a JSON value: 'integer', 'number', 'string', 'boolean', 'array', 'object' or 'null'. */
export function jsonTypeName(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/**
 * A wrongly typed field, worded as Kubernetes' schema validation words it:
 * `spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"`.
 */
export function typeError(field: string, value: unknown, want: string): FieldCause {
  const got = jsonTypeName(value);
  return { reason: 'FieldValueTypeInvalid', message: `Invalid value: "${got}": ${field} in body must be of type ${want}: "${got}"`, field };
}

/** Largest int32 (Kubernetes' math.MaxInt32). */
export const MAX_INT32 = 2147483647;

/**
 * An integer field of Kubernetes type int32 (`bits` 32) or int64 (`bits` 64,
 * limited to what a JS number holds exactly): a type error for a non-integer,
 * `must be between min and max, inclusive` outside [min, max] (min defaults to
 * 0). undefined is valid (unset). Source: validation.InclusiveRangeError.
 */
export function validateInt(field: string, v: unknown, bits: 32 | 64, min = 0, max?: number): FieldCause[] {
  if (v === undefined) return [];
  if (typeof v !== 'number' || !Number.isInteger(v)) return [typeError(field, v, 'integer')];
  const hi = max ?? (bits === 32 ? MAX_INT32 : Number.MAX_SAFE_INTEGER);
  if (v < min && min === 0 && max === undefined) return [invalidValue(field, v, 'must be greater than or equal to 0')];
  if (v < min || v > hi) return [invalidValue(field, v, `must be between ${min} and ${hi}, inclusive`)];
  return [];
}
