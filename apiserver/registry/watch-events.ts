/**
 * The pieces every store watch shares: its parameters, the event sink and
 * handle shapes, and the mapping of storage changes to watch events through
 * the selectors (an object that stops matching is DELETED, one that starts
 * matching ADDED, as Kubernetes' watch cache does).
 */
import type { Status } from 'kubernetes-types/meta/v1';
import type { KubeObject } from '../api/object.ts';
import type { WatchEvent } from '../client/types.ts';
import { expired } from '../api/errors.ts';
import type { StorageEvent } from '../storage/interface.ts';
import type { Matcher, SelectorOptions } from './matcher.ts';

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

/**
 * Receives events in order; an ERROR event (410 Expired) is the last one.
 * Returning false says the consumer is congested: a cached watch then holds
 * further events (bounded) until `StoreWatch.resume()`.
 */
export type EventSink = (ev: WatchEvent<KubeObject>) => boolean | void;

/** A running store watch. */
export interface StoreWatch {
  /** Stops the etcd watcher (idempotent). */
  stop(): Promise<void>;
  /** The revision the stream has reached (for bookmarks). */
  revision(): string;
  /** Restarts delivery after the sink returned false (cached watches; others never pause). */
  resume?(): void;
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
