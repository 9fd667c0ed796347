/**
 * The part of the Reflect metadata API (the `reflect-metadata` proposal) that
 * @peculiar/x509's dependency injection container (tsyringe) calls at import
 * time: `defineMetadata`, `getOwnMetadata`, `getMetadata`. tsyringe throws on
 * import without it. Installed on `Reflect` only when absent, so a real
 * polyfill loaded earlier wins. Importing this module is the only side effect.
 * Swap for the `reflect-metadata` package once it is a dependency.
 */

type Target = object;
type Key = unknown;

const store = new WeakMap<Target, Map<Key, unknown>>();

/** Metadata stored on `target` itself (no prototype walk), or undefined. */
function getOwnMetadata(key: Key, target: Target): unknown {
  return store.get(target)?.get(key);
}

/** Metadata on `target` or the nearest prototype that has it, or undefined. */
function getMetadata(key: Key, target: Target): unknown {
  for (let t: Target | null = target; t !== null; t = Object.getPrototypeOf(t) as Target | null) {
    const m = store.get(t);
    if (m?.has(key)) return m.get(key);
  }
  return undefined;
}

/** Stores `value` under `key` on `target`. */
function defineMetadata(key: Key, value: unknown, target: Target): void {
  let m = store.get(target);
  if (!m) {
    m = new Map();
    store.set(target, m);
  }
  m.set(key, value);
}

const r = Reflect as unknown as Record<string, unknown>;
if (typeof r.getMetadata !== 'function') {
  r.getMetadata = getMetadata;
  r.getOwnMetadata = getOwnMetadata;
  r.defineMetadata = defineMetadata;
}
