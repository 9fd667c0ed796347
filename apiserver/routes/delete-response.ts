/**
 * The body of a DELETE answer: the object, or a Success Status, as
 * Kubernetes' generic registry decides.
 */
import type { Status } from 'kubernetes-types/meta/v1';
import type { KubeObject } from '../api/object.ts';
import { successStatus } from '../api/errors.ts';
import type { DeleteResult } from '../registry/store.ts';
import type { ResourceDef } from '../registry/types.ts';

/**
 * What a DELETE of one object answers with (HTTP 200 either way). A delete
 * still pending (grace period or finalizers: `deleted` false) answers with
 * the object as stored, deletionTimestamp set. An object removed at once
 * answers with itself only when the resource sets `returnDeletedObject`
 * (Kubernetes' `ReturnDeletedObject`: pods, services, namespaces);
 * otherwise with `{kind: Status, status: Success, details: {name, group,
 * kind: <plural>, uid}}`, which typed clients (client-go, the JavaScript
 * client's `V1Status` return type) and `kubectl delete --wait` (uid from
 * details) expect.
 */
export function deleteResponse(def: Pick<ResourceDef, 'group' | 'resource' | 'returnDeletedObject'>, res: DeleteResult): KubeObject | Status {
  if (!res.deleted || def.returnDeletedObject) return res.obj;
  return successStatus({ group: def.group, resource: def.resource, name: res.obj.metadata?.name }, res.obj.metadata?.uid);
}
