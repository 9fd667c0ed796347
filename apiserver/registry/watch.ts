/**
 * Watch on a store: maps etcd changes under a collection prefix to Kubernetes
 * watch events, applying selectors the way the watch cache does: an object
 * that stops matching is sent as DELETED, one that starts matching as ADDED.
 */
import type { Status } from 'kubernetes-types/meta/v1';
import type { KubeObject } from '../api/object.ts';
import type { WatchEvent } from '../client/types.ts';
import { badRequest, expired } from '../api/errors.ts';
import { StorageError, type StorageEvent } from '../storage/interface.ts';
import type { Matcher, SelectorOptions } from './matcher.ts';
import type { ResourceStore } from './store.ts';

/** Watch parameters: selectors and the resourceVersion to start after. */
export interface WatchParams extends SelectorOptions {
  /** Absent or '0': first ADDED for every current object, then changes. Else: changes after this revision. */
  resourceVersion?: string;
  /**
   * Watch-list (client-go WatchListClient): ADDED for the current state, then a
   * BOOKMARK annotated `k8s.io/initial-events-end: "true"`, then changes.
   */
  sendInitialEvents?: boolean;
}

/** Receives events in order; an ERROR event (410 Expired) is the last one. */
export type EventSink = (ev: WatchEvent<KubeObject>) => void;

/** A running store watch. */
export interface StoreWatch {
  /** Stops the etcd watcher (idempotent). */
  stop(): Promise<void>;
  /** The revision the stream has reached (for bookmarks). */
  revision(): string;
}

/** Maps one storage change through the matcher; undefined when the watcher must not see it. */
export function toWatchEvent(ev: StorageEvent, match: Matcher): WatchEvent<KubeObject> | undefined {
  const prevMatched = ev.prev !== undefined && match(ev.prev);
  if (ev.type === 'delete') return prevMatched ? { type: 'DELETED', object: ev.obj } : undefined;
  const nowMatches = match(ev.obj);
  if (nowMatches) return { type: prevMatched ? 'MODIFIED' : 'ADDED', object: ev.obj };
  return prevMatched ? { type: 'DELETED', object: ev.obj } : undefined;
}

/** The ERROR event a watcher gets when its revision was compacted. */
export function expiredEvent(message: string): WatchEvent<KubeObject> {
  const status: Status = expired(message).status;
  return { type: 'ERROR', object: status };
}

/**
 * Starts a watch of `store` (one namespace, or all when undefined). Throws 400
 * for a bad selector or resourceVersion. Compaction (at start or later) is
 * delivered as an ERROR event with a 410 Status.
 */
export async function watchStore(store: ResourceStore, namespace: string | undefined, params: WatchParams, sink: EventSink): Promise<StoreWatch> {
  const match = store.matcher(params);
  const rvParam = params.resourceVersion;
  if (rvParam && !/^\d+$/.test(rvParam)) throw badRequest(`invalid resource version: ${JSON.stringify(rvParam)}`);
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
