/**
 * Query-string parameters read as Kubernetes' parameter codec reads them
 * (k8s.io/apimachinery/pkg/runtime: the first value of a repeated key wins,
 * integers are Go int64), with the strictness issue 5 asks for on booleans.
 * Every function is pure and throws a StatusError (400 BadRequest or 422
 * Invalid) on a value it cannot read.
 */
import { badRequest, StatusError } from '../api/errors.ts';

/** The parsed query string as fastify hands it over. */
export type RawQuery = Record<string, string | string[] | undefined>;

/** The first value of `name` (as url.Values.Get), or undefined when absent. */
export function firstValue(query: RawQuery, name: string): string | undefined {
  const v = query[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Every value of `name`, in order ([] when absent). */
export function allValues(query: RawQuery, name: string): string[] {
  const v = query[name];
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/**
 * Reads a boolean as Go's strconv.ParseBool: 1, t, T, TRUE, true, True are
 * true; 0, f, F, FALSE, false, False are false. Anything else (the empty
 * string included) throws 400. Kubernetes itself (Convert_Slice_string_To_bool)
 * reads everything but "0" and "false" as true; issue 5 asks for the strict
 * reading so that garbage such as `orphanDependents=maybe` is refused.
 */
export function parseBool(name: string, value: string): boolean {
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  throw badRequest(`invalid value for ${name}: strconv.ParseBool: parsing ${JSON.stringify(value)}: invalid syntax`);
}

/** The boolean parameter `name`, or undefined when absent (400 when unreadable; see parseBool). */
export function boolParam(query: RawQuery, name: string): boolean | undefined {
  const v = firstValue(query, name);
  return v === undefined ? undefined : parseBool(name, v);
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/**
 * Reads a Go int64 as strconv.ParseInt(value, 10, 64): optional sign, decimal
 * digits, within ±2^63. Throws 400 on a syntax error or overflow. Values
 * beyond 2^53 come back rounded; callers clamp them anyway.
 */
export function parseInt64(name: string, value: string): number {
  if (!/^[+-]?\d{1,40}$/.test(value)) {
    throw badRequest(`invalid value for ${name}: strconv.ParseInt: parsing ${JSON.stringify(value)}: invalid syntax`);
  }
  const big = BigInt(value);
  if (big > INT64_MAX || big < INT64_MIN) {
    throw badRequest(`invalid value for ${name}: strconv.ParseInt: parsing ${JSON.stringify(value)}: value out of range`);
  }
  return Number(big);
}

/** The int64 parameter `name`, or undefined when absent; `min` (inclusive) is enforced with 400. */
export function intParam(query: RawQuery, name: string, min?: number): number | undefined {
  const v = firstValue(query, name);
  if (v === undefined) return undefined;
  const n = parseInt64(name, v);
  if (min !== undefined && n < min) throw badRequest(`invalid value for ${name}: ${n}: must be greater than or equal to ${min}`);
  return n;
}

/** Which meta/v1 options kind a verb's query parameters decode into (names the 422). */
export type OptionsKind = 'CreateOptions' | 'UpdateOptions' | 'PatchOptions' | 'DeleteOptions';

/**
 * 422 Invalid about a meta.k8s.io options object, as Kubernetes'
 * errors.NewInvalid(GroupKind{meta.k8s.io, kind}, "", errs):
 * `CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: ...`.
 */
export function invalidOptions(kind: OptionsKind, causes: Array<{ reason: string; field: string; message: string }>): StatusError {
  const parts = causes.map((c) => `${c.field}: ${c.message}`);
  const joined = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  return new StatusError({
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 422, reason: 'Invalid',
    message: `${kind}.meta.k8s.io "" is invalid: ${joined}`,
    details: { name: '', group: 'meta.k8s.io', kind, causes: causes.map((c) => ({ reason: c.reason, field: c.field, message: c.message })) },
  });
}

/** Go's %#v of a []string, as field.NotSupported prints a dryRun list: `[]string{"x"}`. */
function goStringSlice(values: string[]): string {
  return `[]string{${values.map((v) => JSON.stringify(v)).join(', ')}}`;
}

/**
 * Validates dryRun values as Kubernetes' ValidateDryRun: every value must be
 * "All" (422 Invalid naming `kind` otherwise). Returns true when the request is
 * a dry run (at least one value).
 */
export function checkDryRun(kind: OptionsKind, values: string[]): boolean {
  if (values.some((v) => v !== 'All')) {
    throw invalidOptions(kind, [{ reason: 'FieldValueNotSupported', field: 'dryRun', message: `Unsupported value: ${goStringSlice(values)}: supported values: "All"` }]);
  }
  return values.length > 0;
}

/** `dryRun` from the query string of a `kind` request (see checkDryRun). */
export function dryRunParam(query: RawQuery, kind: OptionsKind): boolean {
  return checkDryRun(kind, allValues(query, 'dryRun'));
}

/** The longest delay Node's timers honour (2^31-1 ms, about 24.8 days); longer ones fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Clamps a delay in ms to what setTimeout/setInterval honour: [1, MAX_TIMER_MS]; NaN becomes MAX_TIMER_MS. */
export function clampTimerMs(ms: number): number {
  if (Number.isNaN(ms)) return MAX_TIMER_MS;
  return Math.min(MAX_TIMER_MS, Math.max(1, Math.floor(ms)));
}
