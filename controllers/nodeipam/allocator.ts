/**
 * The node pod-CIDR allocator (kube-controller-manager's range allocator,
 * pkg/controller/nodeipam/ipam/cidrset): carves the cluster CIDR into
 * /maskSize subnets and hands out the lowest free one. Pure, in memory; the
 * controller rebuilds occupancy from the nodes on start.
 */

/** Parses dotted IPv4 into an unsigned 32-bit number; throws on malformed input. */
export function parseIPv4(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4) throw new Error(`invalid IPv4 address "${ip}"`);
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) throw new Error(`invalid IPv4 address "${ip}"`);
    n = n * 256 + Number(p);
  }
  return n;
}

/** Formats an unsigned 32-bit number as dotted IPv4. */
export function formatIPv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** Parses 'a.b.c.d/len' into its network base and prefix length; throws if malformed or host bits are set. */
export function parseCIDR(cidr: string): { base: number; prefix: number } {
  const [ip, len, extra] = cidr.split('/');
  const prefix = Number(len);
  if (ip === undefined || len === undefined || extra !== undefined || !/^\d{1,2}$/.test(len) || prefix > 32) {
    throw new Error(`invalid CIDR "${cidr}"`);
  }
  const base = parseIPv4(ip);
  if (base % 2 ** (32 - prefix) !== 0) throw new Error(`invalid CIDR "${cidr}": host bits set`);
  return { base, prefix };
}

/**
 * Allocates /maskSize subnets of a cluster CIDR. `allocate()` returns the
 * lowest free subnet (e.g. 10.244.0.0/16 with 24 → '10.244.0.0/24' first) or
 * undefined when full. `occupy`/`release` are idempotent. The constructor
 * throws if maskSize is shorter than the cluster prefix, longer than 30, or
 * would yield more than 2^20 subnets.
 */
export class CidrAllocator {
  private readonly base: number;
  private readonly prefix: number;
  private readonly maskSize: number;
  private readonly used = new Set<number>();
  readonly capacity: number;

  constructor(clusterCIDR: string, maskSize: number) {
    const { base, prefix } = parseCIDR(clusterCIDR);
    if (!Number.isInteger(maskSize) || maskSize < prefix || maskSize > 30) {
      throw new Error(`node CIDR mask size ${maskSize} does not fit cluster CIDR ${clusterCIDR}`);
    }
    if (maskSize - prefix > 20) throw new Error(`cluster CIDR ${clusterCIDR} split into /${maskSize} is too many subnets`);
    this.base = base;
    this.prefix = prefix;
    this.maskSize = maskSize;
    this.capacity = 2 ** (maskSize - prefix);
  }

  /** The subnet index of `cidr`, or undefined if it is not exactly one of our /maskSize subnets. */
  private indexOf(cidr: string): number | undefined {
    let parsed: { base: number; prefix: number };
    try { parsed = parseCIDR(cidr); } catch { return undefined; }
    if (parsed.prefix !== this.maskSize) return undefined;
    const offset = parsed.base - this.base;
    if (offset < 0 || offset >= 2 ** (32 - this.prefix)) return undefined;
    return offset / 2 ** (32 - this.maskSize);
  }

  /** Marks `cidr` used (e.g. found on an existing node). Returns false if it is not one of our subnets. */
  occupy(cidr: string): boolean {
    const i = this.indexOf(cidr);
    if (i === undefined) return false;
    this.used.add(i);
    return true;
  }

  /** Frees `cidr` (no-op if free or foreign). */
  release(cidr: string): void {
    const i = this.indexOf(cidr);
    if (i !== undefined) this.used.delete(i);
  }

  /** Whether `cidr` is currently allocated. */
  isUsed(cidr: string): boolean {
    const i = this.indexOf(cidr);
    return i !== undefined && this.used.has(i);
  }

  /** Takes and returns the lowest free subnet, or undefined when all are used. */
  allocate(): string | undefined {
    for (let i = 0; i < this.capacity; i++) {
      if (this.used.has(i)) continue;
      this.used.add(i);
      return `${formatIPv4(this.base + i * 2 ** (32 - this.maskSize))}/${this.maskSize}`;
    }
    return undefined;
  }

  /** Number of subnets in use. */
  usedCount(): number {
    return this.used.size;
  }
}
