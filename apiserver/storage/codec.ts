/**
 * The stored form of an object: JSON without metadata.resourceVersion (the
 * revision is the key's mod_revision, stamped on every read), as
 * kube-apiserver's etcd3 store does with its versioner. Values are written
 * with apiVersion, kind and metadata first (kube's serializer order), which
 * lets a list build its response from the stored bytes (stampedText).
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

/**
 * What decode(encode(obj), rev) gives, without serializing or parsing: a new
 * top level in encode's key order and a new metadata with resourceVersion =
 * `rev` last, members whose value is undefined left out (JSON.stringify drops
 * them); nested values are shared with `obj`, not copied. For the object a
 * write has just encoded and stored, when the writer hands `obj` over (does
 * not change it afterwards). `obj` must hold JSON values only, as decoded
 * request bodies do.
 */
export function stamped(obj: KubeObject, rev: string): KubeObject {
  // The same spread as encode's, so a metadata of another shape ends up as encode stores it.
  const meta: Record<string, unknown> = { ...(obj.metadata ?? {}) };
  for (const k of Object.keys(meta)) if (meta[k] === undefined || k === 'resourceVersion') delete meta[k];
  meta.resourceVersion = rev;
  const out: Record<string, unknown> = {};
  if (obj.apiVersion !== undefined) out.apiVersion = obj.apiVersion;
  if (obj.kind !== undefined) out.kind = obj.kind;
  out.metadata = meta;
  // encode's `out[k] = v` never stores an own `__proto__`, so neither does this.
  for (const [k, v] of Object.entries(obj)) if (v !== undefined && k !== 'metadata' && k !== 'apiVersion' && k !== 'kind' && k !== '__proto__') out[k] = v;
  return out as unknown as KubeObject;
}

/** The opening of a value as encode writes it, up to and including metadata's `{` (strings without quotes or escapes). */
const CANONICAL_HEAD = /^\{"apiVersion":"[^"\\]*","kind":"[^"\\]*","metadata":\{/;
/** Bytes of a value's opening searched for CANONICAL_HEAD. */
const HEAD_BYTES = 512;

/**
 * The JSON text, as UTF-8 bytes, of the object `value` holds with
 * resourceVersion = `rev` (decimal digits) stamped: what
 * JSON.stringify(decode(value, rev)) gives up to key order. When the value
 * has encode's opening and mentions no "resourceVersion" key anywhere, the
 * stamp is spliced into the bytes without decoding them; otherwise the value
 * is decoded and re-encoded. Throws SyntaxError on a corrupt value in the
 * second case only (the first copies the stored bytes as they are, which
 * etcd holds as encode wrote them).
 */
export function stampedText(value: Buffer | string, rev: string): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value) : value;
  // latin1 maps bytes 1:1 to chars, and no byte of a multi-byte UTF-8 sequence is '"' or '\\', so the match length is a byte offset.
  const head = CANONICAL_HEAD.exec(bytes.toString('latin1', 0, HEAD_BYTES));
  if (!head || bytes.includes('"resourceVersion"')) return Buffer.from(JSON.stringify(decode(bytes, rev)));
  const at = head[0].length;
  const stamp = bytes[at] === 0x7d /* } */ ? `"resourceVersion":"${rev}"` : `"resourceVersion":"${rev}",`;
  return Buffer.concat([bytes.subarray(0, at), Buffer.from(stamp), bytes.subarray(at)]);
}
