/**
 * Quantities and durations as the resource metrics API prints them, after
 * apimachinery's `resource.Quantity` canonical form (CanonicalizeBytes):
 * CPU is built from nanocores (`NewScaledQuantity(n, Nano)`, DecimalSI) and
 * memory from bytes (`NewQuantity(b, BinarySI)`); `window` is Go's
 * `time.Duration.String()`. Pure.
 */

const DECIMAL_UP = ['', 'k', 'M', 'G', 'T', 'P', 'E'];

/** An integer in DecimalSI canonical form with no fraction: `12000` → `12k`, `1500` → `1500`. */
function decimalInteger(v: bigint): string {
  let i = 0;
  while (v !== 0n && v % 1000n === 0n && i < DECIMAL_UP.length - 1) {
    v /= 1000n;
    i++;
  }
  return `${v}${DECIMAL_UP[i]}`;
}

/**
 * CPU usage from nanocores (1e-9 core), DecimalSI canonical: the largest of
 * n/u/m/(cores)/k… that keeps the value an integer: `0` → `0`,
 * `12000000n` → `12m`, `1500000` → `1500u`, `123456789` → `123456789n`,
 * `2000000000` → `2`. Negative values are clamped to 0.
 */
export function formatCpuNanocores(nanocores: bigint): string {
  let v = nanocores < 0n ? 0n : nanocores;
  if (v === 0n) return '0';
  if (v % 1_000_000_000n === 0n) return decimalInteger(v / 1_000_000_000n);
  for (const suffix of ['n', 'u', 'm']) {
    if (v % 1000n !== 0n) return `${v}${suffix}`;
    v /= 1000n;
  }
  return `${v}`; // unreachable: divisible by 1e9 handled above
}

const BINARY_UP = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/**
 * Memory from bytes, BinarySI canonical: the largest power-of-1024 suffix
 * that keeps an integer (`4194304` → `4Mi`, `1572864` → `1536Ki`); a value
 * under 1024 or not a multiple of 1024 falls back to DecimalSI (`1000` →
 * `1k`, `1234567` → `1234567`), as Quantity does. Negative → 0.
 */
export function formatMemoryBytes(bytes: number | bigint): string {
  let v = BigInt(typeof bytes === 'number' ? Math.max(0, Math.round(bytes)) : bytes < 0n ? 0n : bytes);
  if (v < 1024n || v % 1024n !== 0n) return decimalInteger(v);
  let i = 0;
  while (v % 1024n === 0n && i < BINARY_UP.length - 1) {
    v /= 1024n;
    i++;
  }
  return `${v}${BINARY_UP[i]}`;
}

/** Go's `time.Duration.String()` of `ms` milliseconds: `0s`, `500ms`, `1.5s`, `15s`, `1m0.25s`, `1h2m3s`. */
export function goDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  if (total === 0) return '0s';
  if (total < 1000) return `${total}ms`;
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor((total % 3_600_000) / 60_000);
  const secMs = total % 60_000;
  const whole = Math.floor(secMs / 1000);
  const frac = (secMs % 1000).toString().padStart(3, '0').replace(/0+$/, '');
  const s = `${whole}${frac ? `.${frac}` : ''}s`;
  if (h > 0) return `${h}h${m}m${s}`;
  if (m > 0) return `${m}m${s}`;
  return s;
}
