/**
 * Watch on a store: maps storage changes under a collection prefix to
 * Kubernetes watch events through the selectors (watch-events.ts). Over the
 * watch cache the watch is served from it (watch-cached.ts); over plain
 * storage it lists and opens its own storage watch.
 */
import type { KubeObject } from '../api/object.ts';
import type { WatchEvent } from '../client/types.ts';
import { badRequest } from '../api/errors.ts';
import { StorageError, type StorageEvent } from '../storage/interface.ts';
import { watchFromCache } from './watch-cached.ts';
import { expiredEvent, toWatchEvent, type EventSink, type StoreWatch, type WatchParams } from './watch-events.ts';
import type { ResourceStore } from './store.ts';

export { expiredEvent, toWatchEvent, type EventSink, type StoreWatch, type WatchParams } from './watch-events.ts';

/**
 * Starts a watch of `store` (one namespace, or all when undefined). Throws 400
 * for a bad selector or resourceVersion. Compaction (at start or later) is
 * delivered as an ERROR event with a 410 Status. Over a watch cache the
 * watch is served from it (watch-cached.ts); `onEnd` is then called if the
 * cache closes the watch without an error (the consumer fell behind).
 */
export async function watchStore(store: ResourceStore, namespace: string | undefined, params: WatchParams, sink: EventSink, onEnd?: () => void): Promise<StoreWatch> {
  const match = store.matcher(params);
  const rvParam = params.resourceVersion;
  if (rvParam && !/^\d+$/.test(rvParam)) throw badRequest(`invalid resource version: ${JSON.stringify(rvParam)}`);
  const cache = store.watchCache();
  if (cache) return watchFromCache(cache, store, namespace, params, match, sink, onEnd);
  let last: string;
  let startAfter: string;
  if (!rvParam || rvParam === '0' || params.sendInitialEvents) {
    const list = await store.list(namespace, { labelSelector: params.labelSelector, fieldSelector: params.fieldSelector });
    for (const o of list.items) sink({ type: 'ADDED', object: o });
    startAfter = list.metadata.resourceVersion ?? '0';
    if (params.sendInitialEvents) {
      const metadata = { resourceVersion: startAfter, annotations: { 'k8s.io/initial-events-end': 'true' } };
      sink({ type: 'BOOKMARK', object: { kind: store.def.kind, apiVersion: store.apiVersion, metadata } });
    }
  } else {
    startAfter = rvParam;
  }
  last = startAfter;
  let ended = false;
  const fail = (msg: string): void => {
    if (ended) return;
    ended = true;
    sink(expiredEvent(`too old resource version: ${startAfter} (${msg})`));
  };
  try {
    const w = await store.storage.watch(store.prefix(namespace), String(Number(startAfter) + 1), (ev) => {
      if (ended) return;
      last = String(ev.rev);
      const out = toWatchEvent(ev, match);
      if (out) sink(out);
    }, (err) => fail(err.message));
    return {
      stop: async () => {
        ended = true;
        await w.stop().catch(() => undefined);
      },
      revision: () => last,
    };
  } catch (e) {
    if (e instanceof StorageError && e.kind === 'Compacted') {
      fail(e.message);
      return { stop: async () => undefined, revision: () => last };
    }
    throw e;
  }
}
