/**
 * OpenAPI v2 schemas in gnostic's protobuf form (openapi.v2.Schema), for the
 * `definitions` of the /openapi/v2 document kubectl 1.27/1.28 read for
 * `explain` and for strategic merge patches. Field numbers (gnostic
 * openapiv2/OpenAPIv2.proto): Schema _ref=1 format=2 description=4
 * required=19 additional_properties=21 type=22 items=23 properties=25
 * vendor_extension=31; AdditionalPropertiesItem schema=1; TypeItem value=1;
 * ItemsItem schema=1; Properties/Definitions additional_properties=1;
 * NamedSchema name=1 value=2; NamedAny name=1 value=2; Any yaml=2.
 * Vendor extension values are YAML, as kube-openapi writes them.
 */
import { stringify as toYaml } from 'yaml';
import type { Schema } from '../api/schema/index.ts';
import { message, string } from './protowire.ts';

const extensions = ['x-kubernetes-group-version-kind', 'x-kubernetes-patch-merge-key', 'x-kubernetes-patch-strategy', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys'] as const;

function namedSchema(field: number, name: string, s: Schema): Buffer {
  return message(field, string(1, name), message(2, schemaBody(s)));
}

/** The bytes of one openapi.v2.Schema message (without its own field key). */
export function schemaBody(s: Schema): Buffer {
  const parts: Buffer[] = [];
  if (s.$ref !== undefined) parts.push(string(1, s.$ref));
  if (s.format !== undefined) parts.push(string(2, s.format));
  if (s.description !== undefined) parts.push(string(4, s.description));
  for (const r of s.required ?? []) parts.push(string(19, r));
  if (s.additionalProperties) parts.push(message(21, message(1, schemaBody(s.additionalProperties))));
  if (s.type !== undefined) parts.push(message(22, string(1, s.type)));
  if (s.items) parts.push(message(23, message(1, schemaBody(s.items))));
  if (s.properties) parts.push(message(25, ...Object.entries(s.properties).map(([k, v]) => namedSchema(1, k, v))));
  for (const x of extensions) {
    const v = s[x];
    if (v !== undefined) parts.push(message(31, string(1, x), message(2, string(2, toYaml(v)))));
  }
  return Buffer.concat(parts);
}

/** The Document.definitions field (9): every named definition. */
export function definitionsField(defs: Array<[string, Schema]>): Buffer {
  return message(9, ...defs.map(([name, s]) => namedSchema(1, name, s)));
}
