/**
 * The stored form of an object: JSON without metadata.resourceVersion (the
 * revision is the key's mod_revision, stamped on every read), as
 * kube-apiserver's etcd3 store does with its versioner. Values are written
 * with apiVersion, kind and metadata first (kube's serializer order), which
 * lets a list build its response from the stored text (stampedText).
 */
import type { KubeObject } from '../api/object.ts';

/** Decodes a stored value and stamps resourceVersion = `rev` (a decimal string). Throws SyntaxError on a corrupt value. */
export function decode(value: Buffer | string, rev: string): KubeObject {
  const obj = JSON.parse(typeof value === 'string' ? value : value.toString()) as KubeObject;
  // A freshly parsed object is ours: stamp in place rather than copying metadata.
  const meta = obj.metadata;
  if (meta && typeof meta === 'object' && !Array.isArray(meta)) (meta as { resourceVersion?: string }).resourceVersion = rev;
  else obj.metadata = { resourceVersion: rev };
  return obj;
}

/** Encodes an object for storage, dropping metadata.resourceVersion; apiVersion, kind and metadata come first. */
export function encode(obj: KubeObject): string {
  const meta = { ...(obj.metadata ?? {}) };
  delete meta.resourceVersion;
  const out: Record<string, unknown> = { apiVersion: obj.apiVersion, kind: obj.kind, metadata: meta };
  for (const [k, v] of Object.entries(obj)) if (k !== 'metadata') out[k] = v;
  return JSON.stringify(out);
}

/** The opening of a value as encode writes it, up to and including metadata's `{` (strings without quotes or escapes). */
const CANONICAL_HEAD = /^\{"apiVersion":"[^"\\]*","kind":"[^"\\]*","metadata":\{/;

/**
 * The JSON text of the object `value` holds with resourceVersion = `rev`
 * (decimal digits) stamped, as JSON.stringify(decode(value, rev)) would
 * give up to key order: when the value has encode's opening and mentions no
 * "resourceVersion" key anywhere, the stamp is spliced into the text without
 * parsing; otherwise the value is decoded and re-encoded. Throws SyntaxError
 * on a corrupt value in the second case only (the first copies the stored
 * text as it is, which etcd holds as written by encode).
 */
export function stampedText(value: Buffer | string, rev: string): string {
  const text = typeof value === 'string' ? value : value.toString();
  const head = CANONICAL_HEAD.exec(text);
  if (!head || text.includes('"resourceVersion"')) return JSON.stringify(decode(text, rev));
  const at = head[0].length;
  const stamp = text.charCodeAt(at) === 0x7d /* } */ ? `"resourceVersion":"${rev}"` : `"resourceVersion":"${rev}",`;
  return text.slice(0, at) + stamp + text.slice(at);
}
