/**
 * The scheduling queue (kube-scheduler's PriorityQueue, simplified): an
 * active queue ordered by priority then arrival, a backoff queue of pods
 * waiting out their per-pod exponential backoff (1 s .. 10 s by default), and
 * an unschedulable pool of pods that failed and wait for a cluster change
 * (`moveAllToActiveOrBackoff`) or for 60 s to pass. A pod popped for a
 * scheduling attempt is "in flight" until it is bound (`done`) or returned
 * (`addUnschedulable` / `addBackoff`); if the cluster changed meanwhile it
 * goes to backoff rather than the unschedulable pool, so no event is missed.
 */
import type { Pod } from 'kubernetes-types/core/v1';
import type { Clock } from '../apiserver/client/informer-types.ts';
import { objectKey } from '../apiserver/client/informer.ts';
import { realClock } from '../apiserver/client/workqueue.ts';

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
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Longest stay in the unschedulable pool before a retry (default 60 000). */
  unschedulableTimeoutMs?: number;
  /** How often backoff/pool timeouts are checked (default 1000). */
  flushIntervalMs?: number;
}

/** True if an update could change the scheduling outcome (anything but status and bookkeeping). */
export function podChangedForScheduling(a: Pod, b: Pod): boolean {
  const strip = (p: Pod): string => JSON.stringify([p.spec, p.metadata?.labels ?? {}, p.metadata?.annotations ?? {}, p.metadata?.deletionTimestamp ?? '']);
  return strip(a) !== strip(b);
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
  private schedulingCycle = 0;
  private moveRequestCycle = -1;
  private waiter?: (v: { info: QueuedPod; cycle: number } | undefined) => void;
  private closed = false;
  private timer?: { cancel(): void };
  private readonly expiryTimers = new Set<{ cancel(): void }>();

  constructor(opts: SchedulingQueueOptions = {}) {
    this.clock = opts.clock ?? realClock;
    this.initialBackoffMs = opts.initialBackoffMs ?? 1000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
    this.unschedulableTimeoutMs = opts.unschedulableTimeoutMs ?? 60_000;
    this.flushIntervalMs = opts.flushIntervalMs ?? 1000;
  }

  /** Starts the periodic flush (backoff expiry, pool timeout) until `signal` aborts, then closes. */
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
    this.active.set(key, { key, pod, attempts: 0, firstSeenMs: now, lastAttemptMs: now });
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
    if (!this.refresh(key, pod)) this.add(pod);
  }

  /** Forgets a pod (deleted, or bound by someone else). */
  delete(key: string): void {
    this.active.delete(key);
    this.backoff.delete(key);
    this.unschedulable.delete(key);
    this.inFlight.delete(key);
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
    this.inFlight.delete(key);
  }

  /**
   * Returns a pod whose attempt found no node. It waits in the unschedulable
   * pool, or in backoff if the cluster changed (or the pod was updated) since
   * the attempt's cycle began. Dropped if the pod was deleted meanwhile.
   */
  addUnschedulable(info: QueuedPod, cycle: number): void {
    if (!this.inFlight.has(info.key)) return;
    const cur = this.inFlight.get(info.key) as QueuedPod;
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
    if (!this.inFlight.has(info.key)) return;
    const cur = this.inFlight.get(info.key) as QueuedPod;
    this.inFlight.delete(info.key);
    this.toBackoff(cur);
  }

  /** A cluster change (node added/updated, pod deleted): every unschedulable pod is retried (after its backoff). */
  moveAllToActiveOrBackoff(): void {
    for (const info of [...this.unschedulable.values()]) {
      this.unschedulable.delete(info.key);
      this.activeOrBackoff(info);
    }
    this.moveRequestCycle = this.schedulingCycle;
  }

  /** Moves backed-off pods to active and pods too long in the pool onward (called by the periodic flush). */
  flush(): void {
    const now = this.clock.now();
    for (const info of [...this.backoff.values()]) {
      if (this.backoffExpiry(info) <= now) {
        this.backoff.delete(info.key);
        this.active.set(info.key, info);
      }
    }
    for (const info of [...this.unschedulable.values()]) {
      if (now - (info.unschedulableSinceMs ?? now) >= this.unschedulableTimeoutMs) {
        this.unschedulable.delete(info.key);
        this.activeOrBackoff(info);
      }
    }
    this.deliver();
  }

  /** Backoff before attempt n+1: initial * 2^(n-1), capped (ms). */
  backoffDuration(attempts: number): number {
    return Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** Math.max(0, Math.min(attempts - 1, 30)));
  }

  /** Where each known pod currently is (for tests and debugging). */
  snapshot(): { active: string[]; backoff: string[]; unschedulable: string[]; inFlight: string[] } {
    return {
      active: this.ordered().map((i) => i.key),
      backoff: [...this.backoff.keys()].sort(),
      unschedulable: [...this.unschedulable.keys()].sort(),
      inFlight: [...this.inFlight.keys()].sort(),
    };
  }

  /** Stops the queue: a waiting pop resolves undefined. */
  close(): void {
    this.closed = true;
    this.timer?.cancel();
    for (const t of this.expiryTimers) t.cancel();
    this.expiryTimers.clear();
    const w = this.waiter;
    this.waiter = undefined;
    w?.(undefined);
  }

  /** Puts a pod in the backoff queue and flushes right when its backoff ends (not only on the periodic tick). */
  private toBackoff(info: QueuedPod): void {
    this.backoff.set(info.key, info);
    if (this.closed) return;
    const t = this.clock.setTimeout(() => {
      this.expiryTimers.delete(t);
      this.flush();
    }, Math.max(0, this.backoffExpiry(info) - this.clock.now()));
    this.expiryTimers.add(t);
  }

  private backoffExpiry(info: QueuedPod): number {
    return info.lastAttemptMs + this.backoffDuration(info.attempts);
  }

  private activeOrBackoff(info: QueuedPod): void {
    if (this.backoffExpiry(info) > this.clock.now()) this.toBackoff(info);
    else this.active.set(info.key, info);
    this.deliver();
  }

  private refresh(key: string, pod: Pod): boolean {
    for (const m of [this.active, this.backoff, this.unschedulable, this.inFlight]) {
      const info = m.get(key);
      if (info) {
        info.pod = pod;
        return true;
      }
    }
    return false;
  }

  private ordered(): QueuedPod[] {
    return [...this.active.values()].sort((a, b) => (b.pod.spec?.priority ?? 0) - (a.pod.spec?.priority ?? 0) || a.firstSeenMs - b.firstSeenMs);
  }

  private takeActive(): { info: QueuedPod; cycle: number } | undefined {
    const info = this.ordered()[0];
    if (!info) return undefined;
    this.active.delete(info.key);
    this.inFlight.set(info.key, info);
    info.attempts += 1;
    info.lastAttemptMs = this.clock.now();
    this.schedulingCycle += 1;
    return { info, cycle: this.schedulingCycle };
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
