/**
 * A minimal protobuf wire-format reader: splits a message into (field number,
 * wire type, value) records. Enough to decode the Kubernetes types a schema
 * describes; no code generation.
 */

/** One field occurrence in a message. */
export type WireField =
  | { no: number; wire: 0; value: bigint }
  | { no: number; wire: 1; value: Buffer }
  | { no: number; wire: 2; value: Buffer }
  | { no: number; wire: 5; value: Buffer };

/** Thrown for bytes that are not a well-formed protobuf message. */
export class WireError extends Error {}

function readVarint(buf: Buffer, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw new WireError('truncated varint');
    const b = buf[pos++];
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7n;
  }
  throw new WireError('varint too long');
}

/** Reads every field record of one message, in order. Throws WireError on malformed input. */
export function readFields(buf: Buffer): WireField[] {
  const out: WireField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [tag, p1] = readVarint(buf, pos);
    pos = p1;
    const no = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    if (no <= 0) throw new WireError(`bad field number ${no}`);
    switch (wire) {
      case 0: {
        const [v, p2] = readVarint(buf, pos);
        pos = p2;
        out.push({ no, wire: 0, value: v });
        break;
      }
      case 1:
      case 5: {
        const n = wire === 1 ? 8 : 4;
        if (pos + n > buf.length) throw new WireError('truncated fixed field');
        out.push({ no, wire, value: buf.subarray(pos, pos + n) });
        pos += n;
        break;
      }
      case 2: {
        const [len, p2] = readVarint(buf, pos);
        const end = p2 + Number(len);
        if (end > buf.length) throw new WireError('truncated length-delimited field');
        out.push({ no, wire: 2, value: buf.subarray(p2, end) });
        pos = end;
        break;
      }
      default:
        throw new WireError(`unsupported wire type ${wire}`);
    }
  }
  return out;
}

/** Signed 64-bit view of a varint (two's complement), as a JS number. */
export function toInt64(v: bigint): number {
  return Number(BigInt.asIntN(64, v));
}

/** A varint as protobuf int32: the low 32 bits, two's complement (what every protobuf decoder keeps). */
export function toInt32(v: bigint): number {
  return Number(BigInt.asIntN(32, v));
}
