/**
 * DeleteOptions of a DELETE (one object or a collection), read from the
 * query string and the body and validated as Kubernetes' delete handler and
 * ValidateDeleteOptions (k8s.io/apimachinery/pkg/apis/meta/v1/validation) do.
 * Pure: throws 400 BadRequest for a value of the wrong type or a body that is
 * not DeleteOptions, 422 Invalid for values Kubernetes' validation refuses.
 */
import { badRequest } from '../api/errors.ts';
import { isObject } from '../api/patch/json-value.ts';
import type { DeleteParams } from '../registry/deletion.ts';
import { allValues, boolParam, checkDryRun, firstValue, intParam, invalidOptions, type RawQuery } from './query.ts';

/** What a delete request asks for: the store's options and whether it is a dry run. */
export interface DeleteRequestOptions {
  params: DeleteParams;
  dryRun: boolean;
}

/** The raw fields before validation; undefined = not set. */
interface RawDeleteOptions {
  gracePeriodSeconds?: number;
  preconditions?: DeleteParams['preconditions'];
  orphanDependents?: boolean;
  propagationPolicy?: string;
  dryRun?: string[];
}

/**
 * apiVersions a DeleteOptions body may name: meta.k8s.io/v1 (and v1beta1),
 * core v1, and the request's own group/version (Kubernetes keeps per-group
 * DeleteOptions for old clients).
 */
function allowedApiVersion(apiVersion: string, requestApiVersion: string): boolean {
  return apiVersion === 'meta.k8s.io/v1' || apiVersion === 'meta.k8s.io/v1beta1' || apiVersion === 'v1' || apiVersion === requestApiVersion;
}

const typeError = (field: string, goType: string, value: unknown): Error => {
  const jsType = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value === 'object' ? 'object' : typeof value;
  return badRequest(`json: cannot unmarshal ${jsType} into Go struct field DeleteOptions.${field} of type ${goType}`);
};

function readOptionalString(obj: Record<string, unknown>, field: string, path: string): string | undefined {
  const v = obj[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw typeError(path, 'string', v);
  return v;
}

/** Reads the DeleteOptions fields of a body, checking each JSON type (400 on a mismatch). */
function fromBody(body: Record<string, unknown>, requestApiVersion: string): RawDeleteOptions {
  const kind = body.kind;
  const apiVersion = body.apiVersion;
  if (kind !== undefined && kind !== null && kind !== '' && kind !== 'DeleteOptions') {
    throw badRequest(`no kind ${JSON.stringify(String(kind))} is registered for the DeleteOptions body (expected kind "DeleteOptions")`);
  }
  if (apiVersion !== undefined && apiVersion !== null && apiVersion !== '' && (typeof apiVersion !== 'string' || !allowedApiVersion(apiVersion, requestApiVersion))) {
    throw badRequest(`no kind "DeleteOptions" is registered for version ${JSON.stringify(String(apiVersion))}`);
  }
  const out: RawDeleteOptions = {};
  const grace = body.gracePeriodSeconds;
  if (grace !== undefined && grace !== null) {
    if (typeof grace !== 'number' || !Number.isSafeInteger(grace)) throw typeError('gracePeriodSeconds', 'int64', grace);
    out.gracePeriodSeconds = grace;
  }
  const pre = body.preconditions;
  if (pre !== undefined && pre !== null) {
    if (!isObject(pre)) throw typeError('preconditions', 'v1.Preconditions', pre);
    const uid = readOptionalString(pre, 'uid', 'preconditions.uid');
    const resourceVersion = readOptionalString(pre, 'resourceVersion', 'preconditions.resourceVersion');
    out.preconditions = {};
    if (uid !== undefined) out.preconditions.uid = uid;
    if (resourceVersion !== undefined) out.preconditions.resourceVersion = resourceVersion;
  }
  const orphan = body.orphanDependents;
  if (orphan !== undefined && orphan !== null) {
    if (typeof orphan !== 'boolean') throw typeError('orphanDependents', 'bool', orphan);
    out.orphanDependents = orphan;
  }
  const policy = readOptionalString(body, 'propagationPolicy', 'propagationPolicy');
  if (policy !== undefined) out.propagationPolicy = policy;
  const dryRun = body.dryRun;
  if (dryRun !== undefined && dryRun !== null) {
    if (!Array.isArray(dryRun)) throw typeError('dryRun', '[]string', dryRun);
    for (const v of dryRun) if (typeof v !== 'string') throw typeError('dryRun', 'string', v);
    out.dryRun = dryRun as string[];
  }
  return out;
}

/** Reads the DeleteOptions query parameters (400 on an unreadable value). */
function fromQuery(query: RawQuery): RawDeleteOptions {
  const out: RawDeleteOptions = {};
  const grace = intParam(query, 'gracePeriodSeconds');
  if (grace !== undefined) out.gracePeriodSeconds = grace;
  const orphan = boolParam(query, 'orphanDependents');
  if (orphan !== undefined) out.orphanDependents = orphan;
  const policy = firstValue(query, 'propagationPolicy');
  if (policy !== undefined) out.propagationPolicy = policy;
  const dryRun = allValues(query, 'dryRun');
  if (dryRun.length > 0) out.dryRun = dryRun;
  return out;
}

/**
 * Merges query and body: a field set in the body wins; orphanDependents and
 * propagationPolicy travel together (a body that sets either replaces both);
 * dryRun is the union, so a dry run asked for in either place is honoured.
 * (Kubernetes reads only the body when there is one; reading both is the
 * safer superset for dryRun and rejects garbage in either place.)
 */
function merge(q: RawDeleteOptions, b: RawDeleteOptions | undefined): RawDeleteOptions {
  if (!b) return q;
  const out: RawDeleteOptions = { ...q };
  if (b.gracePeriodSeconds !== undefined) out.gracePeriodSeconds = b.gracePeriodSeconds;
  if (b.preconditions !== undefined) out.preconditions = b.preconditions;
  if (b.orphanDependents !== undefined || b.propagationPolicy !== undefined) {
    out.orphanDependents = b.orphanDependents;
    out.propagationPolicy = b.propagationPolicy;
  }
  if (b.dryRun !== undefined) out.dryRun = [...(q.dryRun ?? []), ...b.dryRun];
  return out;
}

/**
 * Validates as ValidateDeleteOptions: orphanDependents together with
 * propagationPolicy, an unknown propagationPolicy, or a dryRun value other
 * than "All" → 422 Invalid `DeleteOptions.meta.k8s.io "" is invalid: ...`.
 */
function validate(o: RawDeleteOptions): DeleteRequestOptions {
  const causes: Array<{ reason: string; field: string; message: string }> = [];
  if (o.orphanDependents !== undefined && o.propagationPolicy !== undefined) {
    causes.push({ reason: 'FieldValueInvalid', field: 'propagationPolicy', message: `Invalid value: ${JSON.stringify(o.propagationPolicy)}: orphanDependents and deletionPropagation cannot be both set` });
  }
  const p = o.propagationPolicy;
  if (p !== undefined && p !== 'Foreground' && p !== 'Background' && p !== 'Orphan') {
    causes.push({ reason: 'FieldValueNotSupported', field: 'propagationPolicy', message: `Unsupported value: ${JSON.stringify(p)}: supported values: "Foreground", "Background", "Orphan", "nil"` });
  }
  if (causes.length > 0) throw invalidOptions('DeleteOptions', causes);
  const dryRun = checkDryRun('DeleteOptions', o.dryRun ?? []);
  const params: DeleteParams = {};
  if (o.gracePeriodSeconds !== undefined) params.gracePeriodSeconds = o.gracePeriodSeconds;
  if (o.preconditions !== undefined) params.preconditions = o.preconditions;
  if (p === 'Foreground' || p === 'Background' || p === 'Orphan') params.propagationPolicy = p;
  else if (o.orphanDependents !== undefined) params.propagationPolicy = o.orphanDependents ? 'Orphan' : 'Background';
  return { params, dryRun };
}

/**
 * The DeleteOptions of a request: `query` its query string, `body` the
 * decoded body (undefined when empty), `requestApiVersion` the group/version
 * of the URL (e.g. 'apps/v1'). Throws 400 for a non-object body, a body of
 * another kind or apiVersion, a field of the wrong JSON type or an unreadable
 * query value; 422 for what ValidateDeleteOptions refuses.
 */
export function deleteOptionsOf(query: RawQuery, body: unknown, requestApiVersion: string): DeleteRequestOptions {
  const q = fromQuery(query);
  if (body !== undefined && !isObject(body)) throw badRequest('the DeleteOptions body must be a JSON object');
  return validate(merge(q, body === undefined ? undefined : fromBody(body, requestApiVersion)));
}
