/**
 * CIDR parsing as Kubernetes' netutils.ParseCIDRSloppy reads
 * loadBalancerSourceRanges (k8s.io/utils/net): an IPv4 or IPv6 address, '/',
 * a prefix length; IPv4 octets may carry leading zeros ('010.0.0.0/8' is
 * 10.0.0.0/8, never octal) and host bits may be set. The one copy for the
 * apiserver's validation and the proxy, and cidrContains, the membership
 * test on a parsed CIDR. Pure; linear time, no backtracking.
 */
import ipaddr from 'ipaddr.js';

/** A parsed CIDR: its family, its network address (host bits cleared, canonical text) and prefix length in bits. */
export interface ParsedCIDR {
  family: 4 | 6;
  /** e.g. '10.0.0.0' for '10.1.2.3/8'; IPv6 in ipaddr.js's compact form. */
  network: string;
  /** 0-32 (IPv4) or 0-128 (IPv6). */
  prefix: number;
}

const DIGITS = /^\d{1,3}$/;
const PREFIX = /^\d{1,3}$/;

/** The four octets of a dotted-decimal IPv4 address (leading zeros allowed), or undefined. */
function ipv4Octets(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const octets: number[] = [];
  for (const p of parts) {
    if (!DIGITS.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    octets.push(n);
  }
  return octets;
}

/** `text` ('10.1.2.3/8', 'fd00::/8') parsed, or undefined when it is not a CIDR. Surrounding spaces are not trimmed here. */
export function parseCIDRSloppy(text: string): ParsedCIDR | undefined {
  const slash = text.indexOf('/');
  if (slash < 0 || text.indexOf('/', slash + 1) >= 0) return undefined;
  const addr = text.slice(0, slash);
  const bitsText = text.slice(slash + 1);
  if (!PREFIX.test(bitsText)) return undefined;
  const prefix = Number(bitsText);
  const octets = ipv4Octets(addr);
  if (octets !== undefined) {
    if (prefix > 32) return undefined;
    const value = ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
    const net = prefix === 0 ? 0 : (value & (0xffffffff << (32 - prefix))) >>> 0;
    return { family: 4, network: `${net >>> 24}.${(net >>> 16) & 255}.${(net >>> 8) & 255}.${net & 255}`, prefix };
  }
  if (!addr.includes(':') || addr.includes('%') || !ipaddr.IPv6.isValid(addr) || prefix > 128) return undefined;
  const bytes = ipaddr.IPv6.parse(addr).toByteArray();
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    bytes[i] = bytes[i]! & ((0xff << (8 - keep)) & 0xff);
  }
  return { family: 6, network: ipaddr.fromByteArray(bytes).toString(), prefix };
}

/**
 * Whether address `ip` ('10.1.2.3', 'fd00::1'; IPv4 octets may carry leading
 * zeros, as netutils.ParseIPSloppy reads them) lies inside `cidr` (as
 * net.IPNet.Contains). An address of the other family, or text that is no
 * address, is never inside. Pure; never throws.
 */
export function cidrContains(cidr: ParsedCIDR, ip: string): boolean {
  const octets = ipv4Octets(ip);
  if (octets !== undefined) {
    if (cidr.family !== 4) return false;
    const inside = parseCIDRSloppy(`${ip}/${cidr.prefix}`);
    return inside?.network === cidr.network;
  }
  if (cidr.family !== 6 || !ip.includes(':') || ip.includes('%') || !ipaddr.IPv6.isValid(ip)) return false;
  return ipaddr.IPv6.parse(ip).match(ipaddr.IPv6.parse(cidr.network), cidr.prefix);
}
