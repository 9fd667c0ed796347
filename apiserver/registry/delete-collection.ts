/**
 * DELETE on a collection, on top of a ResourceStore's single delete (as
 * kube-apiserver's Store.DeleteCollection: list, then delete every item with
 * the same options).
 */
import type { KubeList, KubeObject } from '../api/object.ts';
import { StatusError } from '../api/errors.ts';
import { mapLimit } from './map-limit.ts';
import type { SelectorOptions } from './matcher.ts';
import type { DeleteParams } from './deletion.ts';
import type { ResourceStore, WriteOptions } from './store.ts';

/** Paging of a collection delete. */
export interface CollectionTuning {
  /** Objects per list page; default 500. */
  pageSize?: number;
  /** Deletes in flight at once; default 16. */
  concurrency?: number;
}

/**
 * Deletes every object of `store` in `namespace` (all namespaces when
 * undefined) that matches `select`, each through `store.delete` with `opts`
 * and `wo` (dryRun honoured), reading the list in pages at one revision so a
 * collection larger than one etcd response is deleted. Each page is admitted
 * whole before any of it is deleted, so a refused item (an immortal
 * namespace) fails the request with nothing of that page deleted. Objects
 * already gone (404) are skipped. Returns what each delete answered, in list
 * order, at the first page's resourceVersion.
 * @throws StatusError from admission, list or delete.
 */
export async function deleteCollection(store: ResourceStore, namespace: string | undefined, select: SelectorOptions, opts: DeleteParams, wo: WriteOptions, tuning: CollectionTuning): Promise<KubeList<KubeObject>> {
  const items: KubeObject[] = [];
  let revision: string | undefined;
  let cont: string | undefined;
  do {
    const page = await store.list(namespace, { ...select, limit: tuning.pageSize ?? 500, continue: cont });
    revision ??= page.metadata.resourceVersion;
    for (const o of page.items) {
      const rejected = await store.admitDelete(o, wo);
      if (rejected) throw rejected;
    }
    const results = await mapLimit(page.items, tuning.concurrency ?? 16, async (o) => {
      try {
        return (await store.delete(o.metadata?.namespace, o.metadata?.name ?? '', opts, wo)).obj;
      } catch (e) {
        if (e instanceof StatusError && e.code === 404) return undefined;
        throw e;
      }
    });
    for (const r of results) if (r) items.push(r);
    cont = page.metadata.continue;
  } while (cont);
  return { apiVersion: store.apiVersion, kind: store.def.listKind, metadata: { resourceVersion: revision }, items };
}
