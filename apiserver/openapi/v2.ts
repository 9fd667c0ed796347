/**
 * The OpenAPI v2 document in protobuf (the gnostic `openapi.v2.Document`
 * wire format kubectl 1.27/1.28 request from `/openapi/v2`) and JSON: PATCH
 * operations with `x-kubernetes-group-version-kind` and a `fieldValidation`
 * query parameter, so those kubectl versions hand validation to the server,
 * and the definitions of every served kind (api/schema; encoded by
 * v2-schema.ts), which `kubectl explain` and kubectl's strategic merge
 * patches read.
 *
 * Field numbers (the wire contract): Document swagger=1 info=2 paths=8;
 * Info title=1 version=2; Paths path=2; NamedPathItem name=1 value=2;
 * PathItem patch=8; Operation operation_id=5 parameters=8 responses=9
 * vendor_extension=13; ParametersItem parameter=1; Parameter
 * non_body_parameter=2; NonBodyParameter query_parameter_sub_schema=3;
 * QueryParameterSubSchema in=2 name=4 type=6 unique_items=20; Responses
 * response_code=1; NamedResponseValue name=1 value=2; ResponseValue
 * response=1; Response description=1; NamedAny name=1 value=2; Any yaml=2;
 * Document definitions=9 (see v2-schema.ts).
 */
import type { ResourceDef } from '../registry/types.ts';
import { subresourceInfo, type GVK } from '../discovery/build.ts';
import { groupVersionPrefix } from './build.ts';
import { builtinCatalog, type Schema } from '../api/schema/index.ts';
import { bool, message, string } from './protowire.ts';
import { definitionClosure, rootDefinitions } from './schemas.ts';
import { definitionsField } from './v2-schema.ts';

/** The media type kubectl asks for (the answer is application/octet-stream). */
export const openAPIV2ProtoType = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

function queryParam(name: string): Buffer {
  const sub = Buffer.concat([string(2, 'query'), string(4, name), string(6, 'string'), bool(20, true)]);
  return message(8, message(1, message(2, message(3, sub))));
}

function extension(name: string, yaml: string): Buffer {
  return message(13, string(1, name), message(2, string(2, yaml)));
}

function patchOperation(id: string, gvk: GVK): Buffer {
  return Buffer.concat([
    string(5, id),
    queryParam('dryRun'),
    queryParam('fieldManager'),
    queryParam('fieldValidation'),
    message(9, message(1, string(1, '200'), message(2, message(1, string(1, 'OK'))))),
    extension('x-kubernetes-action', 'patch\n'),
    extension('x-kubernetes-group-version-kind', `group: "${gvk.group}"\nkind: ${gvk.kind}\nversion: ${gvk.version}\n`),
  ]);
}

function namedPath(path: string, op: Buffer): Buffer {
  return message(2, string(1, path), message(2, message(8, op)));
}

/** The OpenAPI v2 paths (URL template and GVK) of every PATCH operation served. */
export function patchPaths(defs: ResourceDef[]): Array<{ path: string; gvk: GVK; id: string }> {
  const out: Array<{ path: string; gvk: GVK; id: string }> = [];
  for (const d of defs) {
    if (d.virtual) continue;
    const prefix = groupVersionPrefix(d.group, d.version);
    const item = d.namespaced ? `${prefix}/namespaces/{namespace}/${d.resource}/{name}` : `${prefix}/${d.resource}/{name}`;
    const id = `patch${d.group.split('.')[0] ?? ''}${d.version}${d.namespaced ? 'Namespaced' : ''}${d.kind}`;
    out.push({ path: item, gvk: { group: d.group, version: d.version, kind: d.kind }, id });
    for (const s of d.subresources) {
      const info = subresourceInfo(d, s);
      if (info.verbs.includes('patch')) out.push({ path: `${item}/${s}`, gvk: info.kind, id: `${id}${s[0]!.toUpperCase()}${s.slice(1)}` });
    }
  }
  return out;
}

/** The definitions served in the v2 document: the closure of every served kind, by name. */
export function v2Definitions(defs: ResourceDef[]): Array<[string, Schema]> {
  const catalog = builtinCatalog();
  return definitionClosure(catalog, rootDefinitions(catalog, defs)).map((n) => [n, catalog.definition(n)!]);
}

/** Encodes the whole document (swagger "2.0", info, paths, definitions) as protobuf bytes. */
export function openAPIV2Document(defs: ResourceDef[]): Buffer {
  const paths = patchPaths(defs).map((p) => namedPath(p.path, patchOperation(p.id, p.gvk)));
  return Buffer.concat([
    string(1, '2.0'),
    message(2, string(1, 'Kubernetes'), string(2, 'v1.33.0')),
    message(8, ...paths),
    definitionsField(v2Definitions(defs)),
  ]);
}

/** The same document as JSON (for clients that ask for application/json). */
export function openAPIV2Json(defs: ResourceDef[]): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const p of patchPaths(defs)) {
    paths[p.path] = {
      patch: {
        operationId: p.id,
        parameters: ['dryRun', 'fieldManager', 'fieldValidation'].map((name) => ({ name, in: 'query', type: 'string', uniqueItems: true })),
        responses: { '200': { description: 'OK' } },
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': p.gvk,
      },
    };
  }
  return { swagger: '2.0', info: { title: 'Kubernetes', version: 'v1.33.0' }, paths, definitions: Object.fromEntries(v2Definitions(defs)) };
}
