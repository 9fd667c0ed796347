/**
 * Decodes Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`):
 * the 4-byte magic `k8s\0`, then a runtime.Unknown envelope {typeMeta
 * {apiVersion=1, kind=2}, raw=2, contentEncoding=3, contentType=4} whose raw
 * bytes are the object's message. Produces the same JSON object the client
 * would have sent as JSON (Go omitempty rules: empty strings, non-pointer
 * zero numbers and false, and unset times left out).
 */
import type { KubeObject } from '../object.ts';
import { badRequest, unsupportedMediaType, type StatusError } from '../errors.ts';
import { MESSAGES, TOP_LEVEL, type FieldSpec } from './schema.ts';
import { readFields, toInt32, toInt64, WireError, type WireField } from './wire.ts';
import { rfc3339 } from '../time.ts';

/** The 4 bytes every Kubernetes protobuf body starts with. */
export const PROTOBUF_MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** Seconds of Go's zero time (0001-01-01T00:00:00Z): an unset metav1.Time. */
const ZERO_TIME_SECONDS = -62135596800;
/** Seconds of 9999-12-31T23:59:59Z, the last second an RFC 3339 time can show. */
const MAX_TIME_SECONDS = 253402300799;

/** An int64 field as a JS number; a WireError when it does not fit exactly (beyond 2^53). */
function safeInt64(v: bigint, path: string): number {
  const n = BigInt.asIntN(64, v);
  if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) throw new WireError(`${path}: integer ${n} out of range`);
  return Number(n);
}

function unsupported(what: string): StatusError {
  return unsupportedMediaType(`application/vnd.kubernetes.protobuf (${what} is not supported; send JSON)`);
}

/**
 * Decodes a protobuf body into a JSON object with apiVersion and kind set.
 * Throws 400 for malformed bytes and 415 for a kind or field the server has
 * no schema for (nothing is silently dropped).
 */
export function decodeKubernetesProtobuf(body: Buffer): KubeObject {
  if (body.length < 4 || !body.subarray(0, 4).equals(PROTOBUF_MAGIC)) throw badRequest('protobuf body does not start with the k8s magic prefix');
  try {
    let apiVersion = '';
    let kind = '';
    let raw: Buffer | undefined;
    for (const f of readFields(body.subarray(4))) {
      if (f.no === 1 && f.wire === 2) {
        for (const t of readFields(f.value)) {
          if (t.wire !== 2) continue;
          if (t.no === 1) apiVersion = t.value.toString('utf8');
          if (t.no === 2) kind = t.value.toString('utf8');
        }
      } else if (f.no === 2 && f.wire === 2) {
        raw = f.value;
      } else if (f.no === 3 && f.wire === 2 && f.value.length > 0) {
        throw unsupported(`contentEncoding ${f.value.toString('utf8')}`);
      }
    }
    const top = TOP_LEVEL[`${apiVersion}/${kind}`];
    if (!top) throw unsupported(`kind ${apiVersion}/${kind}`);
    if (!raw) throw badRequest('protobuf envelope has no raw object');
    return { apiVersion, kind, ...decodeMessage(top, raw, kind) };
  } catch (e) {
    if (e instanceof WireError) throw badRequest(`malformed protobuf body: ${e.message}`);
    throw e;
  }
}

/** Decodes one message of type `type` (a key of MESSAGES). `path` names it in errors. */
export function decodeMessage(type: string, buf: Buffer, path: string): Record<string, unknown> {
  const fields = MESSAGES[type];
  if (!fields) throw unsupported(`message ${type} at ${path}`);
  const out: Record<string, unknown> = {};
  for (const f of readFields(buf)) {
    const spec = fields[f.no];
    if (!spec) throw unsupported(`field ${f.no} of ${type} at ${path}`);
    const value = decodeValue(spec, f, `${path}.${spec.name}`);
    if (spec.repeated) {
      const list = (out[spec.name] ??= []) as unknown[];
      list.push(value);
    } else if (typeof spec.kind === 'object' && 'map' in spec.kind) {
      // In place (a spread per entry is quadratic in the map's size); keys are plain own keys, `__proto__` included.
      const [k, v] = value as [string, unknown];
      const m = (out[spec.name] ??= {}) as Record<string, unknown>;
      Object.defineProperty(m, k, { value: v, writable: true, enumerable: true, configurable: true });
    } else if (spec.inline) {
      if (typeof value === 'object' && value !== null) Object.assign(out, value);
    } else if (value !== undefined) {
      out[spec.name] = value;
    }
  }
  return out;
}

function expectWire(f: WireField, wire: number, path: string): void {
  if (f.wire !== wire) throw new WireError(`${path}: wire type ${f.wire}, expected ${wire}`);
}

function bytesOf(f: WireField, path: string): Buffer {
  expectWire(f, 2, path);
  return f.value as Buffer;
}

function decodeValue(spec: FieldSpec, f: WireField, path: string): unknown {
  const kind = spec.kind;
  if (typeof kind === 'object') {
    if ('message' in kind) return decodeMessage(kind.message, bytesOf(f, path), path);
    const entry = readFields(bytesOf(f, path));
    let key = '';
    let val: unknown = kind.map === 'bytes' ? '' : '';
    for (const e of entry) {
      if (e.no === 1) key = bytesOf(e, path).toString('utf8');
      else if (e.no === 2) {
        const v = bytesOf(e, path);
        val = kind.map === 'bytes' ? v.toString('base64') : kind.map === 'quantity' ? quantity(v, path) : v.toString('utf8');
      }
    }
    return [key, val];
  }
  switch (kind) {
    case 'string': {
      const v = bytesOf(f, path).toString('utf8');
      return v === '' && !spec.repeated ? undefined : v;
    }
    case 'bytes':
      return bytesOf(f, path).toString('base64');
    case 'bool': {
      expectWire(f, 0, path);
      const v = f.value !== 0n;
      return !v && !spec.keepZero ? undefined : v;
    }
    case 'int32':
    case 'int64': {
      expectWire(f, 0, path);
      const n = kind === 'int32' ? toInt32(f.value as bigint) : safeInt64(f.value as bigint, path);
      return n === 0 && !spec.keepZero ? undefined : n;
    }
    case 'time': {
      let seconds = 0;
      let nanos = 0;
      for (const t of readFields(bytesOf(f, path))) {
        if (t.no === 1 && t.wire === 0) seconds = toInt64(t.value);
        if (t.no === 2 && t.wire === 0) nanos = toInt32(t.value);
      }
      if (seconds === ZERO_TIME_SECONDS || (seconds === 0 && nanos === 0)) return undefined;
      // Go's Time.MarshalJSON refuses years outside [0, 9999]; Kubernetes times are RFC 3339, year 0001..9999.
      if (seconds < ZERO_TIME_SECONDS || seconds > MAX_TIME_SECONDS || nanos < 0 || nanos > 999999999) {
        throw new WireError(`${path}: time out of range (seconds ${seconds}, nanos ${nanos}): year outside of range [1,9999]`);
      }
      return rfc3339(seconds * 1000 + Math.floor(nanos / 1e6));
    }
    case 'intstr': {
      let type = 0;
      let intVal = 0;
      let strVal = '';
      for (const t of readFields(bytesOf(f, path))) {
        if (t.no === 1 && t.wire === 0) type = toInt32(t.value);
        if (t.no === 2 && t.wire === 0) intVal = toInt32(t.value);
        if (t.no === 3 && t.wire === 2) strVal = t.value.toString('utf8');
      }
      return type === 1 ? strVal : intVal;
    }
    case 'quantity':
      return quantity(bytesOf(f, path), path);
    case 'fieldsV1': {
      let raw: Buffer | undefined;
      for (const t of readFields(bytesOf(f, path))) if (t.no === 1 && t.wire === 2) raw = t.value;
      if (raw === undefined) return {};
      try {
        return JSON.parse(raw.toString('utf8')) as unknown;
      } catch {
        throw new WireError(`${path}: fieldsV1 is not JSON`);
      }
    }
  }
}

function quantity(buf: Buffer, _path: string): string {
  let v = '';
  for (const t of readFields(buf)) if (t.no === 1 && t.wire === 2) v = t.value.toString('utf8');
  return v;
}
