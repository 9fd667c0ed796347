/**
 * The field-manager query parameters of a write (`fieldManager`, `force`)
 * and the User-Agent, validated as Kubernetes validates Create/Update/
 * PatchOptions (422 Invalid on a bad value).
 */
import type { FastifyRequest } from 'fastify';
import { invalidOptions, validateFieldManagerParams, type FieldManagerOptions, type OptionsKind } from '../api/managedfields/index.ts';
import { badRequest } from '../api/errors.ts';
import { mediaType } from './body.ts';

function param(req: FastifyRequest, name: string): string | undefined {
  const v = (req.query as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

/** Go's strconv.ParseBool spellings, as Kubernetes' query decoding accepts them. */
function parseBool(name: string, v: string): boolean {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False', ''].includes(v)) return false;
  throw badRequest(`invalid value for ${name}: ${JSON.stringify(v)}`);
}

const KINDS: Record<string, OptionsKind> = { POST: 'CreateOptions', PUT: 'UpdateOptions', PATCH: 'PatchOptions' };

/**
 * The field-manager options of a write request. Throws 422 Invalid
 * (`PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value:
 * is required for apply patch`) for an apply without fieldManager, `force`
 * on a non-apply patch, or a fieldManager over 128 characters or with
 * unprintable ones; 400 for a `force` that is not a boolean.
 */
export function fieldManagerOptions(req: FastifyRequest): FieldManagerOptions {
  const fieldManager = param(req, 'fieldManager');
  const rawForce = param(req, 'force');
  const kind = KINDS[req.method];
  const apply = req.method === 'PATCH' && mediaType(req.headers['content-type']) === 'application/apply-patch+yaml';
  if (kind) {
    const causes = validateFieldManagerParams(kind, { fieldManager, forceGiven: rawForce !== undefined, apply });
    if (causes.length > 0) throw invalidOptions(kind, causes);
  }
  const ua = req.headers['user-agent'];
  return { fieldManager: fieldManager || undefined, userAgent: typeof ua === 'string' ? ua : '', force: rawForce !== undefined && parseBool('force', rawForce) };
}
