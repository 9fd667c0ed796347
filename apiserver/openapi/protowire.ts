/**
 * A few protobuf wire-format writers (varint keys, length-delimited strings
 * and messages, bools): enough to emit the small OpenAPI v2 document in v2.ts
 * without a generated codec.
 */

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v > 127) {
    out.push((v % 128) | 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

function key(field: number, wireType: 0 | 2): Buffer {
  return Buffer.from(varint(field * 8 + wireType));
}

/** Length-delimited field (wire type 2) holding raw bytes: a nested message. */
export function message(field: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([key(field, 2), Buffer.from(varint(body.length)), body]);
}

/** String field (wire type 2, UTF-8). */
export function string(field: number, s: string): Buffer {
  const body = Buffer.from(s, 'utf8');
  return Buffer.concat([key(field, 2), Buffer.from(varint(body.length)), body]);
}

/** Bool field (wire type 0); false is omitted, as proto3 does. */
export function bool(field: number, v: boolean): Buffer {
  return v ? Buffer.concat([key(field, 0), Buffer.from([1])]) : Buffer.alloc(0);
}

/** One decoded field: number, wire type and value (bytes for type 2, number for type 0). */
export interface WireField {
  field: number;
  wireType: number;
  value: Buffer | number;
}

/** Decodes one message level into fields (varint and length-delimited only); throws on other wire types. */
export function decode(buf: Buffer): WireField[] {
  const out: WireField[] = [];
  let i = 0;
  const readVarint = (): number => {
    let n = 0;
    let mul = 1;
    for (;;) {
      const b = buf[i++];
      if (b === undefined) throw new Error('truncated varint');
      n += (b & 127) * mul;
      if (b < 128) return n;
      mul *= 128;
    }
  };
  while (i < buf.length) {
    const k = readVarint();
    const field = Math.floor(k / 8);
    const wireType = k % 8;
    if (wireType === 0) out.push({ field, wireType, value: readVarint() });
    else if (wireType === 2) {
      const len = readVarint();
      out.push({ field, wireType, value: buf.subarray(i, i + len) });
      i += len;
    } else throw new Error(`unsupported wire type ${wireType}`);
  }
  return out;
}
