/**
 * The field-manager request options: validation of `fieldManager` and
 * `force` (k8s.io/apimachinery/pkg/apis/meta/v1/validation
 * ValidateFieldManager, ValidatePatchOptions) and the default manager taken
 * from the user agent (k8s.io/apiserver endpoints/handlers rest.go
 * managerOrUserAgent, prefixFromUserAgent).
 */
import type { Status } from 'kubernetes-types/meta/v1';
import { StatusError, type FieldCause } from '../errors.ts';
import { MAX_MANAGER_LENGTH } from './entries.ts';

/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/**
 * The default manager when the request names none: the user agent up to its
 * first '/', unprintable characters dropped, cut at 128 characters.
 */
export function managerFromUserAgent(userAgent: string | undefined): string {
  let out = '';
  for (const ch of (userAgent ?? '').split('/')[0]) {
    if (!PRINTABLE.test(ch)) continue;
    if (out.length + ch.length > MAX_MANAGER_LENGTH) break;
    out += ch;
  }
  return out;
}

/** The manager of a write: the fieldManager parameter, else the user agent's program name. */
export function managerOrUserAgent(fieldManager: string | undefined, userAgent: string | undefined): string {
  return fieldManager ? fieldManager : managerFromUserAgent(userAgent);
}

/** Which options object a verb's query parameters form, for error messages. */
export type OptionsKind = 'CreateOptions' | 'UpdateOptions' | 'PatchOptions';

/** The query parameters that concern field management. */
export interface FieldManagerParams {
  fieldManager?: string;
  /** The raw `force` value was given (any value, even false). */
  forceGiven?: boolean;
  /** true for an apply patch (Content-Type application/apply-patch+yaml). */
  apply?: boolean;
}

/**
 * Validates the parameters as Kubernetes does for `kind`: fieldManager at
 * most 128 printable characters; for PatchOptions, fieldManager required
 * with apply and force forbidden without it. Returns the field causes (empty
 * when valid).
 */
export function validateFieldManagerParams(kind: OptionsKind, p: FieldManagerParams): FieldCause[] {
  const causes: FieldCause[] = [];
  const fm = p.fieldManager ?? '';
  if (kind === 'PatchOptions') {
    if (!p.apply && p.forceGiven) causes.push({ reason: 'FieldValueForbidden', field: 'force', message: 'Forbidden: may not be specified for non-apply patch' });
    if (p.apply && fm === '') causes.push({ reason: 'FieldValueRequired', field: 'fieldManager', message: 'Required value: is required for apply patch' });
  }
  if ([...fm].length > MAX_MANAGER_LENGTH) causes.push({ reason: 'FieldValueTooLong', field: 'fieldManager', message: `Too long: may not be longer than ${MAX_MANAGER_LENGTH}` });
  let i = 0;
  for (const ch of fm) {
    if (!PRINTABLE.test(ch)) {
      const code = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
      causes.push({ reason: 'FieldValueInvalid', field: 'fieldManager', message: `Invalid value: ${JSON.stringify(fm)}: invalid character U+${code} (at position ${i})` });
    }
    i += Buffer.byteLength(ch);
  }
  return causes;
}

/**
 * The 422 for invalid options: `PatchOptions.meta.k8s.io "" is invalid:
 * fieldManager: Required value: is required for apply patch`.
 */
export function invalidOptions(kind: OptionsKind, causes: readonly FieldCause[]): StatusError {
  const parts = causes.map((c) => `${c.field}: ${c.message}`);
  const joined = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  const status: Status = {
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 422, reason: 'Invalid',
    message: `${kind}.meta.k8s.io "" is invalid: ${joined}`,
    details: { group: 'meta.k8s.io', kind, causes: causes.map((c) => ({ reason: c.reason, message: c.message, field: c.field })) },
  };
  return new StatusError(status);
}
