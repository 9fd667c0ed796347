/**
 * CIDR parsing for NetworkPolicy ipBlocks, with the rules Kubernetes'
 * networking validation uses (netutils.ParseCIDRSloppy: host bits may be
 * set, the network is the address masked to the prefix; IPv4 and IPv6).
 */
import { isIPv4, isIPv6 } from 'node:net';

/** A parsed CIDR: its family, network address (as a 32- or 128-bit integer, host bits cleared) and prefix length in bits. */
export interface Cidr {
  family: 4 | 6;
  network: bigint;
  prefix: number;
}

function v4ToBig(ip: string): bigint {
  return ip.split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n);
}

function v6ToBig(ip: string): bigint {
  let text = ip;
  // A trailing dotted quad (::ffff:1.2.3.4) becomes two hex groups.
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad?.[1]) {
    const n = v4ToBig(quad[1]);
    text = `${text.slice(0, quad.index)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const hs = head === '' ? [] : head.split(':');
  const ts = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? hs : [...hs, ...Array<string>(8 - hs.length - ts.length).fill('0'), ...ts];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/**
 * Parses "a.b.c.d/n" or an IPv6 "x::y/n" (n within the family's width), or
 * returns undefined for anything else (no prefix, bad address, zone index).
 * Pure.
 */
export function parseCidr(s: string): Cidr | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s);
  if (!m?.[1] || !m[2]) return undefined;
  const addr = m[1];
  const prefix = Number(m[2]);
  const family = isIPv4(addr) ? 4 : isIPv6(addr) && !addr.includes('%') ? 6 : undefined;
  if (family === undefined) return undefined;
  const width = family === 4 ? 32 : 128;
  if (prefix > width) return undefined;
  const value = family === 4 ? v4ToBig(addr) : v6ToBig(addr);
  const hostBits = BigInt(width - prefix);
  return { family, network: (value >> hostBits) << hostBits, prefix };
}

/**
 * True when `inner` is a strict subset of `outer`: same family, a longer
 * prefix, and its network inside outer's (Kubernetes ValidateIPBlock:
 * `cidrIPNet.Contains(exceptCIDR.IP) && cidrMaskLen < exceptMaskLen`). Pure.
 */
export function strictSubset(inner: Cidr, outer: Cidr): boolean {
  if (inner.family !== outer.family || inner.prefix <= outer.prefix) return false;
  const hostBits = BigInt((outer.family === 4 ? 32 : 128) - outer.prefix);
  return (inner.network >> hostBits) === (outer.network >> hostBits);
}
