/**
 * The admission attributes of one write, built from the resource definition
 * and the object (as kube-apiserver's admission.NewAttributesRecord).
 */
import type { KubeObject } from '../api/object.ts';
import type { AdmissionAttributes, AdmissionOperation } from './admission/chain.ts';
import type { ResourceDef } from './types.ts';
import type { WriteOptions } from './store.ts';

/**
 * Attributes of `operation` on `object` (the new object; for DELETE the
 * object being deleted) of resource `def`. The namespace is dropped for
 * cluster-scoped resources; `dryRun` and the requesting user come from `wo`.
 * Pure; never throws.
 */
export function admissionAttributes(def: ResourceDef, operation: AdmissionOperation, object: KubeObject, oldObject: KubeObject | undefined, subresource: string | undefined, wo: WriteOptions): AdmissionAttributes {
  const m = object.metadata ?? {};
  return {
    operation, group: def.group, version: def.version, resource: def.resource, kind: def.kind, subresource,
    namespace: def.namespaced ? m.namespace : undefined, name: m.name ?? '', object, oldObject, dryRun: !!wo.dryRun, ...(wo.user ? { user: wo.user } : {}),
  };
}
