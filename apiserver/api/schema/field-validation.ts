/**
 * The `fieldValidation` query parameter of writes (POST/PUT/PATCH), as
 * kube-apiserver reads it: absent or empty means Warn (the default since
 * v1.23, per the API reference: "Warn … This is the default in v1.23+");
 * anything but "", Ignore, Warn, Strict is rejected by
 * ValidateFieldValidation as 422 Invalid on the request's options kind.
 * Also renders warnings as HTTP `Warning` header values.
 */
import { StatusError } from '../errors.ts';
import type { FieldValidation } from './check.ts';

/** The options kind a write's parameters belong to (names the 422). */
export type WriteOptionsKind = 'CreateOptions' | 'UpdateOptions' | 'PatchOptions';

/** Parses the parameter; throws 422 Invalid (`CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: …`). */
export function parseFieldValidation(value: string | undefined, optionsKind: WriteOptionsKind): FieldValidation {
  if (value === undefined || value === '') return 'Warn';
  if (value === 'Strict' || value === 'Warn' || value === 'Ignore') return value;
  const message = `Unsupported value: ${JSON.stringify(value)}: supported values: "", "Ignore", "Strict", "Warn"`;
  throw new StatusError({
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 422, reason: 'Invalid',
    message: `${optionsKind}.meta.k8s.io "" is invalid: fieldValidation: ${message}`,
    details: { group: 'meta.k8s.io', kind: optionsKind, name: '', causes: [{ reason: 'FieldValueNotSupported', message, field: 'fieldValidation' }] },
  });
}

/** One `Warning` header value (RFC 7234 warn-code 299, agent "-", quoted text), as k8s.io/apiserver/pkg/warning writes it. */
export function warningHeader(text: string): string {
  // A header value carries only visible ASCII safely (Node refuses anything past Latin-1): escape the rest as \uXXXX.
  const quoted = JSON.stringify(text).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `299 - ${quoted}`;
}
