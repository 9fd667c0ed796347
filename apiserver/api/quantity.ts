/**
 * Kubernetes resource quantities (apimachinery `resource.Quantity`), the one
 * copy used by the API server, the scheduler and the kubelet.
 *
 * Grammar (resource.ParseQuantity):
 *   quantity  ::= sign? number suffix
 *   number    ::= digits | digits '.' digits? | '.' digits
 *   suffix    ::= '' | binarySI (Ki Mi Gi Ti Pi Ei) | decimalSI (n u m k M G T P E)
 *               | ('e' | 'E') sign? digits
 * No whitespace is allowed anywhere, as in Kubernetes.
 *
 * The parser is a single left-to-right scan with no regular expression, so
 * its cost is linear in the input length (a 32,000-character value is
 * rejected or accepted in microseconds, never by backtracking).
 */

const BINARY: Readonly<Record<string, number>> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Readonly<Record<string, number>> = { n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/** Index just past the run of ASCII digits starting at `i`. */
function scanDigits(s: string, i: number): number {
  while (i < s.length && isDigit(s.charCodeAt(i))) i++;
  return i;
}

/**
 * Parses a quantity string into its value in base units (cores for cpu,
 * bytes for memory), or undefined when `s` is not a quantity or its value is
 * not a finite double. Examples: '100m' → 0.1, '1.5Gi' → 1610612736,
 * '1e3' → 1000, '-2' → -2. Linear in `s.length`.
 */
export function tryParseQuantity(s: string): number | undefined {
  let i = 0;
  if (s[i] === '+' || s[i] === '-') i++;
  const intStart = i;
  i = scanDigits(s, i);
  let digits = i - intStart;
  if (s[i] === '.') {
    const fracStart = ++i;
    i = scanDigits(s, i);
    digits += i - fracStart;
  }
  if (digits === 0) return undefined;
  const numberEnd = i;
  let mult = 1;
  const rest = s.slice(i);
  if (rest === '') {
    mult = 1;
  } else if (rest.length === 2 && BINARY[rest] !== undefined && rest[1] === 'i') {
    mult = BINARY[rest];
  } else if (rest.length === 1 && Object.prototype.hasOwnProperty.call(DECIMAL, rest)) {
    mult = DECIMAL[rest];
  } else if (rest[0] === 'e' || rest[0] === 'E') {
    let j = 1;
    if (rest[j] === '+' || rest[j] === '-') j++;
    const expEnd = scanDigits(rest, j);
    if (expEnd === j || expEnd !== rest.length) return undefined;
    const exp = Number(rest.slice(1));
    mult = 10 ** exp;
  } else {
    return undefined;
  }
  const value = Number(s.slice(0, numberEnd)) * mult;
  return Number.isFinite(value) ? value : undefined;
}

/** True when `s` is a well-formed quantity with a finite value. Linear time. */
export function isQuantity(s: string): boolean {
  return tryParseQuantity(s) !== undefined;
}

/**
 * Parses a quantity (string, or a JSON number as clients sometimes send)
 * into base units. Throws Error `invalid quantity: "<s>"` when malformed or
 * not finite.
 */
export function parseQuantity(q: string | number): number {
  if (typeof q === 'number') {
    if (!Number.isFinite(q)) throw new Error(`invalid quantity: ${q}`);
    return q;
  }
  const v = typeof q === 'string' ? tryParseQuantity(q) : undefined;
  if (v === undefined) throw new Error(`invalid quantity: ${JSON.stringify(String(q).slice(0, 64))}`);
  return v;
}

/** Rounds away binary floating-point noise (0.1 * 1000 = 100.00000000000001) before a ceil. */
function round9(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}

/** A cpu quantity in millicores, rounded up as Quantity.MilliValue does ('250m' → 250, '1' → 1000); undefined → 0. Throws on a malformed quantity. */
export function milliCpu(q: string | number | undefined): number {
  if (q === undefined) return 0;
  return Math.ceil(round9(parseQuantity(q) * 1000));
}

/** A memory (or any integer) quantity in base units, rounded up as Quantity.Value does ('1Ki' → 1024, '1.5k' → 1500); undefined → 0. Throws on a malformed quantity. */
export function intValue(q: string | number | undefined): number {
  if (q === undefined) return 0;
  return Math.ceil(round9(parseQuantity(q)));
}
