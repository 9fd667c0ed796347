/**
 * The metadata the store sets on every create, before the strategy's
 * defaulting (Kubernetes rest.BeforeCreate / FillObjectMetaSystemFields): the
 * namespace from the URL, kind and apiVersion, a fresh uid, the creation
 * time, generation 1, and no resourceVersion or deletion fields.
 */
import type { KubeObject } from '../api/object.ts';
import { rfc3339 } from '../api/time.ts';
import { clone } from '../api/patch/json-value.ts';
import type { ResourceDef } from './types.ts';

/** ObjectMeta without kubernetes-types' readonly markers: the server owns these fields. */
export type MutableMeta = { -readonly [K in keyof NonNullable<KubeObject['metadata']>]: NonNullable<KubeObject['metadata']>[K] };

/** The metadata of `o`, created if absent, writable. */
export const metaOf = (o: KubeObject): MutableMeta => (o.metadata ??= {}) as MutableMeta;

/** apiVersion of a resource's objects: 'v1' for core, 'apps/v1' otherwise. */
export function apiVersionOf(def: Pick<ResourceDef, 'group' | 'version'>): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}

/** The system values of one create: `nowMs` in ms since epoch; `name` replaces metadata.name (a generated name). */
export interface CreateStamp {
  nowMs: number;
  uid: string;
  name?: string;
}

/**
 * Returns a copy of `input` ready for the strategy: namespace set from the
 * URL (namespaced) or removed (cluster-scoped), kind/apiVersion of the def,
 * uid, creationTimestamp (RFC 3339), generation 1, and resourceVersion,
 * deletionTimestamp and deletionGracePeriodSeconds removed. Pure.
 */
export function prepareCreate(def: ResourceDef, input: KubeObject, namespace: string | undefined, stamp: CreateStamp): KubeObject {
  return stampCreate(def, clone(input), namespace, stamp);
}

/** prepareCreate in place: sets those fields on `obj` itself and returns it (for an object the caller owns and gives away). */
export function stampCreate(def: ResourceDef, obj: KubeObject, namespace: string | undefined, stamp: CreateStamp): KubeObject {
  const meta = metaOf(obj);
  if (def.namespaced) meta.namespace = namespace;
  else delete meta.namespace;
  if (stamp.name !== undefined) meta.name = stamp.name;
  obj.kind = def.kind;
  obj.apiVersion = apiVersionOf(def);
  meta.uid = stamp.uid;
  meta.creationTimestamp = rfc3339(stamp.nowMs);
  meta.generation = 1;
  delete meta.resourceVersion;
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  return obj;
}
