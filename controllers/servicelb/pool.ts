/**
 * The LoadBalancer address pool (`skiff server --lb-pool`): comma-separated
 * IPv4 ranges (`192.168.1.240-192.168.1.250`), CIDRs (`192.168.1.240/29`)
 * and single addresses. Pure: parsing, membership and "lowest free address".
 * A CIDR of /30 or wider leaves out its network and broadcast addresses (a
 * LAN client would not reach them); /31 and /32 use every address.
 */
import { formatIPv4, parseCIDR, parseIPv4 } from '../nodeipam/allocator.ts';

/** One inclusive range of addresses, as unsigned 32-bit numbers. */
export interface PoolRange {
  first: number;
  last: number;
}

/** A parsed pool: ranges sorted by first address, non-overlapping; `size` counts addresses. */
export interface LBPool {
  /** The text it was parsed from, for messages. */
  text: string;
  ranges: PoolRange[];
  size: number;
}

/** The largest pool accepted (addresses); a /16. Bounds the scans of {@link firstFree}. */
export const MAX_POOL_SIZE = 65_536;

function parseItem(item: string): PoolRange | string {
  try {
    if (item.includes('/')) {
      const { base, prefix } = parseCIDR(item);
      const size = 2 ** (32 - prefix);
      return prefix <= 30 ? { first: base + 1, last: base + size - 2 } : { first: base, last: base + size - 1 };
    }
    const [a, b, extra] = item.split('-').map((s) => s.trim());
    if (extra !== undefined || a === undefined) return `"${item}" is not an address, a range a-b or a CIDR`;
    const first = parseIPv4(a);
    const last = b === undefined ? first : parseIPv4(b);
    if (last < first) return `range "${item}" ends before it starts`;
    return { first, last };
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/**
 * Parses a pool such as `192.168.1.240-192.168.1.250,10.0.0.8/29`.
 * Returns the pool, or `{ error }` naming the bad item: malformed
 * addresses or CIDRs (host bits set), a range ending before it starts,
 * overlapping items, an empty pool, or more than MAX_POOL_SIZE addresses.
 */
export function parseLBPool(text: string): LBPool | { error: string } {
  const items = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) return { error: 'the pool is empty' };
  const ranges: PoolRange[] = [];
  for (const item of items) {
    const r = parseItem(item);
    if (typeof r === 'string') return { error: r };
    ranges.push(r);
  }
  ranges.sort((x, y) => x.first - y.first);
  for (let i = 1; i < ranges.length; i++) {
    const prev = ranges[i - 1];
    const cur = ranges[i];
    if (prev && cur && cur.first <= prev.last) return { error: `${formatIPv4(cur.first)} is in the pool twice (overlapping items)` };
  }
  const size = ranges.reduce((n, r) => n + r.last - r.first + 1, 0);
  if (size > MAX_POOL_SIZE) return { error: `the pool has ${size} addresses; at most ${MAX_POOL_SIZE}` };
  return { text: items.join(','), ranges, size };
}

/** Whether dotted IPv4 `ip` is in the pool (false for anything unparsable). */
export function inPool(pool: LBPool, ip: string): boolean {
  let n: number;
  try { n = parseIPv4(ip); } catch { return false; }
  return pool.ranges.some((r) => n >= r.first && n <= r.last);
}

/** The lowest pool address not in `used` (dotted IPv4 strings), or undefined when all are taken. */
export function firstFree(pool: LBPool, used: ReadonlySet<string>): string | undefined {
  for (const r of pool.ranges) {
    for (let n = r.first; n <= r.last; n++) {
      const ip = formatIPv4(n);
      if (!used.has(ip)) return ip;
    }
  }
  return undefined;
}
