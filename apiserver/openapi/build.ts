/**
 * OpenAPI v3 documents generated from the registry: one per group/version,
 * with the operations kubectl inspects and the schemas of the kinds served
 * there (components.schemas, from api/schema's generated definitions; see
 * schemas.ts). Every write operation carries `x-kubernetes-group-version-kind`
 * and a `fieldValidation` query parameter, which is what kubectl ≥ 1.29
 * checks before handing validation to the server (`apply --validate=strict`);
 * `kubectl explain` and kubectl's strategic merge patches read the schemas.
 */
import { createHash } from 'node:crypto';
import type { ResourceDef } from '../registry/types.ts';
import { builtinCatalog } from '../api/schema/index.ts';
import { subresourceInfo, type GVK } from '../discovery/build.ts';
import { definitionClosure, rootDefinitions, toV3 } from './schemas.ts';

const writeParams = [
  { name: 'dryRun', in: 'query', schema: { type: 'string', uniqueItems: true } },
  { name: 'fieldManager', in: 'query', schema: { type: 'string', uniqueItems: true } },
  { name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } },
];

function op(action: string, gvk: GVK, write: boolean): Record<string, unknown> {
  const o: Record<string, unknown> = {
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: gvk.group, version: gvk.version, kind: gvk.kind },
    responses: { '200': { description: 'OK' } },
  };
  if (write) o.parameters = writeParams;
  return o;
}

/** `/api/v1` or `/apis/<group>/<version>`. */
export function groupVersionPrefix(group: string, version: string): string {
  return group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
}

/** The index key of a group/version: `api/v1`, `apis/apps/v1`. */
export function indexKey(group: string, version: string): string {
  return groupVersionPrefix(group, version).slice(1);
}

/** The OpenAPI v3 document (as a plain object) for one group/version. */
export function openAPIDocument(defs: ResourceDef[], group: string, version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const prefix = groupVersionPrefix(group, version);
  const served = defs.filter((x) => x.group === group && x.version === version);
  for (const d of served.filter((x) => !x.virtual)) {
    const gvk: GVK = { group: d.group, version: d.version, kind: d.kind };
    const coll = d.namespaced ? `${prefix}/namespaces/{namespace}/${d.resource}` : `${prefix}/${d.resource}`;
    const item = `${coll}/{name}`;
    paths[coll] = { get: op('list', gvk, false), post: op('post', gvk, true), delete: op('deletecollection', gvk, false) };
    paths[item] = { get: op('get', gvk, false), put: op('put', gvk, true), patch: op('patch', gvk, true), delete: op('delete', gvk, false) };
    for (const s of d.subresources) {
      const info = subresourceInfo(d, s);
      const ops: Record<string, unknown> = {};
      for (const v of info.verbs) {
        if (v === 'get') ops.get = op('get', info.kind, false);
        if (v === 'update') ops.put = op('put', info.kind, true);
        if (v === 'patch') ops.patch = op('patch', info.kind, true);
        if (v === 'create') ops.post = op('post', info.kind, true);
      }
      paths[`${item}/${s}`] = ops;
    }
    if (d.namespaced) paths[`${prefix}/${d.resource}`] = { get: op('list', gvk, false) };
  }
  const catalog = builtinCatalog();
  const schemas: Record<string, unknown> = {};
  for (const name of definitionClosure(catalog, rootDefinitions(catalog, served))) schemas[name] = toV3(catalog.definition(name)!);
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.33.0' }, paths, components: { schemas } };
}

/** A served document: its JSON text and content hash (uppercase hex SHA-512, as Kubernetes). */
export interface ServedDoc {
  key: string;
  json: string;
  hash: string;
}

/** Every group/version document plus the `/openapi/v3` index pointing at them with `?hash=`. */
export function openAPIDocuments(defs: ResourceDef[]): { index: Record<string, unknown>; docs: Map<string, ServedDoc> } {
  const docs = new Map<string, ServedDoc>();
  for (const d of defs) {
    const key = indexKey(d.group, d.version);
    if (docs.has(key)) continue;
    const json = JSON.stringify(openAPIDocument(defs, d.group, d.version));
    docs.set(key, { key, json, hash: createHash('sha512').update(json).digest('hex').toUpperCase() });
  }
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const doc of docs.values()) paths[doc.key] = { serverRelativeURL: `/openapi/v3/${doc.key}?hash=${doc.hash}` };
  return { index: { paths }, docs };
}
