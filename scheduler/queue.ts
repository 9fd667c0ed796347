/**
 * The scheduling queue (kube-scheduler's PriorityQueue,
 * pkg/scheduler/internal/queue/scheduling_queue.go, simplified): an active
 * heap ordered by priority then arrival, a backoff heap ordered by the end of
 * each pod's exponential backoff (1 s doubling to 10 s, kube's
 * podInitialBackoffDuration / podMaxBackoffDuration), and an unschedulable
 * pool of pods that failed and wait for a cluster change
 * (`moveAllToActiveOrBackoff`) or for the unschedulable timeout (60 s here)
 * to pass. A pod popped for a scheduling attempt is "in flight" until it is
 * bound (`done`) or returned (`addUnschedulable` / `addBackoff`); if the
 * cluster changed meanwhile it goes to backoff rather than the pool, so no
 * event is missed (kube's moveRequestCycle). Every operation is O(log n) in
 * the number of queued pods except the periodic pool scan (O(pool) per tick)
 * and `moveAllToActiveOrBackoff` (O(pool)).
 */
import type { Pod } from 'kubernetes-types/core/v1';
import type { Clock } from '../apiserver/client/informer-types.ts';
import { objectKey } from '../apiserver/client/informer.ts';
import { realClock } from '../apiserver/client/workqueue.ts';
import { Heap } from './heap.ts';
import type { PendingPods } from './metrics.ts';

/** A pod and its scheduling history. */
export interface QueuedPod {
  key: string;
  pod: Pod;
  /** Scheduling attempts so far (incremented on pop). */
  attempts: number;
  /** When the pod first entered the queue (ms). */
  firstSeenMs: number;
  /** When the last attempt started (ms). */
  lastAttemptMs: number;
  /** When it entered the unschedulable pool (ms). */
  unschedulableSinceMs?: number;
  /** Updated while in flight: retry after backoff instead of waiting in the pool. */
  updatedInFlight?: boolean;
}

/** Options of the queue; all durations in ms. */
export interface SchedulingQueueOptions {
  clock?: Clock;
  /** First backoff (default 1000, kube's podInitialBackoffDuration). */
  initialBackoffMs?: number;
  /** Longest backoff (default 10 000, kube's podMaxBackoffDuration). */
  maxBackoffMs?: number;
  /** Longest stay in the unschedulable pool before a retry (default 60 000). */
  unschedulableTimeoutMs?: number;
  /** How often the pool timeouts are checked (default 1000); backoffs end on their own timer. */
  flushIntervalMs?: number;
}

/** True if an update could change the scheduling outcome (anything but status and bookkeeping). */
export function podChangedForScheduling(a: Pod, b: Pod): boolean {
  if (a.spec === b.spec && a.metadata?.labels === b.metadata?.labels && a.metadata?.annotations === b.metadata?.annotations &&
    a.metadata?.deletionTimestamp === b.metadata?.deletionTimestamp) return false;
  const strip = (p: Pod): string => JSON.stringify([p.spec, p.metadata?.labels ?? {}, p.metadata?.annotations ?? {}, p.metadata?.deletionTimestamp ?? '']);
  return strip(a) !== strip(b);
}

interface ActiveEntry {
  info: QueuedPod;
  epoch: number;
  priority: number;
  seq: number;
}

/** Active order: higher priority first, then earlier arrival, then insertion. */
function activeFirst(a: ActiveEntry, b: ActiveEntry): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  if (a.info.firstSeenMs !== b.info.firstSeenMs) return a.info.firstSeenMs < b.info.firstSeenMs;
  return a.seq < b.seq;
}

interface BackoffEntry {
  info: QueuedPod;
  epoch: number;
  atMs: number;
}

/** The scheduling queue (see file doc). Keys are 'namespace/name'. */
export class SchedulingQueue {
  private readonly clock: Clock;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly unschedulableTimeoutMs: number;
  private readonly flushIntervalMs: number;
  private readonly active = new Map<string, QueuedPod>();
  private readonly backoff = new Map<string, QueuedPod>();
  private readonly unschedulable = new Map<string, QueuedPod>();
  private readonly inFlight = new Map<string, QueuedPod>();
  /** Placement epoch per key: a heap entry is live only while its epoch is the key's current one. */
  private readonly epochs = new Map<string, number>();
  private readonly activeHeap = new Heap<ActiveEntry>(activeFirst);
  private readonly backoffHeap = new Heap<BackoffEntry>((a, b) => a.atMs < b.atMs || (a.atMs === b.atMs && a.epoch < b.epoch));
  private nextEpoch = 0;
  private schedulingCycle = 0;
  private moveRequestCycle = -1;
  private waiter?: (v: { info: QueuedPod; cycle: number } | undefined) => void;
  private closed = false;
  private timer?: { cancel(): void };
  private backoffTimer?: { cancel(): void; atMs: number };

  constructor(opts: SchedulingQueueOptions = {}) {
    this.clock = opts.clock ?? realClock;
    this.initialBackoffMs = opts.initialBackoffMs ?? 1000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
    this.unschedulableTimeoutMs = opts.unschedulableTimeoutMs ?? 60_000;
    this.flushIntervalMs = opts.flushIntervalMs ?? 1000;
  }

  /** Starts the periodic flush (pool timeout, late backoffs) until `signal` aborts, then closes. */
  run(signal: AbortSignal): void {
    const tick = (): void => {
      if (this.closed) return;
      this.flush();
      this.timer = this.clock.setTimeout(tick, this.flushIntervalMs);
    };
    this.timer = this.clock.setTimeout(tick, this.flushIntervalMs);
    if (signal.aborted) this.close();
    else signal.addEventListener('abort', () => this.close(), { once: true });
  }

  /** Adds a new pending pod, or refreshes the stored copy if already known. */
  add(pod: Pod): void {
    const key = objectKey(pod);
    if (this.refresh(key, pod)) return;
    const now = this.clock.now();
    this.toActive({ key, pod, attempts: 0, firstSeenMs: now, lastAttemptMs: now });
    this.deliver();
  }

  /**
   * Records an update of a pending pod. If it changed in a way that matters
   * (spec, labels, annotations), a pod waiting in the unschedulable pool is
   * moved to the active or backoff queue.
   */
  update(oldPod: Pod, pod: Pod): void {
    const key = objectKey(pod);
    const info = this.unschedulable.get(key);
    if (info && podChangedForScheduling(oldPod, pod)) {
      info.pod = pod;
      this.unschedulable.delete(key);
      this.activeOrBackoff(info);
      return;
    }
    const flying = this.inFlight.get(key);
    if (flying && podChangedForScheduling(oldPod, pod)) flying.updatedInFlight = true;
    const waiting = this.active.get(key);
    if (waiting && (waiting.pod.spec?.priority ?? 0) !== (pod.spec?.priority ?? 0)) {
      waiting.pod = pod;
      this.toActive(waiting);
      return;
    }
    if (!this.refresh(key, pod)) this.add(pod);
  }

  /** Forgets a pod (deleted, or bound by someone else). */
  delete(key: string): void {
    this.active.delete(key);
    this.backoff.delete(key);
    this.unschedulable.delete(key);
    this.inFlight.delete(key);
    this.epochs.delete(key);
  }

  /** Resolves the next pod to schedule (its attempt counted), or undefined once closed. */
  pop(): Promise<{ info: QueuedPod; cycle: number } | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const next = this.takeActive();
    if (next) return Promise.resolve(next);
    return new Promise((resolve) => { this.waiter = resolve; });
  }

  /** Ends an attempt that bound the pod (or dropped it). */
  done(key: string): void {
    if (this.inFlight.delete(key)) this.epochs.delete(key);
  }

  /**
   * Returns a pod whose attempt found no node. It waits in the unschedulable
   * pool, or in backoff if the cluster changed (or the pod was updated) since
   * the attempt's cycle began. Dropped if the pod was deleted meanwhile.
   */
  addUnschedulable(info: QueuedPod, cycle: number): void {
    const cur = this.inFlight.get(info.key);
    if (!cur) return;
    this.inFlight.delete(info.key);
    if (this.moveRequestCycle >= cycle || cur.updatedInFlight) {
      cur.updatedInFlight = false;
      this.toBackoff(cur);
      return;
    }
    cur.unschedulableSinceMs = this.clock.now();
    this.unschedulable.set(cur.key, cur);
  }

  /** Returns a pod whose attempt hit an error (e.g. binding failed): retry after its backoff. */
  addBackoff(info: QueuedPod): void {
    const cur = this.inFlight.get(info.key);
    if (!cur) return;
    this.inFlight.delete(info.key);
    cur.updatedInFlight = false;
    this.toBackoff(cur);
  }

  /** A cluster change (node added/updated, pod deleted): every unschedulable pod is retried (after its backoff). */
  moveAllToActiveOrBackoff(): void {
    if (this.unschedulable.size > 0) {
      const pool = [...this.unschedulable.values()];
      this.unschedulable.clear();
      for (const info of pool) this.activeOrBackoff(info, false);
      this.deliver();
    }
    this.moveRequestCycle = this.schedulingCycle;
  }

  /** Moves backed-off pods to active and pods too long in the pool onward (periodic, and when a backoff ends). */
  flush(): void {
    const now = this.clock.now();
    for (let top = this.backoffHeap.peek(); top && top.atMs <= now; top = this.backoffHeap.peek()) {
      this.backoffHeap.pop();
      if (!this.live(top.info, top.epoch, this.backoff)) continue;
      this.backoff.delete(top.info.key);
      this.toActive(top.info);
    }
    for (const info of this.unschedulable.values()) {
      if (now - (info.unschedulableSinceMs ?? now) >= this.unschedulableTimeoutMs) {
        this.unschedulable.delete(info.key);
        this.activeOrBackoff(info, false);
      }
    }
    this.armBackoffTimer();
    this.deliver();
  }

  /** Backoff before attempt n+1: initial * 2^(n-1), capped (ms). */
  backoffDuration(attempts: number): number {
    return Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** Math.max(0, Math.min(attempts - 1, 30)));
  }

  /** Number of pods waiting (active, backoff and unschedulable; not in flight). */
  pending(): number {
    return this.active.size + this.backoff.size + this.unschedulable.size;
  }

  /** Pods waiting per sub-queue (scheduler_pending_pods; O(1)). Scheduling gates are not modelled, so gated is 0. */
  sizes(): PendingPods {
    return { active: this.active.size, backoff: this.backoff.size, unschedulable: this.unschedulable.size, gated: 0 };
  }

  /** Where each known pod currently is (for tests and debugging; O(n log n)). */
  snapshot(): { active: string[]; backoff: string[]; unschedulable: string[]; inFlight: string[] } {
    const live = this.activeHeap.values().filter((e) => this.live(e.info, e.epoch, this.active));
    return {
      active: live.sort((a, b) => (activeFirst(a, b) ? -1 : 1)).map((e) => e.info.key),
      backoff: [...this.backoff.keys()].sort(),
      unschedulable: [...this.unschedulable.keys()].sort(),
      inFlight: [...this.inFlight.keys()].sort(),
    };
  }

  /** Stops the queue: a waiting pop resolves undefined. */
  close(): void {
    this.closed = true;
    this.timer?.cancel();
    this.backoffTimer?.cancel();
    this.backoffTimer = undefined;
    const w = this.waiter;
    this.waiter = undefined;
    w?.(undefined);
  }

  private live(info: QueuedPod, epoch: number, where: Map<string, QueuedPod>): boolean {
    return where.get(info.key) === info && this.epochs.get(info.key) === epoch;
  }

  private place(key: string): number {
    const e = this.nextEpoch++;
    this.epochs.set(key, e);
    return e;
  }

  private toActive(info: QueuedPod): void {
    this.active.set(info.key, info);
    const epoch = this.place(info.key);
    this.activeHeap.push({ info, epoch, priority: info.pod.spec?.priority ?? 0, seq: epoch });
    this.compact();
  }

  /** Puts a pod in the backoff heap; a timer flushes right when the earliest backoff ends. */
  private toBackoff(info: QueuedPod): void {
    this.backoff.set(info.key, info);
    const epoch = this.place(info.key);
    this.backoffHeap.push({ info, epoch, atMs: this.backoffExpiry(info) });
    this.compact();
    this.armBackoffTimer();
  }

  /** Drops stale heap entries once they outnumber the live ones (keeps memory O(queued pods)). */
  private compact(): void {
    if (this.activeHeap.size > 64 && this.activeHeap.size > 2 * this.active.size) this.activeHeap.retain((e) => this.live(e.info, e.epoch, this.active));
    if (this.backoffHeap.size > 64 && this.backoffHeap.size > 2 * this.backoff.size) this.backoffHeap.retain((e) => this.live(e.info, e.epoch, this.backoff));
  }

  private armBackoffTimer(): void {
    if (this.closed) return;
    let top = this.backoffHeap.peek();
    while (top && !this.live(top.info, top.epoch, this.backoff)) {
      this.backoffHeap.pop();
      top = this.backoffHeap.peek();
    }
    if (!top) return;
    if (this.backoffTimer && this.backoffTimer.atMs <= top.atMs) return;
    this.backoffTimer?.cancel();
    const atMs = top.atMs;
    const t = this.clock.setTimeout(() => {
      if (this.backoffTimer === armed) this.backoffTimer = undefined;
      this.flush();
    }, Math.max(0, atMs - this.clock.now()));
    const armed = { cancel: () => t.cancel(), atMs };
    this.backoffTimer = armed;
  }

  private backoffExpiry(info: QueuedPod): number {
    return info.lastAttemptMs + this.backoffDuration(info.attempts);
  }

  private activeOrBackoff(info: QueuedPod, deliver = true): void {
    if (this.backoffExpiry(info) > this.clock.now()) this.toBackoff(info);
    else this.toActive(info);
    if (deliver) this.deliver();
  }

  private refresh(key: string, pod: Pod): boolean {
    const info = this.active.get(key) ?? this.backoff.get(key) ?? this.unschedulable.get(key) ?? this.inFlight.get(key);
    if (!info) return false;
    info.pod = pod;
    return true;
  }

  private takeActive(): { info: QueuedPod; cycle: number } | undefined {
    for (let e = this.activeHeap.pop(); e; e = this.activeHeap.pop()) {
      if (!this.live(e.info, e.epoch, this.active)) continue;
      const info = e.info;
      this.active.delete(info.key);
      this.inFlight.set(info.key, info);
      info.attempts += 1;
      info.lastAttemptMs = this.clock.now();
      this.schedulingCycle += 1;
      return { info, cycle: this.schedulingCycle };
    }
    return undefined;
  }

  private deliver(): void {
    if (!this.waiter) return;
    const next = this.takeActive();
    if (!next) return;
    const w = this.waiter;
    this.waiter = undefined;
    w(next);
  }
}
