/**
 * The StrategyContext the store hands its strategies: reads, server
 * configuration and the atomic key claims (`reserve`) used by allocators.
 * Together with store.ts it is the only code outside storage/ that calls a
 * storage write method (see write-path.test.ts).
 */
import type { Storage } from '../storage/interface.ts';
import { objectKey } from '../storage/keys.ts';
import type { StrategyContext } from './types.ts';

/** Builds the StrategyContext over a storage; `serviceCIDR` e.g. '10.96.0.0/12'. */
export function strategyContext(storage: Storage, config: { serviceCIDR: string }): StrategyContext {
  return {
    get: (resource, namespace, name) => storage.get(objectKey(resource, namespace, name)),
    config: { serviceCIDR: config.serviceCIDR },
    reserve: (key, value) => storage.reserve(key, value),
    release: (key) => storage.release(key),
    reserved: (prefix) => storage.reserved(prefix),
  };
}
