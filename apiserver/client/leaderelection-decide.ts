/**
 * The pure half of leader election (client-go tools/leaderelection
 * `tryAcquireOrRenew` and `release`, coordination.k8s.io/v1 LeaseLock): given
 * the Lease as just read, what this candidate last observed of it, its
 * identity and the local time, decide whether to create the Lease, take it
 * over, renew it, wait, or admit the lease was lost.
 *
 * As in client-go, expiry is judged on the candidate's own clock: a Lease
 * held by someone else expires `leaseDurationMs` after this candidate first
 * saw its current content, never by comparing the renewTime written by
 * another machine (tolerant of clock skew, not of clock rate).
 */
import type { Lease, LeaseSpec } from 'kubernetes-types/coordination/v1';
import { microTime } from '../api/time.ts';

/**
 * What a candidate last saw of the Lease, and when (client-go's
 * observedRecord, observedRawRecord and observedTime).
 */
export interface Observation {
  /** spec.holderIdentity seen ('' when nobody holds it). */
  holder: string;
  /** spec.leaseTransitions seen (0 when absent). */
  transitions: number;
  /** spec.acquireTime seen (MicroTime string, '' when absent): kept across renewals. */
  acquireTime: string;
  /** Canonical text of the spec seen: a change means the holder renewed (or someone else wrote). */
  raw: string;
  /** The candidate's local clock (ms since epoch) when `raw` was first seen. */
  atMs: number;
}

/** The candidate's side of a decision. */
export interface Candidate {
  /** This candidate's identity, e.g. '<hostname>_<uuid>'. */
  identity: string;
  /** How long a holder's silence is waited out before taking over, ms (kube default 15 000). */
  leaseDurationMs: number;
  /** The local clock now, ms since epoch. */
  nowMs: number;
}

/**
 * The step to take:
 * - `create`: no Lease exists: create it with `spec` (holding it);
 * - `acquire`: nobody holds it or the holder's lease expired: update to `spec` (leaseTransitions + 1);
 * - `renew`: we hold it: update to `spec` (renewTime now, acquireTime and transitions kept);
 * - `wait`: someone else holds it until `expiresAtMs` (local clock);
 * - `lost`: we held it and someone else's write replaced us (`holder` may be '').
 * `observed` is what to remember from this read (for `create` there is nothing yet).
 */
export type LeaseDecision =
  | { action: 'create'; spec: LeaseSpec }
  | { action: 'acquire' | 'renew'; spec: LeaseSpec; observed: Observation }
  | { action: 'wait'; holder: string; expiresAtMs: number; observed: Observation }
  | { action: 'lost'; holder: string; observed: Observation };

/** The canonical text of a Lease spec's election record (the fields client-go's LeaderElectionRecord carries). */
export function recordText(spec: LeaseSpec | undefined): string {
  const s = spec ?? {};
  return JSON.stringify([s.holderIdentity ?? '', s.leaseDurationSeconds ?? 0, s.acquireTime ?? '', s.renewTime ?? '', s.leaseTransitions ?? 0]);
}

/** What a candidate remembers of `lease` read (or written) at local time `atMs`. */
export function observe(lease: Lease, atMs: number): Observation {
  const s = lease.spec ?? {};
  return { holder: s.holderIdentity ?? '', transitions: s.leaseTransitions ?? 0, acquireTime: s.acquireTime ?? '', raw: recordText(s), atMs };
}

/**
 * spec.leaseDurationSeconds for a duration in ms: whole seconds, truncated as
 * client-go's `int(LeaseDuration / time.Second)`, but at least 1 (the Lease
 * validation rejects 0).
 */
export function leaseSeconds(ms: number): number {
  return Math.max(1, Math.floor(ms / 1000));
}

/**
 * Decides one election round (client-go `tryAcquireOrRenew`) from the Lease
 * just read (`undefined` when it does not exist), the previous observation
 * (`undefined` before the first read) and the candidate. Pure.
 *
 * Deviation from client-go: a leader that sees another holder (or none) in
 * the Lease returns `lost` at once, where client-go keeps retrying until its
 * renew deadline passes and then stops leading anyway; stopping sooner keeps
 * two leaders from acting at the same time.
 */
export function decideLease(lease: Lease | undefined, previous: Observation | undefined, c: Candidate): LeaseDecision {
  const now = microTime(c.nowMs);
  const duration = leaseSeconds(c.leaseDurationMs);
  if (lease === undefined) {
    return { action: 'create', spec: { holderIdentity: c.identity, leaseDurationSeconds: duration, acquireTime: now, renewTime: now, leaseTransitions: 0 } };
  }
  const raw = recordText(lease.spec);
  const observed = previous !== undefined && previous.raw === raw ? previous : observe(lease, c.nowMs);
  const wasLeader = previous?.holder === c.identity;
  const isLeader = observed.holder === c.identity;
  if (wasLeader && !isLeader) return { action: 'lost', holder: observed.holder, observed };
  if (isLeader) {
    const acquireTime = observed.acquireTime !== '' ? observed.acquireTime : now;
    return { action: 'renew', observed, spec: { holderIdentity: c.identity, leaseDurationSeconds: duration, acquireTime, renewTime: now, leaseTransitions: observed.transitions } };
  }
  const expiresAtMs = observed.atMs + c.leaseDurationMs;
  if (observed.holder !== '' && expiresAtMs > c.nowMs) return { action: 'wait', holder: observed.holder, expiresAtMs, observed };
  return { action: 'acquire', observed, spec: { holderIdentity: c.identity, leaseDurationSeconds: duration, acquireTime: now, renewTime: now, leaseTransitions: observed.transitions + 1 } };
}

/**
 * The spec a leader writes to give the Lease up on graceful shutdown
 * (client-go `release` with ReleaseOnCancel): no holder, a 1 s duration,
 * acquire/renew time now, transitions kept, so a standby takes over on its
 * next retry instead of waiting out the lease. Pure.
 */
export function releaseSpec(observed: Observation, nowMs: number): LeaseSpec {
  const now = microTime(nowMs);
  return { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: observed.transitions };
}
