/**
 * Expectations for the ReplicaSet controller's own writes (kubernetes
 * pkg/controller/controller_utils.go ControllerExpectations and
 * UIDTrackingControllerExpectations). Before issuing creates/deletes for a
 * ReplicaSet, the controller records how many it expects to see; the informer
 * handlers lower the counts as the pods appear/disappear. Until the counts
 * reach zero (or the record is older than the TTL) the RS is not "satisfied"
 * and its sync must not create or delete again, so a cache that lags behind
 * the controller's own writes never causes duplicates.
 */

/** How long an unmet expectation blocks a ReplicaSet (Kubernetes: 5 minutes). */
export const EXPECTATIONS_TTL_MS = 5 * 60 * 1000;

interface Record_ {
  adds: number;
  /** Keys ('ns/name') of pods whose deletion has not been observed yet. */
  deletes: Set<string>;
  /** When the record was set, ms since epoch. */
  at: number;
}

/** Per-ReplicaSet-key expectations; all methods are synchronous and idempotent where noted. */
export class Expectations {
  private readonly records = new Map<string, Record_>();
  private readonly now: () => number;
  private readonly ttlMs: number;

  /** `now` returns ms since epoch (injected for tests). */
  constructor(now: () => number = Date.now, ttlMs = EXPECTATIONS_TTL_MS) {
    this.now = now;
    this.ttlMs = ttlMs;
  }

  /** Whether `key` may be acted on: no record, all observed, or the record expired. */
  satisfied(key: string): boolean {
    const r = this.records.get(key);
    if (!r) return true;
    if (r.adds <= 0 && r.deletes.size === 0) return true;
    return this.now() - r.at > this.ttlMs;
  }

  /** Replaces the record for `key`: expect `adds` creations and the deletion of `deleteKeys`. */
  expect(key: string, adds: number, deleteKeys: string[] = []): void {
    this.records.set(key, { adds, deletes: new Set(deleteKeys), at: this.now() });
  }

  /** One expected creation was observed (or will never happen, e.g. the create failed). */
  creationObserved(key: string): void {
    const r = this.records.get(key);
    if (r && r.adds > 0) r.adds -= 1;
  }

  /** The deletion of pod `podKey` was observed (or failed); idempotent. */
  deletionObserved(key: string, podKey: string): void {
    this.records.get(key)?.deletes.delete(podKey);
  }

  /** Forgets `key` (the ReplicaSet was deleted). */
  delete(key: string): void {
    this.records.delete(key);
  }

  /** Outstanding counts for `key` (for logs and tests). */
  pending(key: string): { adds: number; deletes: number } | undefined {
    const r = this.records.get(key);
    return r ? { adds: r.adds, deletes: r.deletes.size } : undefined;
  }
}
