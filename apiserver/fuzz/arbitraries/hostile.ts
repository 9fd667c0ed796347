/**
 * Hostile JSON values and keys: wrong types, huge and odd numbers, deep
 * nesting, prototype-polluting keys, unicode, very long and empty strings,
 * nulls. Everything here is well-formed JSON; garbage.ts makes the rest.
 */
import fc from 'fast-check';
import type { Json } from './json-ast.ts';

/** Keys that reach an object's prototype when merged naively. */
export const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'];

/** Odd number literals, written verbatim: beyond float range, beyond 2^53/2^63/2^64, negative zero, exponents. */
export const RAW_NUMBERS = [
  '1e400', '-1e400', '1e-400', '-0', '0.0', '9007199254740993', '18446744073709551616', '9223372036854775808',
  '-9223372036854775809', '2147483648', '4294967296', '1E2', '123456789012345678901234567890', '0.1e1', '1.7976931348623157e309',
];

/** Builds an arbitrary once and hands out the same instance afterwards (building some, e.g. stringMatching, is costly). */
function once<T>(build: () => fc.Arbitrary<T>): () => fc.Arbitrary<T> {
  let a: fc.Arbitrary<T> | undefined;
  return () => (a ??= build());
}

/** Numbers that stress range checks (int32, 2^53, float edge cases). */
export const hostileNumber = once((): fc.Arbitrary<Json> => {
  return fc.oneof(
    fc.constantFrom(0, -1, 1, 2 ** 31, 2 ** 31 - 1, -(2 ** 31) - 1, 2 ** 32, 2 ** 53, Number.MAX_SAFE_INTEGER, Number.MAX_VALUE, Number.MIN_VALUE, 0.5, -0.5, 1e21, 4.2),
    fc.integer({ min: -1_000_000, max: 1_000_000 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(...RAW_NUMBERS).map((raw): Json => ({ raw })),
  );
});

/** A string of `n` copies of `unit`. */
function repeat(unit: string, n: number): string {
  return unit.repeat(n);
}

/** Strings that stress parsers and validators: empty, unicode, control characters, long, numeric-looking, path-like. */
export const hostileString = once((): fc.Arbitrary<string> => {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('', ' ', '\u0000', '\t\n', 'NaN', 'true', 'null', '-1', '1e400', '0x10', '..', '.', '/', '%2F', '%', '../../etc', 'a/b', '*', '$patch', '__proto__', 'default', 'kube-system', 'Z\u0307\u0338', '\u202e\u2066', '\ud800', '\uffff', '😀', 'ß', 'İ', 'ǅ') },
    { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('a', '9', 'é', '😀', '-', '1m', '.'), fc.integer({ min: 254, max: 70_000 })).map(([u, n]) => repeat(u, n)) },
    { weight: 1, arbitrary: fc.constantFrom('x'.repeat(253), 'x'.repeat(254), 'a'.repeat(63), 'a'.repeat(64), '1'.repeat(32_000), 'm'.repeat(32_000)) },
  );
});

/** Strings that are quantities, or nearly: the parser is a known backtracking risk. */
export const quantityLike = once((): fc.Arbitrary<string> => {
  return fc.oneof(
    fc.constantFrom('100m', '1', '1Ki', '1e3', '1E', '.5', '-1', '+1', '1.', '1..2', 'Ki', '1Kib', '0.000000001', '1e1000', '9'.repeat(100) + 'Ei', '1'.repeat(5000) + '.', '1'.repeat(20_000) + 'x'),
    fc.stringMatching(/^[+-]?[0-9]{0,12}(\.[0-9]{0,6})?([eE][+-]?[0-9]{1,4}|[numkMGTPE]i?)?$/),
  );
});

/** A tree nested `depth` levels deep (arrays or objects), ending in `leaf`. */
export function deep(depth: number, asObject: boolean, leaf: Json = 1): Json {
  let j: Json = leaf;
  for (let i = 0; i < depth; i++) j = asObject ? { entries: [['a', j]] } : [j];
  return j;
}

/** An object whose keys are hostile: prototype keys, duplicates, empty, unicode, $-directives. */
export const hostileKey = once((): fc.Arbitrary<string> => {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...PROTO_KEYS) },
    { weight: 2, arbitrary: fc.constantFrom('', ' ', '$patch', '$retainKeys', '$setElementOrder/containers', '$deleteFromPrimitiveList/finalizers', 'a.b', 'a/b', '~', '~1', '\u0000', 'hasOwnProperty', 'toString', 'valueOf', 'length', '0', '-1') },
    { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }) },
  );
});

/**
 * Any hostile value: scalars of every type, hostile strings and numbers,
 * small containers of hostile values (with proto and duplicate keys), and
 * deep nesting (up to 12,000 levels, beyond Kubernetes' 10,000 cap).
 */
export const hostileValue = once((): fc.Arbitrary<Json> => {
  const scalar: fc.Arbitrary<Json> = fc.oneof(
    fc.constant(null), fc.boolean(), hostileNumber(), hostileString(), quantityLike(),
  );
  const container: fc.Arbitrary<Json> = fc.oneof(
    fc.constantFrom<Json>([], { entries: [] }, [null], ['x'], { entries: [['', null]] }),
    fc.array(scalar, { maxLength: 4 }),
    fc.array(fc.tuple(hostileKey(), scalar), { minLength: 1, maxLength: 4 }).map((entries): Json => ({ entries })),
    fc.tuple(hostileKey(), scalar, scalar).map(([k, a, b]): Json => ({ entries: [[k, a], [k, b]] })),
    fc.tuple(fc.constantFrom(...PROTO_KEYS), fc.string({ maxLength: 8 })).map(([k, v]): Json => ({ entries: [[k, { entries: [['polluted', v]] }]] })),
  );
  const nested: fc.Arbitrary<Json> = fc.tuple(fc.constantFrom(50, 1000, 9_999, 10_001, 12_000), fc.boolean()).map(([d, o]) => deep(d, o));
  return fc.oneof({ weight: 6, arbitrary: scalar }, { weight: 3, arbitrary: container }, { weight: 1, arbitrary: nested });
});

/** A value of a different JSON type than `j` (the "wrong type at this path" mutation). */
export function wrongTypeFor(j: Json): fc.Arbitrary<Json> {
  const all: Array<[string, fc.Arbitrary<Json>]> = [
    ['null', fc.constant(null)],
    ['boolean', fc.boolean()],
    ['number', hostileNumber()],
    ['string', hostileString()],
    ['array', fc.constantFrom<Json>([], ['x'], [1, 2], [{ entries: [] }])],
    ['object', fc.constantFrom<Json>({ entries: [] }, { entries: [['a', 'b']] }, { entries: [['__proto__', { entries: [['polluted', 'yes']] }]] })],
  ];
  const own = j === null ? 'null' : Array.isArray(j) ? 'array' : typeof j === 'object' ? ('raw' in j ? 'number' : 'object') : typeof j;
  return fc.oneof(...all.filter(([t]) => t !== own).map(([, a]) => a));
}
