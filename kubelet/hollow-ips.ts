/**
 * Fake pod IPs for hollow nodes (no CNI): consecutive host addresses of a
 * CIDR, and the fallback /24 of the i-th hollow node of a process when its
 * Node has no spec.podCIDR. Pure.
 */
import { formatIPv4, parseCIDR } from '../controllers/nodeipam/allocator.ts';

/**
 * Returns a generator of the host addresses of IPv4 `cidr` from .2 up (.1
 * is the bridge's by convention), wrapping around after the last one before
 * the broadcast address. Throws on a malformed CIDR or one smaller than /30.
 */
export function podIPAllocator(cidr: string): () => string {
  const { base, prefix } = parseCIDR(cidr);
  if (prefix > 30) throw new Error(`pod CIDR ${cidr} is too small (at most /30)`);
  const first = base + 2;
  const last = base + 2 ** (32 - prefix) - 2;
  let next = first;
  return () => {
    const ip = formatIPv4(next);
    next = next === last ? first : next + 1;
    return ip;
  };
}

/** The fallback pod CIDR of hollow node `index` (0-based, < 32 768): 10.128.0.0/24, 10.128.1.0/24, ... 10.255.255.0/24. */
export function hollowPodCIDR(index: number): string {
  if (!Number.isInteger(index) || index < 0 || index >= 128 * 256) throw new Error(`hollow node index ${index} out of range`);
  return `10.${128 + Math.floor(index / 256)}.${index % 256}.0/24`;
}

/** The InternalIP of hollow node `index` (0-based, < 64 000): 10.127.0.1 ... 10.127.0.250, 10.127.1.1, ... (never dialled: a hollow kubelet serves nothing). */
export function hollowNodeIP(index: number): string {
  if (!Number.isInteger(index) || index < 0 || index >= 250 * 256) throw new Error(`hollow node index ${index} out of range`);
  return `10.127.${Math.floor(index / 250)}.${(index % 250) + 1}`;
}
