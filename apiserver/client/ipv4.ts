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
  // The common case without allocating: both are at most four decimal octets ≤ 255 (the proxy sorts
  // tens of thousands of endpoints per full sync; splitting both strings on every compare showed in its profile).
  const va = packedIP(a);
  const vb = packedIP(b);
  if (va >= 0 && vb >= 0) return va - vb;
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** `s` as one number, octets base 256 with missing ones 0; -1 unless it is ≤ 4 decimal parts each ≤ 255. */
function packedIP(s: string): number {
  let v = 0;
  let cur = 0;
  let parts = 1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (++parts > 4) return -1;
      v = v * 256 + cur;
      cur = 0;
    } else if (c >= 48 && c <= 57) {
      cur = cur * 10 + (c - 48);
      if (cur > 255) return -1;
    } else return -1;
  }
  v = v * 256 + cur;
  for (; parts < 4; parts++) v *= 256;
  return v;
}
