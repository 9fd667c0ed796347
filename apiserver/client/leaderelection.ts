/**
 * Leader election over a coordination.k8s.io/v1 Lease, with client-go
 * tools/leaderelection semantics (leaderelection.go, resourcelock/leaselock.go):
 * a candidate polls the Lease every retryPeriod (jittered ×1.2) until it is
 * free or its holder has been silent for leaseDuration, takes it with an
 * optimistic-concurrency update (resourceVersion), then renews it every
 * retryPeriod; a leader that cannot renew within renewDeadline stops leading.
 * On graceful stop it releases the Lease (ReleaseOnCancel) so a standby takes
 * over at once. The decisions are leaderelection-decide.ts; this file does
 * the API calls (through leaderelection-lock.ts) and the timing, on an
 * injectable clock.
 *
 * Kubernetes components exit when they lose the lease; `runWithLeaderElection`
 * does the same by rejecting with LeaderElectionLostError, and the supervisor
 * restarts the component as a fresh candidate.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Lease } from 'kubernetes-types/coordination/v1';
import type { Logger } from '../api/log.ts';
import type { Clock, EventRecorder } from './informer-types.ts';
import type { ApiClient } from './types.ts';
import { realClock } from './workqueue.ts';
import { decideLease, observe, releaseSpec, type Observation } from './leaderelection-decide.ts';
import { LeaseLock } from './leaderelection-lock.ts';

export { LeaseLock };

/** client-go's JitterFactor: a retry waits retryPeriod plus up to 1.2 × retryPeriod. */
export const JITTER_FACTOR = 1.2;

/** The three durations of an election, in ms. */
export interface LeaderElectionTimings {
  /** A standby waits this long without seeing the Lease change before taking it over (kube default 15 000). */
  leaseDurationMs: number;
  /** A leader that has not renewed within this long stops leading (kube default 10 000). */
  renewDeadlineMs: number;
  /** Time between tries to acquire or renew (kube default 2 000). */
  retryPeriodMs: number;
}

/** The kube-scheduler / kube-controller-manager defaults (--leader-elect-lease-duration=15s, --leader-elect-renew-deadline=10s, --leader-elect-retry-period=2s). */
export const DEFAULT_TIMINGS: LeaderElectionTimings = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

/**
 * Checks timings as client-go NewLeaderElector does: all positive,
 * leaseDuration > renewDeadline > JITTER_FACTOR × retryPeriod. Returns the
 * problem as text, or undefined when they are usable.
 */
export function validateTimings(t: LeaderElectionTimings): string | undefined {
  if (!(t.leaseDurationMs > 0) || !(t.renewDeadlineMs > 0) || !(t.retryPeriodMs > 0)) return 'leaseDuration, renewDeadline and retryPeriod must be greater than zero';
  if (t.leaseDurationMs <= t.renewDeadlineMs) return 'leaseDuration must be greater than renewDeadline';
  if (t.renewDeadlineMs <= JITTER_FACTOR * t.retryPeriodMs) return 'renewDeadline must be greater than retryPeriod*JitterFactor';
  return undefined;
}

/** A candidate identity as kube components make it: `<hostname>_<random uuid>`, unique per process start. */
export function defaultIdentity(): string {
  return `${hostname()}_${randomUUID()}`;
}

/** What the leader callbacks are told (client-go LeaderCallbacks). */
export interface LeaderCallbacks {
  /**
   * Called once this candidate leads, with a signal that aborts when it stops
   * leading (lease lost or shutdown). The returned promise is awaited before
   * the Lease is released. Resolving early changes nothing (as client-go's
   * goroutine returning); rejecting ends leadership (released) and `run`
   * rethrows the error.
   */
  onStartedLeading(leading: AbortSignal): Promise<void> | void;
  /** Called when `run` ends, whether or not this candidate ever led (as client-go's deferred call). */
  onStoppedLeading?(): void;
  /** Called whenever a different holder is observed, including the first one. */
  onNewLeader?(identity: string): void;
}

/** Configuration of a LeaderElector. */
export interface LeaderElectorConfig extends LeaderElectionTimings {
  client: ApiClient;
  /** Lease namespace, e.g. 'kube-system'. */
  namespace: string;
  /** Lease name, e.g. 'kube-scheduler'. */
  name: string;
  /** This candidate's identity (see defaultIdentity). */
  identity: string;
  /** Give the Lease up when `run`'s signal aborts (kube components: true). */
  releaseOnCancel: boolean;
  callbacks: LeaderCallbacks;
  log: Logger;
  /** Records `LeaderElection` Events on the Lease ('<identity> became leader', '… stopped leading'). */
  recorder?: EventRecorder;
  /** Default the wall clock. */
  clock?: Clock;
  /** Jitter source in [0, 1) (default Math.random). */
  random?: () => number;
}

/** How `LeaderElector.run` ended: the signal aborted, or leadership was lost (never led counts as cancelled). */
export type ElectionOutcome = 'cancelled' | 'lost';

/**
 * A leader-election candidate (client-go LeaderElector). One `run` per
 * instance. Throws from the constructor if the timings are invalid.
 */
export class LeaderElector {
  private readonly lock: LeaseLock;
  private readonly clock: Clock;
  private readonly random: () => number;
  private observed?: Observation;
  private lostTo?: string;
  private reported = '';
  private inflight?: Promise<boolean>;

  constructor(private readonly cfg: LeaderElectorConfig) {
    const bad = validateTimings(cfg);
    if (bad) throw new Error(`leader election ${cfg.namespace}/${cfg.name}: ${bad}`);
    this.lock = new LeaseLock(cfg.client, cfg.namespace, cfg.name);
    this.clock = cfg.clock ?? realClock;
    this.random = cfg.random ?? Math.random;
  }

  /** This candidate's identity. */
  identity(): string {
    return this.cfg.identity;
  }

  /** True when the Lease last observed names this candidate (client-go IsLeader). */
  isLeader(): boolean {
    return this.observed?.holder === this.cfg.identity;
  }

  /** The holder last observed ('' before any, or when free). */
  leader(): string {
    return this.observed?.holder ?? '';
  }

  /**
   * Healthz check (client-go HealthzAdaptor.Check): false only for a leader
   * whose last successful renewal is older than leaseDuration + `toleranceMs`
   * (kube components use 20 000), i.e. a wedged leader. A standby is healthy.
   */
  healthy(toleranceMs = 20_000): boolean {
    if (!this.isLeader() || !this.observed) return true;
    return this.clock.now() - this.observed.atMs <= this.cfg.leaseDurationMs + toleranceMs;
  }

  /**
   * Campaigns until leading, calls onStartedLeading, renews until the lease
   * is lost or `signal` aborts, then (releaseOnCancel) releases the Lease and
   * calls onStoppedLeading. Resolves 'cancelled' or 'lost'; rejects only with
   * onStartedLeading's own error. API errors are retried, never thrown.
   */
  async run(signal: AbortSignal): Promise<ElectionOutcome> {
    try {
      this.cfg.log.info('attempting to acquire leader lease', { lease: this.lock.describe(), identity: this.cfg.identity });
      if (!(await this.acquire(signal))) return 'cancelled';
      const leading = new AbortController();
      const stopLeading = (): void => leading.abort();
      signal.addEventListener('abort', stopLeading, { once: true });
      let failure: { err: unknown } | undefined;
      const work = Promise.resolve()
        .then(() => this.cfg.callbacks.onStartedLeading(leading.signal))
        .catch((err: unknown) => {
          failure = { err };
          stopLeading();
        });
      const outcome = await this.renew(leading.signal);
      stopLeading();
      signal.removeEventListener('abort', stopLeading);
      await work;
      if (this.cfg.releaseOnCancel) await this.release();
      if (failure) throw failure.err;
      return signal.aborted ? 'cancelled' : outcome;
    } finally {
      this.cfg.callbacks.onStoppedLeading?.();
    }
  }

  /** Tries every retryPeriod (jittered) until it holds the Lease (true) or `signal` aborts (false). */
  private async acquire(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      const ok = await this.tryAcquireOrRenew();
      this.reportTransition();
      if (ok) {
        this.cfg.log.info('successfully acquired lease', { lease: this.lock.describe(), identity: this.cfg.identity });
        this.cfg.recorder?.event(this.lock.subject(), 'Normal', 'LeaderElection', `${this.cfg.identity} became leader`);
        return true;
      }
      await sleep(this.clock, this.cfg.retryPeriodMs * (1 + JITTER_FACTOR * this.random()), signal);
    }
    return false;
  }

  /**
   * Renews every retryPeriod; each renewal is retried every retryPeriod until
   * renewDeadline (a slow request counts against it). Resolves 'lost' when a
   * renewal missed its deadline or another holder took the Lease, 'cancelled'
   * when `signal` aborts.
   */
  private async renew(signal: AbortSignal): Promise<ElectionOutcome> {
    for (;;) {
      const deadline = this.clock.now() + this.cfg.renewDeadlineMs;
      let renewed = false;
      for (;;) {
        const left = deadline - this.clock.now();
        if (signal.aborted) return 'cancelled';
        if (left <= 0) break;
        const r = await within(this.clock, this.tryAcquireOrRenew(), left, signal);
        if (r === true) {
          renewed = true;
          break;
        }
        if (r === 'timeout' || this.lostTo !== undefined) break;
        await sleep(this.clock, this.cfg.retryPeriodMs, signal);
      }
      this.reportTransition();
      if (signal.aborted) return 'cancelled';
      if (!renewed) {
        this.cfg.log.warn('failed to renew lease', { lease: this.lock.describe(), identity: this.cfg.identity, ...(this.lostTo !== undefined ? { holder: this.lostTo } : { reason: 'renew deadline passed' }) });
        this.cfg.recorder?.event(this.lock.subject(), 'Normal', 'LeaderElection', `${this.cfg.identity} stopped leading`);
        return 'lost';
      }
      await sleep(this.clock, this.cfg.retryPeriodMs, signal);
    }
  }

  /** One round (see round), remembered so that release waits for a renewal still in flight. */
  private tryAcquireOrRenew(): Promise<boolean> {
    const p = this.round();
    this.inflight = p;
    return p;
  }

  /** One round (client-go tryAcquireOrRenew): read, decide, write. True when this candidate now holds the Lease. Never throws. */
  private async round(): Promise<boolean> {
    let lease: Lease | undefined;
    try {
      lease = await this.lock.get();
    } catch (err) {
      this.cfg.log.warn('error retrieving resource lock', { lease: this.lock.describe(), err });
      return false;
    }
    const d = decideLease(lease, this.observed, { identity: this.cfg.identity, leaseDurationMs: this.cfg.leaseDurationMs, nowMs: this.clock.now() });
    if (d.action !== 'create') this.observed = d.observed;
    if (d.action === 'wait') return false;
    if (d.action === 'lost') {
      this.lostTo = d.holder;
      return false;
    }
    try {
      const written = d.action === 'create' ? await this.lock.create(d.spec) : await this.lock.update(d.spec);
      this.observed = observe(written, this.clock.now());
      return true;
    } catch (err) {
      this.cfg.log.warn(d.action === 'create' ? 'error initially creating leader election record' : 'failed to update lock', { lease: this.lock.describe(), err });
      return false;
    }
  }

  /** Gives the Lease up if this candidate holds it (client-go release). Logs, never throws. */
  private async release(): Promise<void> {
    // A renewal cut short by the shutdown may still land; writing over the Lease read before it would conflict.
    await this.inflight;
    if (!this.isLeader() || !this.observed) return;
    try {
      const written = await this.lock.update(releaseSpec(this.observed, this.clock.now()));
      this.observed = observe(written, this.clock.now());
      this.cfg.log.info('released lease', { lease: this.lock.describe(), identity: this.cfg.identity });
    } catch (err) {
      this.cfg.log.warn('failed to release lock', { lease: this.lock.describe(), err });
    }
  }

  /** Calls onNewLeader (and logs) when the observed holder changed since last reported. */
  private reportTransition(): void {
    const holder = this.leader();
    if (holder === this.reported) return;
    this.reported = holder;
    if (holder === '') return;
    this.cfg.log.info('new leader elected', { lease: this.lock.describe(), leader: holder });
    this.cfg.callbacks.onNewLeader?.(holder);
  }
}

/** Resolves after `ms` on `clock`, or at once when `signal` aborts. */
function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    let timer: { cancel(): void } | undefined;
    const done = (): void => {
      timer?.cancel();
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    timer = clock.setTimeout(done, ms);
  });
}

/** `p`'s value, or 'timeout' after `ms` on `clock`, or 'aborted' when `signal` aborts first. */
async function within<T>(clock: Clock, p: Promise<T>, ms: number, signal: AbortSignal): Promise<T | 'timeout' | 'aborted'> {
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await Promise.race([
      p,
      sleep(clock, ms, stop.signal).then(() => (signal.aborted ? 'aborted' as const : 'timeout' as const)),
    ]);
  } finally {
    stop.abort();
    signal.removeEventListener('abort', onAbort);
  }
}

/** Thrown by runWithLeaderElection when the lease was lost: the component must exit (kube: "leaderelection lost"). */
export class LeaderElectionLostError extends Error {
  readonly code = 'LeaderElectionLost';
  constructor(lease: string, identity: string) {
    super(`leaderelection lost: ${identity} no longer holds lease ${lease}`);
    this.name = 'LeaderElectionLostError';
  }
}

/** Options of a component's leader election (the kube --leader-elect-* flags); durations in ms. */
export interface LeaderElectionOptions extends Partial<LeaderElectionTimings> {
  /** --leader-elect-resource-namespace (default 'kube-system'). */
  namespace?: string;
  /** --leader-elect-resource-name (default the component's name, e.g. 'kube-scheduler'). */
  name?: string;
  /** Default defaultIdentity() (tests name candidates). */
  identity?: string;
  /** Default the wall clock. */
  clock?: Clock;
}

/** What runWithLeaderElection needs besides the options. */
export interface ElectionDeps {
  client: ApiClient;
  log: Logger;
  /** Default Lease name, e.g. 'kube-controller-manager'. */
  defaultName: string;
  recorder?: EventRecorder;
  /** Receives the elector before it campaigns (e.g. to wire its healthy() into /healthz). */
  onElector?(elector: LeaderElector): void;
}

/**
 * Runs `work(leading)` only while this process holds the Lease (options
 * default to kube-system/<defaultName>, DEFAULT_TIMINGS, releaseOnCancel).
 * Resolves once `signal` aborted, the work finished and the Lease was
 * released; rejects with LeaderElectionLostError when the lease was lost
 * (after `work` returned), with `work`'s own error if it failed, or at once
 * if the timings are invalid.
 */
export async function runWithLeaderElection(
  opts: LeaderElectionOptions, deps: ElectionDeps, signal: AbortSignal, work: (leading: AbortSignal) => Promise<void>,
): Promise<void> {
  const namespace = opts.namespace ?? 'kube-system';
  const name = opts.name ?? deps.defaultName;
  const identity = opts.identity ?? defaultIdentity();
  const elector = new LeaderElector({
    client: deps.client,
    namespace,
    name,
    identity,
    leaseDurationMs: opts.leaseDurationMs ?? DEFAULT_TIMINGS.leaseDurationMs,
    renewDeadlineMs: opts.renewDeadlineMs ?? DEFAULT_TIMINGS.renewDeadlineMs,
    retryPeriodMs: opts.retryPeriodMs ?? DEFAULT_TIMINGS.retryPeriodMs,
    releaseOnCancel: true,
    callbacks: { onStartedLeading: work },
    log: deps.log,
    recorder: deps.recorder,
    clock: opts.clock,
  });
  deps.onElector?.(elector);
  const outcome = await elector.run(signal);
  if (outcome === 'lost') throw new LeaderElectionLostError(`${namespace}/${name}`, identity);
}
