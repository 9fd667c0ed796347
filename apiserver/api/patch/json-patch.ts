/**
 * JSON Patch (RFC 6902, `application/json-patch+json`) over own data keys
 * only, with the semantics and messages of the library Kubernetes uses
 * (evanphx/json-patch v4): the root path is not addressable, `-` appends to a
 * list, a missing path or key fails the whole patch. A key such as
 * `__proto__` or `constructor` is an ordinary key: it is found only when the
 * document has it, and written as a plain key, so no operation can reach a
 * prototype (fast-json-patch walks inherited properties and only bans
 * `__proto__`, so `/constructor/x` would reach the global Object).
 */
import { badRequest, StatusError, unprocessable } from '../errors.ts';
import { clone, getOwn, hasOwn, isObject, jsonEqual, setOwn, type JsonObject } from './json-value.ts';

/** Kubernetes' maxJSONPatchOperations: more operations are refused. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

type Container = JsonObject | unknown[];

/** A failed operation; becomes the 422 Status's message. */
class PatchFailure extends Error {}

function rejected(message: string): StatusError {
  return unprocessable(`the server rejected our request due to an error in our request: ${message}`);
}

/** Splits a JSON pointer into unescaped tokens; undefined for the root or a pointer not starting with '/'. */
function tokens(pointer: string): string[] | undefined {
  if (!pointer.startsWith('/')) return undefined;
  return pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** A list index token: decimal digits without sign or leading zeros (or '0'). */
function indexOf(token: string): number | undefined {
  return /^(0|[1-9][0-9]{0,8})$/.test(token) ? Number(token) : undefined;
}

function child(c: Container, token: string): unknown {
  if (Array.isArray(c)) {
    const i = indexOf(token);
    return i !== undefined && i < c.length ? c[i] : undefined;
  }
  return getOwn(c, token);
}

/** The container holding the last token of `pointer`, and that token; undefined when a parent is missing. */
function locate(doc: unknown, pointer: string): { con: Container; key: string } | undefined {
  const ts = tokens(pointer);
  if (ts === undefined || ts.length === 0) return undefined;
  let cur: unknown = doc;
  for (const t of ts.slice(0, -1)) {
    if (!isObject(cur) && !Array.isArray(cur)) return undefined;
    cur = child(cur, t);
  }
  if (!isObject(cur) && !Array.isArray(cur)) return undefined;
  return { con: cur, key: ts[ts.length - 1]! };
}

function has(c: Container, key: string): boolean {
  if (Array.isArray(c)) {
    const i = indexOf(key);
    return i !== undefined && i < c.length;
  }
  return hasOwn(c, key);
}

function get(doc: unknown, pointer: string, what: string): unknown {
  const at = locate(doc, pointer);
  if (!at || !has(at.con, at.key)) throw new PatchFailure(`${what}: "${pointer}": missing value`);
  return child(at.con, at.key);
}

function add(doc: unknown, pointer: string, value: unknown, op: string): void {
  const at = locate(doc, pointer);
  if (!at) throw new PatchFailure(`${op} operation does not apply: doc is missing path: "${pointer}": missing value`);
  if (Array.isArray(at.con)) {
    const i = at.key === '-' ? at.con.length : indexOf(at.key);
    if (i === undefined || i > at.con.length) throw new PatchFailure(`Unable to access invalid index: ${at.key}: invalid index referenced`);
    at.con.splice(i, 0, value);
  } else {
    setOwn(at.con, at.key, value);
  }
}

function remove(doc: unknown, pointer: string, op: string): unknown {
  const at = locate(doc, pointer);
  if (!at) throw new PatchFailure(`${op} operation does not apply: doc is missing path: "${pointer}": missing value`);
  if (!has(at.con, at.key)) {
    if (Array.isArray(at.con)) throw new PatchFailure(`Unable to access invalid index: ${at.key}: invalid index referenced`);
    throw new PatchFailure(`Unable to remove nonexistent key: ${at.key}: missing value`);
  }
  if (Array.isArray(at.con)) return at.con.splice(indexOf(at.key)!, 1)[0];
  const old = at.con[at.key];
  delete at.con[at.key];
  return old;
}

function replace(doc: unknown, pointer: string, value: unknown): void {
  const at = locate(doc, pointer);
  if (!at) throw new PatchFailure(`replace operation does not apply: doc is missing path: ${pointer}: missing value`);
  if (!has(at.con, at.key)) throw new PatchFailure(`replace operation does not apply: doc is missing key: ${pointer}: missing value`);
  if (Array.isArray(at.con)) at.con[indexOf(at.key)!] = value;
  else setOwn(at.con, at.key, value);
}

function field(op: JsonObject, name: string, kind: string): string {
  const v = getOwn(op, name);
  if (typeof v !== 'string') throw new PatchFailure(`operation missing ${name} field: ${kind}`);
  return v;
}

function valueOf(op: JsonObject, kind: string): unknown {
  if (!hasOwn(op, 'value')) throw new PatchFailure(`${kind} operation missing value: missing value`);
  return clone(op.value);
}

function applyOne(doc: unknown, op: JsonObject): void {
  const kind = getOwn(op, 'op');
  const path = field(op, 'path', String(kind));
  switch (kind) {
    case 'add': add(doc, path, valueOf(op, 'add'), 'add'); return;
    case 'remove': remove(doc, path, 'remove'); return;
    case 'replace': replace(doc, path, valueOf(op, 'replace')); return;
    case 'move': {
      const from = field(op, 'from', 'move');
      if (path !== from && path.startsWith(`${from}/`)) throw new PatchFailure(`move operation does not apply: "${path}" is a child of "${from}"`);
      get(doc, from, 'move operation does not apply: doc is missing from path');
      add(doc, path, remove(doc, from, 'move'), 'move');
      return;
    }
    case 'copy': {
      const from = field(op, 'from', 'copy');
      add(doc, path, clone(get(doc, from, 'copy operation does not apply: doc is missing from path')), 'copy');
      return;
    }
    case 'test': {
      const want = valueOf(op, 'test');
      const at = locate(doc, path);
      const got = at && has(at.con, at.key) ? child(at.con, at.key) : undefined;
      if (got === undefined ? want !== null : !jsonEqual(got, want)) throw new PatchFailure(`testing value ${path} failed: test failed`);
      return;
    }
    default:
      throw new PatchFailure(`Unexpected kind: ${String(kind)}`);
  }
}

/**
 * Applies a decoded JSON patch to a copy of `doc` and returns it. Throws 400
 * when `ops` is not a list of objects, 413 past MAX_JSON_PATCH_OPERATIONS,
 * 422 when an operation does not apply (missing path, failed test, unknown op).
 */
export function jsonPatch(doc: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw badRequest(`json: cannot unmarshal ${ops === null ? 'null' : typeof ops} into Go value of type jsonpatch.Patch`);
  if (ops.length > MAX_JSON_PATCH_OPERATIONS) {
    throw tooMany(ops.length);
  }
  for (const op of ops) if (!isObject(op)) throw badRequest('json: cannot unmarshal into Go value of type jsonpatch.Operation: every operation must be a JSON object');
  const out = clone(doc);
  try {
    for (const op of ops as JsonObject[]) applyOne(out, op);
  } catch (e) {
    if (e instanceof PatchFailure) throw rejected(e.message);
    throw e;
  }
  return out;
}

/** 413 RequestEntityTooLarge, as Kubernetes answers a JSON patch with too many operations. */
function tooMany(n: number): StatusError {
  const message = `The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${n}`;
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'RequestEntityTooLarge', code: 413 });
}
