/**
 * An in-memory StrategyContext for strategy tests: `reserve` is atomic
 * (claims a key only if absent), as the store's etcd txn is.
 */
import type { KubeObject } from '../../api/object.ts';
import type { StrategyContext } from '../types.ts';

/** A StrategyContext over a Map of claimed keys; `delayMs` yields between the existence check and the claim. */
export function fakeContext(serviceCIDR = '10.96.0.0/12', delayMs = 0): StrategyContext & { claimed: Map<string, string> } {
  const claimed = new Map<string, string>();
  const pause = (): Promise<void> => new Promise((r) => setTimeout(r, delayMs));
  return {
    claimed,
    config: { serviceCIDR },
    async get(): Promise<KubeObject | undefined> { return undefined; },
    async reserve(key, value) {
      await pause();
      if (claimed.has(key)) return false;
      claimed.set(key, value);
      return true;
    },
    async release(key) { claimed.delete(key); },
    async reserved(prefix) { await pause(); return [...claimed.keys()].filter((k) => k.startsWith(prefix)); },
  };
}
