/**
 * A store watch served by the watch cache (storage/cacher.ts) instead of a
 * storage watch of its own: rv unset/0 and sendInitialEvents start with the
 * cache's current objects as ADDED (unset waits until the cache has caught
 * up with etcd, as a consistent read), a resourceVersion starts after it
 * (410 if older than the cache's ring), and a consumer that pushes back is
 * held in the cache's bounded per-watcher queue.
 */
import { StatusError } from '../api/errors.ts';
import { StorageError, type StorageEvent } from '../storage/interface.ts';
import type { Cacher, CachedWatchStart } from '../storage/cacher.ts';
import { WatchTerminated } from '../storage/cacher-types.ts';
import type { Matcher } from './matcher.ts';
import type { ResourceStore } from './store.ts';
import { expiredEvent, toWatchEvent, type EventSink, type StoreWatch, type WatchParams } from './watch-events.ts';

/** How a cached watch starts, from its parameters. Pure. */
export function cachedWatchStart(params: WatchParams): CachedWatchStart {
  const rv = params.resourceVersion;
  if (params.sendInitialEvents || !rv || rv === '0') return { mode: 'initial', consistent: !rv };
  return { mode: 'after', after: Number(rv) };
}

/**
 * Starts the cache watch; a consistent snapshot the cache cannot give in
 * time (504) is read from etcd instead and the watch continues from the
 * cache after that list's revision.
 */
async function startCached(cacher: Cacher, store: ResourceStore, namespace: string | undefined, params: WatchParams, start: CachedWatchStart, sink: EventSink,
  onEvent: (ev: StorageEvent) => boolean | void, onError: (err: StorageError) => void): Promise<{ stop(): Promise<void>; revision(): string; resume(): void }> {
  try {
    return await cacher.watchCached(store.prefix(namespace), start, onEvent, onError);
  } catch (e) {
    if (!(start.consistent && e instanceof StatusError && e.code === 504)) throw e;
  }
  const list = await store.list(namespace, { labelSelector: params.labelSelector, fieldSelector: params.fieldSelector });
  const rev = list.metadata.resourceVersion ?? '0';
  for (const o of list.items) sink({ type: 'ADDED', object: o });
  start.onInitialDone?.(rev);
  return cacher.watchCached(store.prefix(namespace), { mode: 'after', after: Number(rev) }, onEvent, onError);
}

/**
 * Starts a cached watch of `store`. `onEnd` is called if the cache closes
 * the watch without an error (the watcher fell too far behind or the cache
 * restarted): the client re-watches, as with kube-apiserver.
 */
export async function watchFromCache(cacher: Cacher, store: ResourceStore, namespace: string | undefined, params: WatchParams, match: Matcher, sink: EventSink, onEnd?: () => void): Promise<StoreWatch> {
  const start = cachedWatchStart(params);
  let ended = false;
  if (params.sendInitialEvents) {
    start.onInitialDone = (revision) => {
      if (ended) return;
      const metadata = { resourceVersion: revision, annotations: { 'k8s.io/initial-events-end': 'true' } };
      sink({ type: 'BOOKMARK', object: { kind: store.def.kind, apiVersion: store.apiVersion, metadata } });
    };
  }
  const onEvent = (ev: StorageEvent): boolean | void => {
    if (ended) return;
    const out = toWatchEvent(ev, match);
    return out ? sink(out) : undefined;
  };
  const onError = (err: StorageError): void => {
    if (ended) return;
    ended = true;
    if (err instanceof WatchTerminated) onEnd?.();
    else sink(expiredEvent(`too old resource version: ${params.resourceVersion ?? ''} (${err.message})`));
  };
  try {
    const w = await startCached(cacher, store, namespace, params, start, sink, onEvent, onError);
    return {
      stop: async () => {
        ended = true;
        await w.stop();
      },
      revision: () => w.revision(),
      resume: () => w.resume(),
    };
  } catch (e) {
    if (e instanceof StorageError && e.kind === 'Compacted') {
      ended = true;
      sink(expiredEvent(`too old resource version: ${params.resourceVersion ?? ''} (${e.message})`));
      return { stop: async () => undefined, revision: () => params.resourceVersion ?? '0' };
    }
    throw e;
  }
}

