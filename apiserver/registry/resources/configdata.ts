/**
 * Rules ConfigMaps and Secrets share: data keys, base64 values, the 1 MiB
 * size limit and the `immutable` lock (Kubernetes ValidateConfigMap /
 * ValidateSecret and their update variants), plus the decode-time checks
 * Kubernetes makes before validation (a JSON value of the wrong type or bad
 * base64 is a 400, not a 422).
 */
import type { FieldCause } from '../../api/errors.ts';
import { badRequest, type StatusError } from '../../api/errors.ts';
import { configMapKeyErrors, forbidden, invalidValue } from '../../api/validation.ts';

/** Kubernetes MaxSecretSize, also the ConfigMap limit: 1 MiB of values (bytes). */
export const maxDataBytes = 1024 * 1024;

/** Whether `c` is a character of the standard base64 alphabet (not padding). */
function isBase64Char(c: string): boolean {
  return /^[A-Za-z0-9+/]$/.test(c);
}

const isNewline = (c: string | undefined): boolean => c === '\n' || c === '\r';

/**
 * Where Go's base64.StdEncoding (the decoder of JSON `[]byte` fields) rejects
 * `s`: the input byte offset it reports, or undefined when `s` decodes.
 * Padding is required; CR and LF are skipped; trailing bits are not checked.
 */
export function base64ErrorOffset(s: string): number | undefined {
  let si = 0;
  const n = s.length;
  for (;;) {
    for (let j = 0; j < 4; j++) {
      if (si === n) {
        if (j === 0) return undefined;
        return si - j;
      }
      const c = s[si]!;
      si++;
      if (isBase64Char(c)) continue;
      if (isNewline(c)) {
        j--;
        continue;
      }
      if (c !== '=') return si - 1;
      if (j < 2) return si - 1;
      if (j === 2) {
        while (si < n && isNewline(s[si])) si++;
        if (si === n) return n;
        if (s[si] !== '=') return si - 1;
        si++;
      }
      while (si < n && isNewline(s[si])) si++;
      return si < n ? si : undefined;
    }
  }
}

/** Decoded size in bytes of a valid base64 string. */
export function base64Bytes(s: string): number {
  return Buffer.from(s.replace(/[\r\n]/g, ''), 'base64').length;
}

/** What a JSON value is called in Go's "cannot unmarshal X" message. */
function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'object' : typeof v;
}

/**
 * The decode error Kubernetes reports for a string map field (`data`,
 * `binaryData`, `stringData`) whose values are not strings, or (with
 * `base64`) not valid base64; undefined when the field decodes. `field` is
 * the Go field path, e.g. 'ConfigMap.data'.
 */
export function stringMapError(value: unknown, field: string, base64: boolean): string | undefined {
  if (value === undefined || value === null) return undefined;
  const goType = base64 ? '[]uint8' : 'string';
  if (typeof value !== 'object' || Array.isArray(value)) {
    return `json: cannot unmarshal ${jsonKind(value)} into Go struct field ${field} of type map[string]${goType}`;
  }
  for (const v of Object.values(value)) {
    if (typeof v !== 'string') return `json: cannot unmarshal ${jsonKind(v)} into Go struct field ${field} of type ${goType}`;
    if (base64) {
      const at = base64ErrorOffset(v);
      if (at !== undefined) return `illegal base64 data at input byte ${at}`;
    }
  }
  return undefined;
}

/** The 400 Kubernetes returns for a body that does not decode: `Secret in version "v1" cannot be handled as a Secret: <why>`. */
export function undecodable(kind: string, why: string): StatusError {
  return badRequest(`${kind} in version "v1" cannot be handled as a ${kind}: ${why}`);
}

/** One Invalid cause per bad key of a data map, at `<field>[<key>]`. */
export function keyCauses(field: string, data: Record<string, unknown> | undefined): FieldCause[] {
  const out: FieldCause[] = [];
  for (const k of Object.keys(data ?? {})) {
    for (const d of configMapKeyErrors(k)) out.push(invalidValue(`${field}[${k}]`, k, d));
  }
  return out;
}

function sameMap(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {}).sort();
  const kb = Object.keys(b ?? {}).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a![k] === b![k]);
}

const lockedMsg = 'field is immutable when `immutable` is set';

/**
 * Update causes when the stored object has `immutable: true`: `immutable`
 * may not be unset and the listed maps (`data`, `binaryData`) may not change
 * (`<field>: Forbidden: field is immutable when \`immutable\` is set`).
 * A missing map and an empty one count as equal.
 */
export function immutableCauses(
  next: { immutable?: boolean },
  old: { immutable?: boolean },
  maps: Array<[string, Record<string, string> | undefined, Record<string, string> | undefined]>,
): FieldCause[] {
  if (old.immutable !== true) return [];
  const out: FieldCause[] = [];
  if (next.immutable !== true) out.push(forbidden('immutable', lockedMsg));
  for (const [field, a, b] of maps) if (!sameMap(a, b)) out.push(forbidden(field, lockedMsg));
  return out;
}
