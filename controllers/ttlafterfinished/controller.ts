/**
 * The TTL-after-finished controller (kube-controller-manager's
 * ttl-after-finished controller): deletes finished Jobs whose
 * spec.ttlSecondsAfterFinished has run out, with Foreground propagation so
 * their pods go first, as kube does. Shares the Job informer; its own
 * queue keyed 'namespace/name'; `decideTTL` is the rule.
 */
import type { Job } from 'kubernetes-types/batch/v1';
import type { ControllerDeps } from '../deps.ts';
import { runWhenSynced } from '../run.ts';
import type { WorkQueue } from '../../apiserver/client/informer-types.ts';
import { Jobs } from '../../apiserver/client/resources.ts';
import { isConflict, isNotFound } from '../../apiserver/client/types.ts';
import { createWorkQueue } from '../../apiserver/client/workqueue.ts';
import type { ReconcileResult } from '../../apiserver/client/controller.ts';
import { decideTTL } from './decide.ts';

/** Options for tests: clock (ms since epoch), worker count. */
export interface TTLControllerOptions {
  now?: () => number;
  workers?: number;
}

/** A created (not yet running) TTL-after-finished controller. */
export interface TTLController {
  /** Deletes the Job 'namespace/name' if expired, else asks to be called back when it will be. Throws to be retried. */
  reconcile(key: string): Promise<ReconcileResult>;
  readonly queue: WorkQueue<string>;
}

/** Registers the Job informer handlers; starts nothing. */
export function createTTLAfterFinishedController(deps: ControllerDeps, opts: TTLControllerOptions = {}): TTLController {
  const now = opts.now ?? Date.now;
  const inf = deps.informers.for<Job>(Jobs);
  const queue = createWorkQueue<string>({ metrics: deps.queueMetrics?.forQueue('ttl_jobs_to_delete') });
  const enqueue = (job: Job): void => {
    if (decideTTL(job, now()).action !== 'none') queue.add(`${job.metadata?.namespace ?? ''}/${job.metadata?.name ?? ''}`);
  };
  inf.addHandlers({ onAdd: enqueue, onUpdate: (_o, n) => enqueue(n) });

  const reconcile = async (key: string): Promise<ReconcileResult> => {
    const cached = inf.get(key);
    if (!cached) return;
    const first = decideTTL(cached, now());
    if (first.action === 'wait') return { requeueAfterMs: first.afterMs };
    if (first.action === 'none') return;
    // The cache may be stale (ttl changed, Job recreated): decide again on the live object, as kube does.
    const name = cached.metadata?.name ?? '';
    const ns = cached.metadata?.namespace;
    const fresh = await deps.client.tryGet<Job>(Jobs, name, ns);
    if (!fresh) return;
    const again = decideTTL(fresh, now());
    if (again.action === 'wait') return { requeueAfterMs: again.afterMs };
    if (again.action === 'none') return;
    try {
      await deps.client.delete(Jobs, name, ns, {
        propagationPolicy: 'Foreground',
        preconditions: { uid: fresh.metadata?.uid, resourceVersion: fresh.metadata?.resourceVersion },
      });
      deps.log.info('deleted expired job', { key });
    } catch (e) {
      if (isNotFound(e)) return;
      if (isConflict(e)) return { requeueAfterMs: 0 };
      throw e;
    }
  };
  return { reconcile, queue };
}

/** Starts the controller: informer handlers now, workers (default 5) once synced, until `signal` aborts. */
export function startTTLAfterFinishedController(deps: ControllerDeps, signal: AbortSignal, opts: TTLControllerOptions = {}): void {
  const c = createTTLAfterFinishedController(deps, opts);
  runWhenSynced(deps, 'ttl-after-finished controller', c, opts.workers ?? 5, signal);
}
