/**
 * Dispatches a PATCH body by Content-Type to merge, JSON, strategic or apply
 * (server-side apply, approximated as a strategic merge of the applied config).
 */
import { parse as parseYaml } from 'yaml';
import { badRequest, unsupportedMediaType } from '../errors.ts';
import { exceedsDepth, isObject } from './json-value.ts';
import { documentSchema, type PatchSchema } from './list-strategy.ts';
import { MAX_YAML_DEPTH, yamlDepthExceeds } from '../yaml-depth.ts';
import { jsonPatch } from './json-patch.ts';
import { mergePatch } from './merge.ts';
import { strategicMergePatch } from './strategic.ts';

export type { PatchSchema } from './list-strategy.ts';

/** The patch flavours the server accepts. */
export type PatchKind = 'merge' | 'json' | 'strategic' | 'apply';

/** Maps a Content-Type to a PatchKind; throws 415 for anything else. */
export function patchKindOf(contentType: string | undefined): PatchKind {
  const ct = (contentType ?? '').split(';')[0].trim().toLowerCase();
  switch (ct) {
    case 'application/merge-patch+json': return 'merge';
    case 'application/json-patch+json': return 'json';
    case 'application/strategic-merge-patch+json': return 'strategic';
    case 'application/apply-patch+yaml': return 'apply';
    default: throw unsupportedMediaType(ct);
  }
}

/**
 * Decodes a raw patch body: JSON for merge/json/strategic, YAML (a JSON
 * superset) for apply. Throws 400 on a syntax error or nesting deeper than
 * MAX_PATCH_DEPTH (MAX_YAML_DEPTH for YAML, checked before parsing).
 */
export function decodePatch(kind: PatchKind, raw: string): unknown {
  if (kind === 'apply' && yamlDepthExceeds(raw)) throw badRequest(`error decoding patch: exceeded max depth of ${MAX_YAML_DEPTH}`);
  let value: unknown;
  try {
    value = kind === 'apply' ? parseYaml(raw) as unknown : JSON.parse(raw) as unknown;
  } catch (e) {
    throw badRequest(`error decoding patch: ${(e as Error).message}`);
  }
  if (exceedsDepth(value, MAX_PATCH_DEPTH)) throw badRequest(`error decoding patch: exceeded max depth of ${MAX_PATCH_DEPTH}`);
  return value;
}

/**
 * Deepest patch accepted (400 beyond). Kubernetes' decoder allows 10,000
 * levels, but the recursive merge, clone and JSON.stringify steps here
 * overflow Node's default stack near 5,000; no Kubernetes object nests
 * anywhere near 1,000.
 */
export const MAX_PATCH_DEPTH = 1000;

/**
 * Applies a decoded patch to `original` (not mutated) and returns the new
 * object. Strategic and apply patches merge lists by `schema`, by default the
 * built-in schema of the document's own apiVersion/kind (of `original`, else
 * of the patch). Throws 400 for a malformed patch (a merge, strategic or
 * apply patch that is not a JSON object; a JSON patch that is not a list of
 * operations), 422 when a JSON patch operation fails (missing path, failed
 * test), 413 for a JSON patch over 10,000 operations. No key of any patch
 * reaches a prototype.
 */
export function applyPatch(kind: PatchKind, original: unknown, patch: unknown, schema: PatchSchema | undefined = documentSchema(original, patch)): unknown {
  switch (kind) {
    case 'merge':
      // evanphx/json-patch's ErrBadJSONPatch, which Kubernetes answers with 400.
      if (!isObject(patch)) throw badRequest('Invalid JSON Patch');
      return mergePatch(original, patch);
    case 'strategic':
    case 'apply':
      // Kubernetes decodes the patch into a map: json.Unmarshal's message for anything else.
      if (!isObject(patch)) throw badRequest(`json: cannot unmarshal ${goJsonType(patch)} into Go value of type map[string]interface {}`);
      return strategicMergePatch(original, patch, schema);
    case 'json':
      return jsonPatch(original, patch);
  }
}

/** The word Go's encoding/json uses for a JSON value's type in unmarshal errors. */
function goJsonType(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}
