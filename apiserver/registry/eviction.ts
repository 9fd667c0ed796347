/**
 * pods/eviction: deletes a pod unless a PodDisruptionBudget forbids it, as
 * Kubernetes' EvictionREST (pkg/registry/core/pod/storage/eviction.go).
 * Both writes go through the stores (the one write path): the budget's
 * status update is a compare-and-swap on its resourceVersion, and the pod
 * delete honours the Eviction's deleteOptions. The decisions are in
 * eviction-plan.ts.
 */
import type { Pod } from 'kubernetes-types/core/v1';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1';
import { StatusError } from '../api/errors.ts';
import type { KubeObject } from '../api/object.ts';
import type { DeleteParams } from './deletion.ts';
import { budgetBusy, decrementBudget, planEviction, preconditionError, withDisruptionTarget } from './eviction-plan.ts';
import type { ResourceStore, WriteOptions } from './store.ts';

/** The stores an eviction writes through; `pdbs` undefined when budgets are not served (every eviction is then a delete). */
export interface EvictionStores {
  pods: ResourceStore;
  pdbs?: ResourceStore;
}

/** How often a lost compare-and-swap on the budget is re-planned before the eviction answers 429. */
const MAX_ATTEMPTS = 5;

const isConflict = (e: unknown): boolean => e instanceof StatusError && e.code === 409;

/**
 * Evicts pod `namespace/name`: plans against the pod and every budget in
 * its namespace, takes one disruption from the covering budget (re-planned
 * from fresh reads when another writer changed it, 429 after a few losses),
 * then sets the pod's DisruptionTarget condition and deletes it with `del`
 * (a resourceVersion precondition is added
 * when an unready pod is deleted without taking a disruption; losing that
 * race is 429). `wo.dryRun` computes everything and writes nothing. Throws
 * 404 for a missing pod, 429 TooManyRequests when a budget forbids it, 500
 * when more than one budget covers the pod, and the delete's errors.
 * `now` is ms since epoch.
 */
export async function evictPod(stores: EvictionStores, namespace: string, name: string, del: DeleteParams, wo: WriteOptions, now: () => number = Date.now): Promise<void> {
  const callerRv = del.preconditions?.resourceVersion;
  for (let attempt = 1; ; attempt++) {
    const pod = await stores.pods.get(namespace, name) as Pod;
    const pdbs = stores.pdbs ? (await stores.pdbs.list(namespace)).items as PodDisruptionBudget[] : [];
    const plan = planEviction(pod, pdbs);
    if (plan.kind === 'refuse') throw plan.error;
    let guard: string | undefined;
    if (plan.kind === 'decrement') {
      const taken = decrementBudget(plan.pdb, name, now());
      if ('error' in taken) throw taken.error;
      if (!wo.dryRun && stores.pdbs) {
        try {
          await stores.pdbs.update(namespace, plan.pdb.metadata?.name ?? '', taken.pdb as KubeObject, 'status', {});
        } catch (e) {
          if (!isConflict(e)) throw e;
          if (attempt >= MAX_ATTEMPTS) throw budgetBusy(plan.pdb.metadata?.name ?? '');
          continue;
        }
      }
    } else {
      guard = callerRv === undefined ? plan.guardResourceVersion : undefined;
    }
    const params: DeleteParams = guard ? { ...del, preconditions: { ...(del.preconditions ?? {}), resourceVersion: guard } } : del;
    try {
      await markAndDelete(stores.pods, namespace, name, params, wo, now);
    } catch (e) {
      if (guard && plan.kind === 'delete' && isConflict(e)) throw budgetBusy(plan.pdbName ?? '');
      throw e;
    }
    return;
  }
}

/**
 * Sets DisruptionTarget=True on the pod through its status subresource
 * (the delete's preconditions checked first, 409 otherwise), then deletes
 * it, the resourceVersion precondition moved to the version just written
 * (addConditionAndDeletePod). A dry run only deletes (as a dry run).
 */
async function markAndDelete(pods: ResourceStore, namespace: string, name: string, del: DeleteParams, wo: WriteOptions, now: () => number): Promise<void> {
  let params = del;
  if (!wo.dryRun) {
    const marked = await pods.guaranteedUpdate(namespace, name, (cur) => {
      const err = preconditionError(cur as Pod, del.preconditions);
      if (err) throw err;
      return withDisruptionTarget(cur as Pod, now()) as KubeObject;
    }, 'status', true, { user: wo.user });
    if (del.preconditions?.resourceVersion) params = { ...del, preconditions: { ...del.preconditions, resourceVersion: marked.metadata?.resourceVersion ?? '' } };
  }
  await pods.delete(namespace, name, params, wo);
}
