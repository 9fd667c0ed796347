/**
 * Integer vs number, and the int32/int64/double/byte formats, which
 * kubernetes-types' `number`/`string` do not carry. They come from
 * @kubernetes/client-node's generated models, whose `attributeTypeMap`
 * records the OpenAPI `format` of every property of the official schema
 * (int32, int64, double, byte). A number the models do not know (a field
 * they lack) stays `type: number` and is reported as a gap.
 */
import type { Schema } from '../types.ts';
import type { NumberSite } from './read-types.ts';

/** One property of a client-node model, as its `attributeTypeMap` lists it. */
export interface ModelAttribute {
  baseName: string;
  type: string;
  format: string;
}

/** Model class name → its attributes (from client-node's exports). */
export type ModelIndex = Map<string, ModelAttribute[]>;

/** Builds the index from a module namespace: every export with a static getAttributeTypeMap(). */
export function modelIndex(models: Record<string, unknown>): ModelIndex {
  const out: ModelIndex = new Map();
  for (const [name, value] of Object.entries(models)) {
    const get = (value as { getAttributeTypeMap?: unknown } | undefined)?.getAttributeTypeMap;
    if (typeof value === 'function' && typeof get === 'function') out.set(name, (get as () => ModelAttribute[]).call(value));
  }
  return out;
}

/**
 * client-node's class names for a definition: the group-qualified name it
 * uses when two groups share a type name (`CoreV1EndpointPort`), then the
 * plain one (`V1Pod`). `io.k8s.apimachinery.pkg.version.Info` is `VersionInfo`.
 */
export function modelNames(definition: string): string[] {
  const parts = definition.split('.');
  const type = parts[parts.length - 1]!;
  const version = parts[parts.length - 2]!;
  if (definition === 'io.k8s.apimachinery.pkg.version.Info') return ['VersionInfo'];
  const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
  const names: string[] = [];
  if (parts[2] === 'api') names.push(`${cap(parts[3]!)}${cap(version)}${type}`);
  names.push(`${cap(version)}${type}`);
  return names;
}

/**
 * Sets `type`/`format` on every number leaf from the models; returns the
 * `definition.property` names left as plain numbers (not in the models).
 */
export function applyNumberFormats(numbers: NumberSite[], models: ModelIndex): string[] {
  const gaps: string[] = [];
  for (const site of numbers) {
    const attrs = modelNames(site.definition).map((n) => models.get(n)).find((a) => a !== undefined);
    const format = attrs?.find((a) => a.baseName === site.property)?.format ?? '';
    setNumber(site.schema, format, () => gaps.push(`${site.definition}.${site.property}`));
  }
  return gaps;
}

function setNumber(s: Schema, format: string, gap: () => void): void {
  if (format === 'int32' || format === 'int64') {
    s.type = 'integer';
    s.format = format;
  } else if (format === 'double' || format === 'float') {
    s.format = format === 'float' ? 'float' : 'double';
  } else {
    gap();
  }
}

/**
 * Sets `format: byte` on string leaves the models mark as base64 (Secret
 * `data`, ConfigMap `binaryData`). `definitions` is modified in place.
 */
export function applyByteFormats(definitions: Record<string, Schema>, models: ModelIndex): void {
  for (const [name, def] of Object.entries(definitions)) {
    const attrs = modelNames(name).map((n) => models.get(n)).find((a) => a !== undefined);
    if (!attrs || !def.properties) continue;
    for (const a of attrs) {
      if (a.format !== 'byte' || !Object.hasOwn(def.properties, a.baseName)) continue;
      let leaf: Schema | undefined = def.properties[a.baseName];
      while (leaf && (leaf.items || leaf.additionalProperties)) leaf = leaf.items ?? leaf.additionalProperties;
      if (leaf?.type === 'string') leaf.format = 'byte';
    }
  }
}
