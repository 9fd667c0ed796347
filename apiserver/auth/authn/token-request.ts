/**
 * The TokenRequest API's decision (kubernetes pkg/registry/core/
 * serviceaccount/storage/token.go and ValidateTokenRequest): the request's
 * audiences (default: the API audiences), its lifetime (default 3600 s, at
 * least 600 s, at most 2^32 s), and the object it binds to (a Pod or a
 * Secret of the SA's namespace, whose uid must match when given). Pure; the
 * route reads the objects and signs.
 */
import { badRequest, conflict, invalid, notFound, type FieldCause, type StatusError } from '../../api/errors.ts';
import { invalidValue } from '../../api/validation.ts';
import type { KubeObject } from '../../api/object.ts';

/** Default lifetime in seconds. */
export const DEFAULT_EXPIRATION_SECONDS = 3600;
/** Minimum lifetime in seconds (10 minutes). */
export const MIN_EXPIRATION_SECONDS = 600;
const MAX_EXPIRATION_SECONDS = 2 ** 32;

/** A TokenRequest body as received. */
export interface TokenRequestBody {
  apiVersion?: string;
  kind?: string;
  metadata?: Record<string, unknown>;
  spec?: { audiences?: unknown; expirationSeconds?: unknown; boundObjectRef?: { kind?: unknown; apiVersion?: unknown; name?: unknown; uid?: unknown } | null };
}

/** The checked request. */
export interface TokenRequestPlan {
  audiences: string[];
  expirationSeconds: number;
  bound?: { kind: 'Pod' | 'Secret'; name: string; uid?: string };
}

/**
 * Checks a TokenRequest for the SA `name`: 422 Invalid (kind TokenRequest)
 * for a lifetime out of range or audiences not strings; 400 for a bound
 * object that is not a Pod or Secret. Pure.
 */
export function planTokenRequest(name: string, body: TokenRequestBody, apiAudiences: string[]): TokenRequestPlan | StatusError {
  const spec = body.spec ?? {};
  const causes: FieldCause[] = [];
  const rawAuds = spec.audiences;
  let audiences = apiAudiences;
  if (rawAuds !== undefined && rawAuds !== null) {
    if (!Array.isArray(rawAuds) || rawAuds.some((a) => typeof a !== 'string')) causes.push(invalidValue('spec.audiences', rawAuds, 'must be a list of strings'));
    else if (rawAuds.length > 0) audiences = rawAuds as string[];
  }
  const rawExp = spec.expirationSeconds;
  let expirationSeconds = DEFAULT_EXPIRATION_SECONDS;
  if (rawExp !== undefined && rawExp !== null) {
    if (typeof rawExp !== 'number' || !Number.isInteger(rawExp)) causes.push(invalidValue('spec.expirationSeconds', rawExp, 'must be an integer'));
    else if (rawExp < MIN_EXPIRATION_SECONDS) causes.push(invalidValue('spec.expirationSeconds', rawExp, 'may not specify a duration less than 10 minutes'));
    else if (rawExp > MAX_EXPIRATION_SECONDS) causes.push(invalidValue('spec.expirationSeconds', rawExp, 'may not specify a duration larger than 2^32 seconds'));
    else expirationSeconds = rawExp;
  }
  if (causes.length > 0) return invalid('TokenRequest', 'authentication.k8s.io', name, causes);
  const ref = spec.boundObjectRef;
  if (ref === undefined || ref === null) return { audiences, expirationSeconds };
  const kind = ref.kind;
  if (kind !== 'Pod' && kind !== 'Secret') return badRequest(`cannot bind token for object of kind ${JSON.stringify(kind ?? '')}`);
  if (ref.apiVersion !== undefined && ref.apiVersion !== 'v1') return badRequest(`cannot bind token for object of kind ${JSON.stringify(kind)} in ${JSON.stringify(ref.apiVersion)}`);
  if (typeof ref.name !== 'string' || ref.name === '') return invalid('TokenRequest', 'authentication.k8s.io', name, [invalidValue('spec.boundObjectRef.name', ref.name ?? '', 'must be a non-empty string')]);
  const uid = typeof ref.uid === 'string' && ref.uid !== '' ? ref.uid : undefined;
  return { audiences, expirationSeconds, bound: { kind, name: ref.name, ...(uid ? { uid } : {}) } };
}

/**
 * Checks the bound object read from storage against the plan: 404 when
 * absent, 409 Conflict when the uid differs (Kubernetes' wording). Returns
 * its name and uid. Pure.
 */
export function checkBoundObject(bound: NonNullable<TokenRequestPlan['bound']>, obj: KubeObject | undefined): { name: string; uid: string } | StatusError {
  const resource = bound.kind === 'Pod' ? 'pods' : 'secrets';
  if (!obj) return notFound({ group: '', resource, name: bound.name });
  const uid = (obj.metadata as { uid?: string } | undefined)?.uid ?? '';
  if (bound.uid !== undefined && bound.uid !== uid) {
    return conflict({ group: '', resource, name: bound.name }, `the UID in the bound object reference (${bound.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
  }
  return { name: bound.name, uid };
}
