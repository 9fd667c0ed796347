/**
 * The schema part of the OpenAPI documents, from api/schema's generated
 * definitions: which definitions a group/version document carries (the
 * `$ref` closure of its kinds, list kinds and subresource kinds), and the
 * v3 form of a schema (`#/components/schemas/` refs; a `$ref` with siblings
 * such as `description` wrapped in `allOf`, as kube-openapi writes v3).
 */
import type { ResourceDef } from '../registry/types.ts';
import { refName, refPrefix, type Schema, type SchemaCatalog } from '../api/schema/index.ts';
import { subresourceInfo } from '../discovery/build.ts';

/** Definition names of the kinds served under `defs` (all group/versions, or one), with their list and subresource kinds. */
export function rootDefinitions(catalog: SchemaCatalog, defs: ResourceDef[]): string[] {
  const out = new Set<string>();
  const add = (group: string, version: string, kind: string): void => {
    const k = catalog.kind({ group, version, kind });
    if (k) out.add(k.name);
  };
  for (const d of defs) {
    add(d.group, d.version, d.kind);
    add(d.group, d.version, d.listKind);
    for (const s of d.subresources) {
      const info = subresourceInfo(d, s);
      add(info.kind.group, info.kind.version, info.kind.kind);
    }
  }
  return [...out];
}

/** Every definition reachable from `roots` through `$ref`s, sorted by name (iterative walk). */
export function definitionClosure(catalog: SchemaCatalog, roots: string[]): string[] {
  const seen = new Set<string>();
  const pending = [...roots];
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (seen.has(name)) continue;
    const def = catalog.definition(name);
    if (!def) continue;
    seen.add(name);
    const stack: Schema[] = [def];
    while (stack.length > 0) {
      const s = stack.pop()!;
      if (s.$ref !== undefined) pending.push(refName(s.$ref));
      if (s.items) stack.push(s.items);
      if (s.additionalProperties) stack.push(s.additionalProperties);
      for (const p of Object.values(s.properties ?? {})) stack.push(p);
    }
  }
  return [...seen].sort();
}

const v3Prefix = '#/components/schemas/';

/** The OpenAPI v3 form of a (v2-style) schema; the input is not modified. */
export function toV3(s: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === '$ref' || k === 'items' || k === 'additionalProperties' || k === 'properties') continue;
    out[k] = v;
  }
  if (s.$ref !== undefined) {
    const ref = { $ref: v3Prefix + (s.$ref.startsWith(refPrefix) ? s.$ref.slice(refPrefix.length) : s.$ref) };
    if (Object.keys(out).length === 0) return ref;
    out.allOf = [ref];
  }
  if (s.items) out.items = toV3(s.items);
  if (s.additionalProperties) out.additionalProperties = toV3(s.additionalProperties);
  if (s.properties) {
    const props: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s.properties)) props[k] = toV3(v);
    out.properties = props;
  }
  return out;
}
