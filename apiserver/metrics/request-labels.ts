/**
 * The labels of `apiserver_request_total` and
 * `apiserver_request_duration_seconds`, as kube-apiserver's
 * k8s.io/apiserver/pkg/endpoints/metrics: verb (upper case: GET, LIST,
 * WATCH, POST, PUT, PATCH, APPLY, DELETE, DELETECOLLECTION; `other` for any
 * other method), dry_run, group, version, resource, subresource, scope
 * (cluster | namespace | resource, '' for non-resource paths) and component.
 * The request's parts come from the authorization's request info
 * (auth/authz/request-info.ts, Kubernetes' RequestInfoFactory); only served
 * resources and a fixed list of non-resource paths become label values, so
 * a hostile URL can never add a new series (unknown ones are labelled '').
 * Pure.
 */
import type { ResourceDef } from '../registry/types.ts';
import { requestAttributes } from '../auth/authz/request-info.ts';

/** The labels every request is counted under (without `code`). */
export interface RequestLabels {
  verb: string;
  dry_run: string;
  group: string;
  version: string;
  resource: string;
  subresource: string;
  scope: string;
  component: string;
}

/** The label names of RequestLabels, in kube's order. */
export const requestLabelNames = ['verb', 'dry_run', 'group', 'version', 'resource', 'subresource', 'scope', 'component'] as const;

/** What the labels are read from: the method, the decoded path and the first query values the verb depends on. */
export interface RequestParts {
  method: string;
  /** The URL path, percent-decoded, without the query. */
  path: string;
  /** First `watch` query value. */
  watch?: string;
  /** First `fieldSelector` query value (a `metadata.name=` term makes a list resource-scoped, as kube). */
  fieldSelector?: string;
  /** Every `dryRun` query value. */
  dryRun?: string[];
  /** The request's Content-Type (a PATCH of application/apply-patch+yaml is APPLY). */
  contentType?: string;
}

/** The served resources by `group/version/resource`, with their subresources. */
export type ServedResources = ReadonlyMap<string, ReadonlySet<string>>;

/**
 * The index of what the server serves: every def (virtual ones included)
 * and core v1 `bindings` (served by the resource routes without a def, as
 * kube's legacy pods binding endpoint).
 */
export function servedResources(defs: readonly Pick<ResourceDef, 'group' | 'version' | 'resource' | 'subresources'>[]): ServedResources {
  const out = new Map<string, ReadonlySet<string>>();
  for (const d of defs) out.set(`${d.group}/${d.version}/${d.resource}`, new Set(d.subresources));
  out.set('/v1/bindings', new Set());
  return out;
}

/** Non-resource paths counted under their own path (kube labels /healthz, /livez, /readyz this way); any other is ''. */
const knownPaths = new Set(['/healthz', '/livez', '/readyz', '/metrics', '/version', '/api', '/apis', '/openapi/v2', '/openapi/v3', '/cacerts']);

const knownMethods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** The upper-case metric verb of a resource request's authorization verb. */
const resourceVerbs: Record<string, string> = {
  get: 'GET', list: 'LIST', watch: 'WATCH', create: 'POST', update: 'PUT', patch: 'PATCH', delete: 'DELETE', deletecollection: 'DELETECOLLECTION',
};

/** kube's cleanDryRun: '' without dryRun, the sorted distinct values when all are valid ('All'), else 'invalid'. */
function dryRunLabel(values: string[] | undefined): string {
  if (!values || values.length === 0) return '';
  if (values.some((v) => v !== 'All')) return 'invalid';
  return 'All';
}

/** The labels of one request against the resources `served`. Never throws. */
export function requestLabels(parts: RequestParts, served: ServedResources): RequestLabels {
  const method = parts.method.toUpperCase();
  const anyone = { username: '', groups: [] };
  const a = requestAttributes(anyone, method, parts.path, { watch: parts.watch, fieldSelector: parts.fieldSelector });
  const base = { dry_run: dryRunLabel(parts.dryRun), component: 'apiserver' };
  if (!a.resourceRequest) {
    const path = parts.path.length > 1 ? parts.path.replace(/\/+$/, '') : parts.path;
    return { ...base, verb: knownMethods.has(method) ? method : 'other', group: '', version: '', resource: '', subresource: knownPaths.has(path) ? path : '', scope: '' };
  }
  let verb = resourceVerbs[a.verb] ?? 'other';
  if (verb === 'PATCH' && (parts.contentType ?? '').split(';')[0].trim().toLowerCase() === 'application/apply-patch+yaml') verb = 'APPLY';
  // kube's CleanScope.
  const scope = a.name !== '' || a.verb === 'create' ? 'resource' : a.namespace !== '' ? 'namespace' : 'cluster';
  const subs = served.get(`${a.apiGroup}/${a.apiVersion}/${a.resource}`);
  if (!subs) return { ...base, verb, group: '', version: '', resource: '', subresource: '', scope };
  return { ...base, verb, group: a.apiGroup, version: a.apiVersion, resource: a.resource, subresource: subs.has(a.subresource) ? a.subresource : '', scope };
}
