/**
 * pods/binding: assigns a pod to a node, as Kubernetes' BindingREST
 * (pkg/registry/core/pod/storage/storage.go). The binding is a write of the
 * pods store's `binding` subresource through guaranteedUpdate, with its own
 * rules instead of the pod update strategy (which forbids spec changes):
 * spec.nodeName set, the binding's annotations merged, the PodScheduled
 * condition True. Admission sees it as a CREATE of pods/binding.
 */
import type { Pod, PodCondition } from 'kubernetes-types/core/v1';
import type { KubeObject } from '../api/object.ts';
import { conflict, invalid, type FieldCause, type StatusError } from '../api/errors.ts';
import { rfc3339 } from '../api/time.ts';
import type { ResourceStore, WriteOptions } from './store.ts';
import type { SubresourceStrategy } from './types.ts';

/** A v1 Binding body (only the fields used). */
export interface BindingBody extends KubeObject {
  target?: { kind?: string; name?: string };
}

/** Field errors of a Binding (Kubernetes ValidatePodBinding): target.kind Node or empty, target.name required. */
export function validateBinding(binding: BindingBody): FieldCause[] {
  const out: FieldCause[] = [];
  const kind = binding.target?.kind;
  if (kind !== undefined && kind !== '' && kind !== 'Node') {
    out.push({ reason: 'FieldValueNotSupported', field: 'target.kind', message: `Unsupported value: ${JSON.stringify(kind)}: supported values: "Node", "<empty>"` });
  }
  if (!binding.target?.name) out.push({ reason: 'FieldValueRequired', field: 'target.name', message: 'Required value' });
  return out;
}

type WritablePod = Pod & { spec: NonNullable<Pod['spec']>; status?: { conditions?: PodCondition[] } };

/**
 * The pod after binding `cur` to `node` at `nowMs` (ms since epoch): a copy
 * with spec.nodeName, the binding's annotations over the pod's, and a
 * PodScheduled=True condition replacing any earlier one. Pure: `cur` is not
 * changed; only the objects on the changed paths are copied (the rest is
 * shared with `cur`, which the store hands over as its own clone).
 */
export function boundPod(cur: KubeObject, binding: BindingBody, node: string, nowMs: number): KubeObject {
  const src = cur as WritablePod;
  const anns = binding.metadata?.annotations;
  const metadata = anns && Object.keys(anns).length > 0 ? { ...(src.metadata ?? {}), annotations: { ...(src.metadata?.annotations ?? {}), ...anns } } : src.metadata;
  const conds = (src.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
  conds.push({ type: 'PodScheduled', status: 'True', lastTransitionTime: rfc3339(nowMs) });
  const next: WritablePod = { ...src, spec: { ...(src.spec ?? {}), nodeName: node } as WritablePod['spec'], status: { ...(src.status ?? {}), conditions: conds } };
  if (metadata !== undefined) next.metadata = metadata;
  return next;
}

/**
 * Whether pod `cur` may be bound (Kubernetes setPodHostAndAnnotations): 409
 * Conflict on pods/binding when the binding's uid precondition differs, the
 * pod is being deleted, or it is already assigned to a node. Pure.
 */
export function bindingConflict(cur: KubeObject, binding: BindingBody): StatusError | undefined {
  const name = cur.metadata?.name ?? '';
  const target = { group: '', resource: 'pods/binding', name };
  const uid = binding.metadata?.uid;
  if (uid && uid !== cur.metadata?.uid) return conflict(target, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${cur.metadata?.uid ?? ''}`);
  if (cur.metadata?.deletionTimestamp) return conflict(target, `pod ${name} is being deleted, cannot be assigned to a host`);
  const bound = (cur as Pod).spec?.nodeName;
  if (bound) return conflict(target, `pod ${name} is already assigned to node "${bound}"`);
  return undefined;
}

/**
 * The binding subresource's rules for the store: admitted as CREATE, rejected
 * on a conflict with the stored pod, managedFields left as they were (kube's
 * BindingREST updates storage directly, so no manager entry is recorded).
 */
export function bindingStrategy(binding: BindingBody): SubresourceStrategy {
  return { operation: 'CREATE', validateUpdate: (_next, cur) => bindingConflict(cur, binding), keepManagedFields: true };
}

/**
 * Binds pod `name` to `binding.target.name` through the pods store. Throws
 * 422 Invalid for a bad binding, 404 if the pod is missing, 409 if it is
 * already bound or being deleted, 403 if its namespace is terminating. With
 * dryRun nothing is stored. Resolves to the bound pod.
 */
export async function bindPod(pods: ResourceStore, namespace: string, name: string, binding: BindingBody, now: () => number = Date.now, wo: WriteOptions = {}): Promise<Pod> {
  const causes = validateBinding(binding);
  if (causes.length > 0) throw invalid('Binding', '', name, causes);
  const node = binding.target!.name!;
  return (await pods.guaranteedUpdate(namespace, name, (cur) => boundPod(cur, binding, node, now()), 'binding', true, wo, bindingStrategy(binding))) as Pod;
}
