/**
 * Owner references (meta/v1 OwnerReference), the one copy of the helpers the
 * controllers and the garbage collector share, as Kubernetes'
 * metav1.GetControllerOf and metav1.NewControllerRef.
 */
import type { ObjectMeta, OwnerReference } from 'kubernetes-types/meta/v1';
import type { KubeObject } from './object.ts';

/** The controller owner reference of an object (the one with controller: true), if any (metav1.GetControllerOf). */
export function controllerRef(meta: ObjectMeta | undefined): OwnerReference | undefined {
  return (meta?.ownerReferences ?? []).find((r) => r.controller === true);
}

/**
 * The controller reference an owner puts on what it creates
 * (metav1.NewControllerRef): its apiVersion/kind, name and uid, with
 * controller and blockOwnerDeletion set.
 */
export function newControllerRef(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: owner.metadata?.name ?? '', uid: owner.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true };
}
