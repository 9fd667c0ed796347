/**
 * The HTTP side of POST …/pods/<name>/eviction (policy/v1 Eviction, also
 * accepted as policy/v1beta1): decodes and checks the body as Kubernetes'
 * EvictionREST.Create does (the name must match the URL; deleteOptions are
 * validated as a DELETE's; dryRun from the query and from deleteOptions
 * both count), then evicts through registry/eviction.ts.
 */
import type { FastifyRequest } from 'fastify';
import { badRequest } from '../api/errors.ts';
import { evictPod } from '../registry/eviction.ts';
import type { Registry } from '../registry/registry.ts';
import { checkNamespace, decodeBody } from './body.ts';
import { deleteOptionsOf } from './delete-options.ts';
import type { ResourceTarget } from './path.ts';
import { dryRunParam, type RawQuery } from './query.ts';

const EVICTION_VERSIONS = ['policy/v1', 'policy/v1beta1'];

/**
 * Evicts the pod `t` names with the request's Eviction body. Throws 400 for
 * a missing or foreign body (another kind or apiVersion, another namespace,
 * a name other than the URL's), 400/422 for bad deleteOptions, and what
 * evictPod throws (404, 429, 500, the delete's errors). `now` is ms since
 * epoch.
 */
export async function evictFromRequest(registry: Registry, req: FastifyRequest, t: ResourceTarget, now?: () => number): Promise<void> {
  const body = decodeBody(req.headers['content-type'], req.body);
  if (!body) throw badRequest('an Eviction body is required');
  if (body.kind !== undefined && body.kind !== '' && body.kind !== 'Eviction') throw badRequest(`not a Eviction object: ${String(body.kind)}`);
  if (body.apiVersion !== undefined && body.apiVersion !== '' && !EVICTION_VERSIONS.includes(String(body.apiVersion))) {
    throw badRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (policy/v1)`);
  }
  checkNamespace(body, t.namespace);
  const name = t.name ?? '';
  if (body.metadata?.name !== name) throw badRequest('name in URL does not match name in Eviction object');
  const del = deleteOptionsOf({}, (body as { deleteOptions?: unknown }).deleteOptions ?? undefined, String(body.apiVersion ?? 'policy/v1'));
  const dryRun = dryRunParam((req.query ?? {}) as RawQuery, 'CreateOptions') || del.dryRun;
  await evictPod({ pods: t.store, pdbs: registry.find('policy', 'v1', 'poddisruptionbudgets') }, t.namespace ?? '', name, del.params, { dryRun, user: req.user }, now);
}
