/**
 * Dotted IPv4 address helpers shared by components (the EndpointSlice
 * controller and the proxy order endpoints the same way).
 */

/**
 * Orders dotted IPv4 addresses numerically, octet by octet ('10.0.0.9' before
 * '10.0.0.10'); a missing octet counts as 0. Returns <0, 0 or >0 as a sort
 * comparator does; never throws.
 */
export function compareIP(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
