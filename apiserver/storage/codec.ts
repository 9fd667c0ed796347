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

/** Bytes of a value's opening searched for encode's opening (canonicalHeadLength). */
const HEAD_BYTES = 512;
const OPEN = Buffer.from('{"apiVersion":"');
const AFTER_API_VERSION = Buffer.from('","kind":"');
const AFTER_KIND = Buffer.from('","metadata":{');
/** The key the splice would duplicate, searched for as bytes (a string needle would be encoded again on every call). */
const RESOURCE_VERSION_KEY = Buffer.from('"resourceVersion"');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** True when `b` holds `lit` at `at`, ending at or before `end`. */
function holdsAt(b: Buffer, at: number, end: number, lit: Buffer): boolean {
  if (at + lit.length > end) return false;
  for (let i = 0; i < lit.length; i++) if (b[at + i] !== lit[i]) return false;
  return true;
}

/** The index of the first '"' at or after `at` (before `end`), or -1 if a '\\' or `end` comes first. */
function stringEnd(b: Buffer, at: number, end: number): number {
  for (let i = at; i < end; i++) {
    const c = b[i];
    if (c === QUOTE) return i;
    if (c === BACKSLASH) return -1;
  }
  return -1;
}

/**
 * The byte length of a value's opening as encode writes it,
 * `{"apiVersion":"…","kind":"…","metadata":{` with both strings free of '"'
 * and '\\' (so without escapes), within the first HEAD_BYTES bytes; -1 when
 * the value does not open so. (No byte of a multi-byte UTF-8 sequence is '"'
 * or '\\', so the scan is over bytes.) Pure.
 */
export function canonicalHeadLength(b: Buffer): number {
  const end = Math.min(b.length, HEAD_BYTES);
  if (!holdsAt(b, 0, end, OPEN)) return -1;
  const apiVersionEnd = stringEnd(b, OPEN.length, end);
  if (apiVersionEnd < 0 || !holdsAt(b, apiVersionEnd, end, AFTER_API_VERSION)) return -1;
  const kindEnd = stringEnd(b, apiVersionEnd + AFTER_API_VERSION.length, end);
  if (kindEnd < 0 || !holdsAt(b, kindEnd, end, AFTER_KIND)) return -1;
  return kindEnd + AFTER_KIND.length;
}

/**
 * The JSON text, as UTF-8 bytes, of the object `value` holds with
 * resourceVersion = `rev` (decimal digits) stamped: what
 * JSON.stringify(decode(value, rev)) gives up to key order. When the value
 * has encode's opening (canonicalHeadLength) and mentions no
 * "resourceVersion" key anywhere, the stamp is spliced into the bytes,
 * first in metadata, without decoding them; otherwise the value is decoded
 * and re-encoded. Throws SyntaxError on a corrupt value in the second case
 * only (the first copies the stored bytes as they are, which etcd holds as
 * encode wrote them).
 */
export function stampedText(value: Buffer | string, rev: string): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value) : value;
  const at = canonicalHeadLength(bytes);
  if (at < 0 || bytes.includes(RESOURCE_VERSION_KEY)) return Buffer.from(JSON.stringify(decode(bytes, rev)));
  const stamp = bytes[at] === 0x7d /* } */ ? `"resourceVersion":"${rev}"` : `"resourceVersion":"${rev}",`;
  // One copy into a buffer of the final size (Buffer.concat would also copy the stamp into a buffer of its own first).
  const out = Buffer.allocUnsafe(bytes.length + stamp.length);
  bytes.copy(out, 0, 0, at);
  out.write(stamp, at, 'latin1');
  bytes.copy(out, at + stamp.length, at);
  return out;
}

/**
 * The same JSON as stampedText, as a string, from the text encode returned
 * (`Buffer.from(stampedJson(text, rev))` equals `stampedText(text, rev)`
 * byte for byte): for a response that is written as text, with neither the
 * value's bytes nor the answer's copied into buffers of their own. Throws as
 * stampedText.
 */
export function stampedJson(text: string, rev: string): string {
  const at = canonicalHeadChars(text);
  if (at < 0 || text.includes('"resourceVersion"')) return JSON.stringify(decode(text, rev));
  const stamp = text.charCodeAt(at) === 0x7d /* } */ ? `"resourceVersion":"${rev}"` : `"resourceVersion":"${rev}",`;
  return text.slice(0, at) + stamp + text.slice(at);
}

/** UTF-8 bytes of the UTF-16 code unit `c` (a surrogate counts 2: a pair is 4). */
const utf8Bytes = (c: number): number => (c < 0x80 ? 1 : c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 2 : 3);

/** The index in `s` of a string that opens at `at`: of its closing '"', or -1 for a '\\' first or past HEAD_BYTES bytes (`bytes` so far). */
function stringEndChars(s: string, at: number, bytes: number): { end: number; bytes: number } | undefined {
  for (let i = at; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === QUOTE) return { end: i, bytes };
    if (c === BACKSLASH) return undefined;
    bytes += utf8Bytes(c);
    if (bytes > HEAD_BYTES) return undefined;
  }
  return undefined;
}

/** canonicalHeadLength over a string: the opening's length in UTF-16 code units (its UTF-8 bytes at most HEAD_BYTES), or -1. Pure. */
export function canonicalHeadChars(s: string): number {
  if (!s.startsWith('{"apiVersion":"')) return -1;
  const apiVersion = stringEndChars(s, OPEN.length, OPEN.length);
  if (!apiVersion || !s.startsWith('","kind":"', apiVersion.end)) return -1;
  const kindAt = apiVersion.end + AFTER_API_VERSION.length;
  const kind = stringEndChars(s, kindAt, apiVersion.bytes + AFTER_API_VERSION.length);
  if (!kind || !s.startsWith('","metadata":{', kind.end)) return -1;
  return kind.bytes + AFTER_KIND.length > HEAD_BYTES ? -1 : kind.end + AFTER_KIND.length;
}
