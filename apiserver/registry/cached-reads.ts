/**
 * The reads the registry serves from the watch cache when the storage is a
 * Cacher: lists that tolerate a cached answer (kube-apiserver's
 * cacher.shouldDelegateList decides the same way) and the namespace lookup
 * of admission on every namespaced create (kube's NamespaceLifecycle reads
 * an informer and falls back to a live GET when the namespace is missing or
 * terminating there).
 */
import type { KubeObject } from '../api/object.ts';
import { badRequest } from '../api/errors.ts';
import type { ListResult, Storage, TextListResult } from '../storage/interface.ts';
import { objectKey } from '../storage/keys.ts';
import { isCacher } from '../storage/cacher.ts';
import type { ObjectReader } from './admission/standard.ts';

/** The list parameters that decide where a list is served from. */
export interface ListSourceParams {
  resourceVersion?: string;
  /** resourceVersionMatch=Exact. */
  exact?: boolean;
  continue?: string;
  limit?: number;
}

/**
 * True when a list may be answered from the cache: a resourceVersion is
 * given, with no continue token, no Exact match, and no limit unless
 * resourceVersion is "0" (whose limit the cache ignores, as kube's does).
 * Pure; copied from k8s.io/apiserver/pkg/storage/cacher shouldDelegateList.
 */
export function listFromCache(p: ListSourceParams): boolean {
  const rv = p.resourceVersion ?? '';
  if (rv === '' || p.continue || p.exact) return false;
  return !(p.limit && p.limit > 0 && rv !== '0');
}

/**
 * The list of `prefix` from the cache if `storage` is a Cacher and the
 * parameters allow it, else undefined (the caller reads etcd). Waits until
 * the cache reached the resourceVersion (504 after the cache's bound); 400
 * if it is not a number.
 */
export async function cachedList(storage: Storage, prefix: string, p: ListSourceParams): Promise<ListResult | undefined> {
  if (!isCacher(storage) || !listFromCache(p)) return undefined;
  const rv = p.resourceVersion ?? '';
  if (!/^\d+$/.test(rv)) throw badRequest(`invalid resource version: ${JSON.stringify(rv)}`);
  return storage.listCached(prefix, Number(rv));
}

/** cachedList with each object as its JSON text (Cacher.listCachedText); undefined and errors as cachedList. */
export async function cachedListText(storage: Storage, prefix: string, p: ListSourceParams): Promise<TextListResult | undefined> {
  if (!isCacher(storage) || !listFromCache(p)) return undefined;
  const rv = p.resourceVersion ?? '';
  if (!/^\d+$/.test(rv)) throw badRequest(`invalid resource version: ${JSON.stringify(rv)}`);
  return storage.listCachedText(prefix, Number(rv));
}

/**
 * The namespace object at `key` for a create in it: from the cache when it
 * holds the namespace and it is not terminating, else a live read (so a
 * namespace created a moment ago is found and a terminating one is
 * confirmed). Undefined if it does not exist.
 */
export async function namespaceForCreate(storage: Storage, key: string): Promise<KubeObject | undefined> {
  if (isCacher(storage)) {
    const hit = storage.getCached(key);
    if (hit.found && hit.obj && !hit.obj.metadata?.deletionTimestamp) return hit.obj;
  }
  return storage.get(key);
}

/**
 * A ServiceAccount for ServiceAccount admission: from the cache when it holds
 * it, else a live read (kube's plugin reads its lister, then GETs on a miss).
 */
export async function serviceAccountForPod(storage: Storage, key: string): Promise<KubeObject | undefined> {
  if (isCacher(storage)) {
    const hit = storage.getCached(key);
    if (hit.found && hit.obj) return hit.obj;
  }
  return storage.get(key);
}

/**
 * The object reader admission gets: namespaces through namespaceForCreate and
 * ServiceAccounts through serviceAccountForPod (from the cache when they
 * can), everything else through `live`.
 */
export function cachedReader(storage: Storage, live: ObjectReader): ObjectReader {
  if (!isCacher(storage)) return live;
  return (resource, namespace, name) => {
    if (resource === 'namespaces' && namespace === undefined) return namespaceForCreate(storage, objectKey('namespaces', undefined, name));
    if (resource === 'serviceaccounts' && namespace !== undefined) return serviceAccountForPod(storage, objectKey('serviceaccounts', namespace, name));
    return live(resource, namespace, name);
  };
}
