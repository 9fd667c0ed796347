/**
 * Applying ownership changes (the writes behind ClaimObject): adopt an orphan
 * by appending a controller owner reference, release by removing ours. Both
 * are merge patches carrying the cached resourceVersion, so they fail with a
 * 409 instead of overwriting a newer object; a vanished object (404) or a
 * conflict is reported as `false` and left to the next sync.
 */
import type { OwnerReference } from 'kubernetes-types/meta/v1';
import { apiVersionOf, type ResourceRef } from '../../apiserver/client/resources.ts';
import type { KubeObject } from '../../apiserver/api/object.ts';
import { isNotFound, type ApiClient } from '../../apiserver/client/types.ts';

/** Index function: an object's namespace. */
export const namespaceIndex = (o: KubeObject): string[] => [o.metadata?.namespace ?? ''];

/** Index name for `namespaceIndex`, shared by the controllers. */
export const BY_NAMESPACE = 'by-namespace';

/** Adds `owner` to obj's ownerReferences. Resolves the patched object, or undefined on 404; throws other errors (409 included, see patchRefs). */
export async function adopt<T extends KubeObject>(client: ApiClient, ref: ResourceRef, obj: T, owner: OwnerReference): Promise<T | undefined> {
  const refs = [...(obj.metadata?.ownerReferences ?? []).filter((r) => r.uid !== owner.uid), owner];
  return patchRefs(client, ref, obj, refs);
}

/** Removes owner `uid` from obj's ownerReferences. Resolves the patched object, or undefined on 404; throws other errors (409 included, see patchRefs). */
export async function release<T extends KubeObject>(client: ApiClient, ref: ResourceRef, obj: T, uid: string): Promise<T | undefined> {
  const refs = (obj.metadata?.ownerReferences ?? []).filter((r) => r.uid !== uid);
  return patchRefs(client, ref, obj, refs.length > 0 ? refs : null);
}

/**
 * Patches ownerReferences, guarded by the cached resourceVersion. A 404 (the
 * object is gone) resolves undefined: the caller rightly stops counting it. A
 * 409 (the cache was stale) is thrown, so the caller's sync fails and is
 * retried once the informer has caught up, as kube-controller-manager's
 * ClaimPods returns its adoption errors. Treating 409 like 404 would leave a
 * live, matching object uncounted and make the controller create a duplicate.
 */
async function patchRefs<T extends KubeObject>(client: ApiClient, ref: ResourceRef, obj: T, refs: OwnerReference[] | null): Promise<T | undefined> {
  try {
    return await client.patch<T>(ref, obj.metadata?.name ?? '', 'merge',
      { metadata: { ownerReferences: refs, resourceVersion: obj.metadata?.resourceVersion } }, obj.metadata?.namespace);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** `o` with apiVersion/kind filled from `ref` (list items may lack them; Events need them). */
export function withKind<T extends KubeObject>(o: T, ref: ResourceRef): T {
  return { ...o, apiVersion: apiVersionOf(ref), kind: ref.kind };
}
