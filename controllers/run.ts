/**
 * The start-up every controller shares: register informers first (the caller
 * did, synchronously), then run the workers only once the shared informer
 * factory has synced, so no reconcile acts on an empty cache.
 */
import type { WorkQueue } from '../apiserver/client/informer-types.ts';
import { runWorkers, type ReconcileResult } from '../apiserver/client/controller.ts';
import type { ControllerDeps } from './deps.ts';

/** A controller's work queue and its level-based reconcile function. */
export interface QueueController<K> {
  queue: WorkQueue<K>;
  reconcile(key: K): Promise<ReconcileResult>;
}

/**
 * Runs `workers` workers of `c` once `deps.informers` has synced (calling
 * `beforeRun` first, e.g. to rebuild state from the cache), until `signal`
 * aborts. Returns at once; logs '<name> running', and logs (never throws) if
 * the workers stop with an error.
 */
export function runWhenSynced<K>(deps: ControllerDeps, name: string, c: QueueController<K>, workers: number, signal: AbortSignal, beforeRun?: () => void): void {
  void deps.informers.synced().then(() => {
    if (signal.aborted) return;
    beforeRun?.();
    deps.log.info(`${name} running`);
    return runWorkers(c.queue, workers, (key) => c.reconcile(key), signal, deps.log);
  }).catch((e: unknown) => deps.log.error(`${name} stopped`, { err: e }));
}
