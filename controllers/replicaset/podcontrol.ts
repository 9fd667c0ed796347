/**
 * Pod creation and deletion on behalf of an owning controller (ReplicaSet,
 * Job), as kube-controller-manager's shared PodControl with its controller
 * expectations: creates go out in slow-start batches (1, 2, 4, …; the first
 * failure stops the rest), every create and delete records kube's event on
 * the owner (`SuccessfulCreate` / `FailedCreate`, `SuccessfulDelete` /
 * `FailedDelete`), and the owner's Expectations are raised before the
 * writes and lowered for every write that failed or was never sent, so the
 * next sync is not held back waiting for events that will not come.
 */
import type { Pod } from 'kubernetes-types/core/v1';
import type { KubeObject } from '../../apiserver/api/object.ts';
import type { EventRecorder } from '../../apiserver/client/informer-types.ts';
import type { ApiClient } from '../../apiserver/client/types.ts';
import { Pods, type ResourceRef } from '../../apiserver/client/resources.ts';
import { isNotFound } from '../../apiserver/client/types.ts';
import type { Expectations } from './expectations.ts';
import { withKind } from './ownership.ts';
import { slowStartBatch } from './slowstart.ts';

/** What PodControl writes with. */
export interface PodControlDeps {
  client: ApiClient;
  recorder: EventRecorder;
  expectations: Expectations;
}

/** The `namespace/name` key of an object: the owners' work-queue and Expectations key, and a pod's key in Expectations' deletions. */
export const nsNameKey = (ns: string | undefined, name: string | undefined): string => `${ns ?? ''}/${name ?? ''}`;

/** Creates and deletes the pods of owners of one kind (`ownerRef`, for the events' involved object). */
export class PodControl {
  constructor(private readonly deps: PodControlDeps, private readonly ownerRef: ResourceRef) {}

  /**
   * Creates `count` pods made by `podFor()` in the owner's namespace, in
   * slow-start batches; rejects with the first error (the remaining pods
   * are not attempted). `key` is the owner's Expectations key.
   */
  async createPods<T extends KubeObject>(owner: T, key: string, count: number, podFor: () => Pod): Promise<void> {
    const { client, recorder, expectations } = this.deps;
    const involved = withKind(owner, this.ownerRef);
    expectations.expect(key, count);
    let failures = 0;
    const res = await slowStartBatch(count, 1, async () => {
      try {
        const created = await client.create<Pod>(Pods, podFor(), owner.metadata?.namespace);
        recorder.event(involved, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name ?? ''}`);
      } catch (e) {
        failures += 1;
        expectations.creationObserved(key);
        recorder.event(involved, 'Warning', 'FailedCreate', `Error creating: ${(e as Error).message}`);
        throw e;
      }
    });
    for (let skipped = count - res.successes - failures; skipped > 0; skipped--) expectations.creationObserved(key);
    if (res.error !== undefined) throw res.error;
  }

  /**
   * Deletes `pods` concurrently; a pod already gone (404) counts as
   * deleted. Rejects with the first other error after all were tried.
   */
  async deletePods<T extends KubeObject>(owner: T, key: string, pods: readonly Pod[]): Promise<void> {
    const { client, recorder, expectations } = this.deps;
    const involved = withKind(owner, this.ownerRef);
    const keys = pods.map((p) => nsNameKey(p.metadata?.namespace, p.metadata?.name));
    expectations.expect(key, 0, keys);
    const results = await Promise.allSettled(pods.map(async (p, i) => {
      try {
        await client.delete(Pods, p.metadata?.name ?? '', p.metadata?.namespace);
        recorder.event(involved, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata?.name ?? ''}`);
      } catch (e) {
        // A pod that is already gone will never produce a delete event for us.
        expectations.deletionObserved(key, keys[i] ?? '');
        if (isNotFound(e)) return;
        recorder.event(involved, 'Warning', 'FailedDelete', `Error deleting: ${(e as Error).message}`);
        throw e;
      }
    }));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
