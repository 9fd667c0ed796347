/**
 * Dispatches a PATCH body by Content-Type to merge, JSON, strategic or apply
 * (server-side apply, approximated as a strategic merge of the applied config).
 */
import jsonpatch, { type Operation } from 'fast-json-patch';
import { parse as parseYaml } from 'yaml';
import { badRequest, unprocessable, unsupportedMediaType } from '../errors.ts';
import { isObject } from './json-value.ts';
import { documentSchema, type PatchSchema } from './list-strategy.ts';
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
 * superset) for apply. Throws 400 on a syntax error.
 */
export function decodePatch(kind: PatchKind, raw: string): unknown {
  try {
    return kind === 'apply' ? parseYaml(raw) as unknown : JSON.parse(raw) as unknown;
  } catch (e) {
    throw badRequest(`error decoding patch: ${(e as Error).message}`);
  }
}

/**
 * Applies a decoded patch to `original` (not mutated) and returns the new
 * object. Strategic and apply patches merge lists by `schema`, by default the
 * built-in schema of the document's own apiVersion/kind (of `original`, else
 * of the patch). Throws 400 for a malformed patch, 422 when a JSON patch
 * operation fails (missing path, failed test).
 */
export function applyPatch(kind: PatchKind, original: unknown, patch: unknown, schema: PatchSchema | undefined = documentSchema(original, patch)): unknown {
  switch (kind) {
    case 'merge':
      return mergePatch(original, patch);
    case 'strategic':
    case 'apply':
      if (!isObject(patch)) throw badRequest('patch body must be a JSON object');
      return strategicMergePatch(original, patch, schema);
    case 'json': {
      if (!Array.isArray(patch)) throw badRequest('json patch must be a list of operations');
      try {
        return jsonpatch.applyPatch(original, patch as Operation[], true, false).newDocument;
      } catch (e) {
        throw unprocessable(`the server rejected our request due to an error in our request: ${(e as Error).message}`);
      }
    }
  }
}
