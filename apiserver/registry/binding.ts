/**
 * pods/binding: assigns a pod to a node, as Kubernetes' BindingREST does. It
 * writes spec.nodeName and the PodScheduled condition directly (bypassing the
 * pod update strategy, which forbids spec changes), with CAS and retries.
 */
import type { Pod } from 'kubernetes-types/core/v1';
import type { KubeObject } from '../api/object.ts';
import { badRequest, conflict, notFound } from '../api/errors.ts';
import { clone } from '../api/patch/json-value.ts';
import { StorageError } from '../storage/interface.ts';
import { rfc3339 } from '../api/meta.ts';
import type { ResourceStore } from './store.ts';

/** A v1 Binding body (only the fields used). */
export interface BindingBody extends KubeObject {
  target?: { kind?: string; name?: string };
}

/**
 * Binds pod `name` to `binding.target.name`. Throws 400 without a target
 * name, 404 if the pod is missing, 409 if it is already bound or being deleted.
 */
export async function bindPod(pods: ResourceStore, namespace: string, name: string, binding: BindingBody, now: () => number = Date.now): Promise<Pod> {
  const node = binding.target?.name;
  if (!node) throw badRequest('Binding target name must be specified');
  const target = { group: '', resource: 'pods', name };
  const key = pods.key(namespace, name);
  for (let attempt = 0; ; attempt++) {
    const cur = (await pods.storage.get(key)) as Pod | undefined;
    if (!cur) throw notFound(target);
    if (binding.metadata?.uid && binding.metadata.uid !== cur.metadata?.uid) throw conflict(target, 'Precondition failed: UID in precondition does not match');
    if (cur.metadata?.deletionTimestamp) throw conflict(target, 'pod is being deleted, cannot be assigned to a host');
    if (cur.spec?.nodeName) throw conflict(target, `pod ${name} is already assigned to node "${cur.spec.nodeName}"`);
    const next = clone(cur) as Pod & { spec: NonNullable<Pod['spec']> };
    next.spec.nodeName = node;
    const anns = binding.metadata?.annotations;
    if (anns && Object.keys(anns).length > 0) (next.metadata as { annotations?: Record<string, string> }).annotations = { ...(cur.metadata?.annotations ?? {}), ...anns };
    const writable = next as unknown as { status?: { conditions?: NonNullable<Pod['status']>['conditions'] } };
    const status = (writable.status ??= {});
    const conds = (status.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
    conds.push({ type: 'PodScheduled', status: 'True', lastTransitionTime: rfc3339(now()) });
    status.conditions = conds;
    try {
      return (await pods.storage.update(key, next, cur.metadata!.resourceVersion!)) as Pod;
    } catch (e) {
      if (attempt < 8 && e instanceof StorageError && e.kind === 'Conflict') continue;
      pods.mapError(e, name);
    }
  }
}
