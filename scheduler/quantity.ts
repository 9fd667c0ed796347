/**
 * Kubernetes resource quantities (apimachinery resource.Quantity): a decimal
 * number with an optional suffix: binary (Ki Mi Gi Ti Pi Ei), decimal
 * (n u m k M G T P E) or an exponent (e3, E-2).
 */

const suffixes: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const quantityRe = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$/;

/**
 * Parses a quantity string (or a number) into its value in base units
 * (cores for cpu, bytes for memory). Throws Error on a malformed quantity.
 * Examples: '100m' → 0.1, '1.5Gi' → 1610612736, '1e3' → 1000, '2' → 2.
 */
export function parseQuantity(q: string | number): number {
  if (typeof q === 'number') {
    if (!Number.isFinite(q)) throw new Error(`invalid quantity: ${q}`);
    return q;
  }
  const m = quantityRe.exec(q.trim());
  if (!m) throw new Error(`invalid quantity: ${JSON.stringify(q)}`);
  const base = Number(m[1]);
  if (m[2]) return base * 10 ** Number(m[2].slice(1));
  return base * suffixes[m[3] ?? ''];
}

/** A cpu quantity in millicores, rounded up as Quantity.MilliValue does ('250m' → 250, '1' → 1000). */
export function milliCpu(q: string | number | undefined): number {
  if (q === undefined) return 0;
  return Math.ceil(round9(parseQuantity(q) * 1000));
}

/** A memory (or any integer) quantity in base units, rounded up ('1Ki' → 1024, '1.5k' → 1500). */
export function intValue(q: string | number | undefined): number {
  if (q === undefined) return 0;
  return Math.ceil(round9(parseQuantity(q)));
}

/** Rounds away binary floating-point noise (e.g. 0.1*1000 = 100.00000000000001) before ceil. */
function round9(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}
