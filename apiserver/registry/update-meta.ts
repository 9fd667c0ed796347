/**
 * The metadata rules of every update (Kubernetes rest.BeforeUpdate and the
 * generic store's update path): the URL names the object, the uid is a
 * precondition, the system fields cannot be changed by a client, no
 * finalizer may be added to an object being deleted, and a spec change bumps
 * metadata.generation where the resource tracks it. Each rule is a pure
 * function; rejections are returned as StatusErrors.
 */
import type { KubeObject } from '../api/object.ts';
import { badRequest, conflict, invalid, type StatusError } from '../api/errors.ts';
import { jsonEqual } from '../api/patch/json-value.ts';
import { apiVersionOf, metaOf } from './create-meta.ts';
import type { ResourceDef } from './types.ts';

/**
 * Checks the wanted object against the stored one: 400 when metadata.name or
 * (namespaced) metadata.namespace differ from the stored object's, 409 when
 * metadata.uid is set and differs. Undefined when the update may go on.
 */
export function updateMetaError(def: ResourceDef, wanted: KubeObject, cur: KubeObject): StatusError | undefined {
  const name = cur.metadata?.name ?? '';
  const wm = wanted.metadata ?? {};
  if (wm.name !== undefined && wm.name !== name) return badRequest(`the name of the object (${typeof wm.name === 'string' ? wm.name : JSON.stringify(wm.name)}) does not match the name on the URL (${name})`);
  if (def.namespaced && wm.namespace !== undefined && wm.namespace !== cur.metadata?.namespace) {
    return badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  if (wm.uid && wm.uid !== cur.metadata?.uid) {
    return conflict({ group: def.group, resource: def.resource, name }, `Precondition failed: UID in precondition: ${wm.uid}, UID in object meta: ${cur.metadata?.uid ?? ''}`);
  }
  return undefined;
}

/**
 * Copies the fields a client cannot change from the stored object into
 * `next` (in place): name, namespace, uid, creationTimestamp, generation,
 * deletionTimestamp, deletionGracePeriodSeconds; sets kind, apiVersion and
 * the stored resourceVersion (the CAS base).
 */
export function keepSystemMeta(def: ResourceDef, next: KubeObject, cur: KubeObject): void {
  const nm = metaOf(next);
  const cm = cur.metadata ?? {};
  nm.name = cm.name;
  nm.namespace = cm.namespace;
  nm.uid = cm.uid;
  nm.creationTimestamp = cm.creationTimestamp;
  nm.generation = cm.generation;
  if (cm.deletionTimestamp) nm.deletionTimestamp = cm.deletionTimestamp;
  else delete nm.deletionTimestamp;
  if (cm.deletionGracePeriodSeconds !== undefined) nm.deletionGracePeriodSeconds = cm.deletionGracePeriodSeconds;
  else delete nm.deletionGracePeriodSeconds;
  stampKindAndRv(def, next, cur);
}

/** Sets kind and apiVersion of the def and the stored resourceVersion on `next` (in place). */
export function stampKindAndRv(def: ResourceDef, next: KubeObject, cur: KubeObject): void {
  next.kind = def.kind;
  next.apiVersion = apiVersionOf(def);
  metaOf(next).resourceVersion = cur.metadata?.resourceVersion;
}

/** 422 when `next` adds a finalizer to an object that is being deleted (Kubernetes ValidateObjectMetaUpdate). */
export function finalizerAddError(def: ResourceDef, next: KubeObject, cur: KubeObject): StatusError | undefined {
  const cm = cur.metadata ?? {};
  if (!cm.deletionTimestamp) return undefined;
  const had = cm.finalizers ?? [];
  if (!(next.metadata?.finalizers ?? []).some((f) => !had.includes(f))) return undefined;
  return invalid(def.kind, def.group, cm.name ?? '', [{ reason: 'FieldValueForbidden', field: 'metadata.finalizers', message: 'Forbidden: no new finalizers can be added if the object is being deleted' }]);
}

/** The generation `next` gets: the stored one, plus 1 when the resource bumps generation and `.spec` changed. */
export function nextGeneration(def: ResourceDef, next: KubeObject, cur: KubeObject): number | undefined {
  const gen = cur.metadata?.generation;
  const spec = (o: KubeObject): unknown => (o as { spec?: unknown }).spec;
  if (def.strategy.bumpsGeneration && !jsonEqual(spec(next), spec(cur))) return (gen ?? 1) + 1;
  return gen;
}
