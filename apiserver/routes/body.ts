/**
 * Request body decoding for create/update/subresource calls: JSON (or YAML)
 * only; protobuf and anything else is 415; malformed JSON is 400.
 */
import { parse as parseYaml } from 'yaml';
import { checkJsonDepth, checkJsonValue } from './body-limits.ts';
import type { KubeObject } from '../api/object.ts';
import { badRequest, unsupportedMediaType } from '../api/errors.ts';
import { exceedsDepth, isObject } from '../api/patch/json-value.ts';
import { MAX_PATCH_DEPTH } from '../api/patch/index.ts';
import { MAX_YAML_DEPTH, yamlDepthExceeds } from '../api/yaml-depth.ts';

/** A request body the content-type parser could not decode; `decodeBody` throws `error`. */
export class UndecodableBody {
  readonly error: unknown;
  constructor(error: unknown) {
    this.error = error;
  }
}

/** The media type without parameters, lower-cased ('' if absent). */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

/** The body media types Kubernetes decodes as JSON or YAML (its serializers: application/json, application/yaml). */
const JSON_TYPES = new Set(['', 'application/json', '*/*']);
const YAML_TYPES = new Set(['application/yaml']);

/**
 * Decodes a raw body into a JSON object. `raw` undefined or '' → undefined;
 * an object (a protobuf body the parser already decoded) is returned as is.
 * JSON is refused past 10,000 levels of nesting (Kubernetes' limit) before it
 * is parsed. YAML (`application/yaml`) must be one document holding a JSON
 * object: several documents, values JSON cannot hold (.inf, .nan), more than
 * 100 alias expansions, duplicate keys or too deep nesting are 400; YAML 1.1
 * tags (!!binary, !!set, !!timestamp) are left unresolved (a string, a map). Throws 415
 * for protobuf or unknown types, 400 for a syntax error or a non-object body.
 * Keys such as `__proto__` become own properties; no prototype is touched.
 */
export function decodeBody(contentType: string | undefined, raw: unknown): KubeObject | undefined {
  if (raw instanceof UndecodableBody) throw raw.error;
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (isObject(raw) && !Buffer.isBuffer(raw)) return raw as KubeObject;
  const text = typeof raw === 'string' ? raw : Buffer.isBuffer(raw) ? raw.toString() : JSON.stringify(raw);
  const mt = mediaType(contentType);
  let value: unknown;
  // How deep the decoded value can nest: JSON's text bounds it (so a small body skips exceedsDepth); YAML's aliases do not.
  let depthBound = Infinity;
  if (JSON_TYPES.has(mt)) {
    depthBound = checkJsonDepth(text);
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw badRequest(`json: cannot unmarshal request body: ${(e as Error).message}`);
    }
  } else if (YAML_TYPES.has(mt)) {
    if (yamlDepthExceeds(text)) throw badRequest(`yaml: cannot unmarshal request body: exceeded max depth of ${MAX_YAML_DEPTH}`);
    try {
      // resolveKnownTags off: YAML 1.1 tags (!!binary, !!set, !!timestamp) stay unresolved instead of becoming Buffers, Sets or Dates.
      // logLevel 'error': an unresolved tag is not worth a process warning per request.
      value = parseYaml(text, { maxAliasCount: 100, resolveKnownTags: false, uniqueKeys: true, logLevel: 'error' });
    } catch (e) {
      throw badRequest(`yaml: cannot unmarshal request body: ${(e as Error).message.split('\n')[0]}`);
    }
    checkJsonValue(value, 'yaml');
  } else {
    throw unsupportedMediaType(mt);
  }
  if (!isObject(value)) throw badRequest('the request body must be a JSON object');
  if (depthBound > MAX_PATCH_DEPTH && exceedsDepth(value, MAX_PATCH_DEPTH)) throw badRequest(`json: cannot unmarshal request body: exceeded max depth of ${MAX_PATCH_DEPTH}`);
  return value as KubeObject;
}

/**
 * Checks a body's kind/apiVersion (when present) against the expected ones,
 * as Kubernetes' decoder does; 400 on a mismatch.
 */
export function checkKind(obj: KubeObject, kind: string, apiVersion: string): void {
  if (obj.kind !== undefined && obj.kind !== '' && obj.kind !== kind) {
    throw badRequest(`the kind in the body (${typeof obj.kind === 'string' ? obj.kind : JSON.stringify(obj.kind)}) does not match the expected kind (${kind})`);
  }
  if (obj.apiVersion !== undefined && obj.apiVersion !== '' && obj.apiVersion !== apiVersion) {
    throw badRequest(`the API version in the data (${typeof obj.apiVersion === 'string' ? obj.apiVersion : JSON.stringify(obj.apiVersion)}) does not match the expected API version (${apiVersion})`);
  }
}

/** 400 if the body names another namespace than the URL. */
export function checkNamespace(obj: KubeObject, namespace: string | undefined): void {
  const ns = obj.metadata?.namespace;
  if (namespace !== undefined && ns !== undefined && ns !== '' && ns !== namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
}
