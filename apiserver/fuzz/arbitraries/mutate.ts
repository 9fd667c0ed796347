/**
 * Well-formed but hostile mutations of a valid object: a wrong type or a
 * hostile value at any path, hostile keys (prototype keys, duplicates,
 * directives) inserted into any object, removed fields, deep nesting.
 */
import fc from 'fast-check';
import { hostileKey, hostileValue, wrongTypeFor, deep } from './hostile.ts';
import { isObj, nodes, update, type Json, type Step } from './json-ast.ts';

/** One mutation, described by data so a counterexample prints readably. */
export type Mutation =
  | { op: 'replace'; pick: number; value: Json }
  | { op: 'wrongType'; pick: number; seed: number }
  | { op: 'insert'; pick: number; key: string; value: Json }
  | { op: 'duplicate'; pick: number; value: Json }
  | { op: 'remove'; pick: number }
  | { op: 'nest'; pick: number; depth: number };

let cached: fc.Arbitrary<Mutation> | undefined;

/** Arbitrary mutations (one shared instance); `pick` selects a path modulo the number of paths. */
export function mutation(): fc.Arbitrary<Mutation> {
  if (cached) return cached;
  const pick = fc.nat();
  cached = fc.oneof(
    { weight: 4, arbitrary: fc.record({ op: fc.constant('wrongType' as const), pick, seed: fc.nat() }) },
    { weight: 4, arbitrary: fc.record({ op: fc.constant('replace' as const), pick, value: hostileValue() }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('insert' as const), pick, key: hostileKey(), value: hostileValue() }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('duplicate' as const), pick, value: hostileValue() }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('remove' as const), pick }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('nest' as const), pick, depth: fc.constantFrom(100, 10_001) }) },
  );
  return cached;
}

function wrongTypeValue(old: Json, seed: number): Json {
  const [v] = fc.sample(wrongTypeFor(old), { numRuns: 1, seed });
  return v;
}

function pickPath(root: Json, pick: number, filter: (j: Json) => boolean = () => true): Step[] | undefined {
  const all = nodes(root).filter(([, n]) => filter(n));
  return all.length === 0 ? undefined : all[pick % all.length][0];
}

/** Applies one mutation to `root` (not modified); a mutation that finds no target returns `root` unchanged. */
export function applyMutation(root: Json, m: Mutation): Json {
  switch (m.op) {
    case 'replace': {
      const p = pickPath(root, m.pick);
      return p ? update(root, p, () => m.value) ?? null : root;
    }
    case 'wrongType': {
      const p = pickPath(root, m.pick);
      return p ? update(root, p, (old) => wrongTypeValue(old, m.seed)) ?? null : root;
    }
    case 'insert': {
      const p = pickPath(root, m.pick, isObj);
      return p ? update(root, p, (o) => (isObj(o) ? { entries: [...o.entries, [m.key, m.value]] } : o)) ?? null : root;
    }
    case 'duplicate': {
      const p = pickPath(root, m.pick, (j) => isObj(j) && j.entries.length > 0);
      return p ? update(root, p, (o) => (isObj(o) ? { entries: [...o.entries, [o.entries[m.pick % o.entries.length][0], m.value]] } : o)) ?? null : root;
    }
    case 'remove': {
      const p = pickPath(root, m.pick, () => true);
      if (!p || p.length === 0) return root;
      return update(root, p, () => undefined) ?? null;
    }
    case 'nest': {
      const p = pickPath(root, m.pick);
      return p ? update(root, p, (old) => deep(m.depth, m.pick % 2 === 0, old)) ?? null : root;
    }
  }
}

/** Applies mutations in order. */
export function applyMutations(root: Json, ms: Mutation[]): Json {
  return ms.reduce(applyMutation, root);
}

/** One to three mutations. */
export function mutations(): fc.Arbitrary<Mutation[]> {
  return fc.array(mutation(), { minLength: 1, maxLength: 3 });
}
