/**
 * The one place that turns failures into meta/v1 Status objects, with the
 * reasons, codes and messages the Kubernetes API server uses
 * (k8s.io/apimachinery/pkg/api/errors).
 */
import type { Status, StatusCause } from 'kubernetes-types/meta/v1';

/** One field error, as it appears in Status.details.causes. */
export interface FieldCause {
  /** e.g. 'FieldValueRequired', 'FieldValueInvalid', 'FieldValueDuplicate', 'FieldValueNotSupported' */
  reason: string;
  message: string;
  /** e.g. 'spec.containers[0].image' */
  field: string;
}


/** An error that leaves the server as the given Status (and its HTTP code). */
export class StatusError extends Error {
  readonly status: Status;
  readonly code: number;
  constructor(status: Status) {
    super(status.message ?? 'error');
    this.name = 'StatusError';
    this.status = status;
    this.code = status.code ?? 500;
  }
}

/** Identifies the object an error is about: `group` '' for core. */
export interface ErrorTarget {
  group: string;
  /** plural resource, e.g. 'pods' */
  resource: string;
  name?: string;
}

function failure(code: number, reason: string, message: string, details?: Status['details']): StatusError {
  const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details) status.details = details;
  return new StatusError(status);
}

/** `pods` or `deployments.apps`, as Kubernetes qualifies a resource in messages. */
export function qualifiedResource(t: ErrorTarget): string {
  return t.group ? `${t.resource}.${t.group}` : t.resource;
}

function details(t: ErrorTarget, kind?: string): NonNullable<Status['details']> {
  const d: NonNullable<Status['details']> = { kind: kind ?? t.resource };
  if (t.name !== undefined) d.name = t.name;
  if (t.group) d.group = t.group;
  return d;
}

/** 404 NotFound: `pods "x" not found`. */
export function notFound(t: ErrorTarget): StatusError {
  return failure(404, 'NotFound', `${qualifiedResource(t)} "${t.name ?? ''}" not found`, details(t));
}

/** 404 NotFound for an unknown path: 'the server could not find the requested resource'. */
export function routeNotFound(): StatusError {
  return failure(404, 'NotFound', 'the server could not find the requested resource', {});
}

/** 403 Forbidden: `pods "x" is forbidden: <why>`. */
export function forbidden(t: ErrorTarget, why: string): StatusError {
  return failure(403, 'Forbidden', `${qualifiedResource(t)} "${t.name ?? ''}" is forbidden: ${why}`, details(t));
}

/** 409 AlreadyExists: `pods "x" already exists`. */
export function alreadyExists(t: ErrorTarget): StatusError {
  return failure(409, 'AlreadyExists', `${qualifiedResource(t)} "${t.name ?? ''}" already exists`, details(t));
}

/** 409 Conflict with Kubernetes' optimistic-concurrency message (or a custom reason text). */
export function conflict(t: ErrorTarget, why = 'the object has been modified; please apply your changes to the latest version and try again'): StatusError {
  return failure(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(t)} "${t.name ?? ''}": ${why}`, details(t));
}

/** 410 Expired: a watch or list asked for a compacted resourceVersion. */
export function expired(message = 'too old resource version'): StatusError {
  return failure(410, 'Expired', message);
}

/** 400 BadRequest with a free-form message. */
export function badRequest(message: string): StatusError {
  return failure(400, 'BadRequest', message);
}

/** 405 MethodNotAllowed: `the server does not allow this method on the requested resource`. */
export function methodNotAllowed(): StatusError {
  return failure(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {});
}

/** 415 UnsupportedMediaType for a request body type the server does not decode. */
export function unsupportedMediaType(contentType: string): StatusError {
  return failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`, { causes: [{ reason: 'UnsupportedMediaType', message: contentType }] });
}

/** 406 NotAcceptable. */
export function notAcceptable(message: string): StatusError {
  return failure(406, 'NotAcceptable', message);
}

/**
 * 422 Invalid: `Pod "x" is invalid: spec.containers[0].image: Required value`,
 * with details {name, group, kind, causes}. Several causes are joined as
 * Kubernetes does: `[a: msg, b: msg]`.
 */
export function invalid(kind: string, group: string, name: string, causes: FieldCause[]): StatusError {
  const parts = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  const joined = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  const statusCauses: StatusCause[] = causes.map((c) => ({ reason: c.reason, message: c.message, field: c.field }));
  const d: NonNullable<Status['details']> = { name, kind, causes: statusCauses };
  if (group) d.group = group;
  // The qualified kind as schema.GroupKind.String() prints it: `Deployment.apps`, or `Pod` in the core group.
  return failure(422, 'Invalid', `${group ? `${kind}.${group}` : kind} "${name}" is invalid: ${joined}`, d);
}

/** 429 TooManyRequests with Status.details {causes, retryAfterSeconds} (apimachinery NewTooManyRequests; e.g. an eviction a PodDisruptionBudget forbids). */
export function tooManyRequests(message: string, causes: StatusCause[] = [], retryAfterSeconds = 0): StatusError {
  const d: NonNullable<Status['details']> = { causes };
  if (retryAfterSeconds > 0) d.retryAfterSeconds = retryAfterSeconds;
  return failure(429, 'TooManyRequests', message, d);
}

/** 500 InternalError: `Internal error occurred: <msg>`. */
export function internalError(message: string): StatusError {
  return failure(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] });
}

/** 504 Timeout. */
export function serverTimeout(message: string): StatusError {
  return failure(504, 'Timeout', message);
}

/** A Status for a successful delete, as Kubernetes returns when no object is left to show. */
export function successStatus(t: ErrorTarget, uid?: string): Status {
  const d = details(t);
  if (uid) d.uid = uid;
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: d };
}

/**
 * Maps anything thrown to a StatusError: StatusError as is; fastify errors by
 * their statusCode (400 body parse, 415 content type, 404, 413); anything else 500.
 */
export function toStatusError(err: unknown): StatusError {
  if (err instanceof StatusError) return err;
  if (err instanceof Error) {
    const code = (err as Error & { statusCode?: unknown }).statusCode;
    if (typeof code === 'number') {
      if (code === 415) return unsupportedMediaType(err.message);
      if (code === 404) return routeNotFound();
      if (code === 413) return failure(413, 'RequestEntityTooLarge', err.message);
      if (code >= 400 && code < 500) return badRequest(err.message);
    }
    return internalError(err.message);
  }
  return internalError(String(err));
}

/** Field cause helpers used by the generic metadata checks. */
export const causes = {
  required: (field: string): FieldCause => ({ reason: 'FieldValueRequired', message: 'Required value', field }),
  invalid: (field: string, value: unknown, detail: string): FieldCause => ({ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(value)}: ${detail}`, field }),
};

/** 422 Invalid without field causes, e.g. a JSON patch that does not apply. */
export function unprocessable(message: string): StatusError {
  return failure(422, 'Invalid', message);
}
