/**
 * The act side of the embedded etcd's HA membership (the decisions are in
 * etcd-members.ts), through an etcd3 client with the etcd CA and a client
 * cert of it:
 * - addSelfAsLearner: a joining server with an empty etcd data dir adds its
 *   peer URL as a learner to the running cluster (or reuses the member an
 *   earlier, interrupted attempt added) and learns the `--initial-cluster`
 *   to start its etcd with (`--initial-cluster-state existing`);
 * - promoteWhenSynced: once its etcd runs, promote it to a voter; etcd
 *   refuses until the learner has caught up with the leader, so retry;
 * - removeMember: undo a failed join (a learner's removal needs no quorum
 *   change, so it succeeds while the old members are up);
 * - syncPeerURL: every start of an embedded etcd makes its member advertise
 *   its current peer URL (a data dir of an older Skiff advertised loopback).
 * Every function resolves an error value instead of throwing; none logs key
 * material.
 */
import type { Etcd3, IMember } from 'etcd3';
import { createEtcdClient, type EtcdClientTLS } from '../../apiserver/storage/etcd-client.ts';
import { decideJoin, decidePeerURLUpdate, initialClusterFlag, isLearner, type EtcdMember, type SelfMember } from './etcd-members.ts';
import { pollUntil } from './wait.ts';

/** Deadline of each membership call in ms. */
const CALL_MS = 5_000;

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** An etcd3 client for membership calls to `hosts` (client URLs), with a short call deadline; the caller closes it. */
export function membershipClient(hosts: string[], tls: EtcdClientTLS): Etcd3 {
  return createEtcdClient({ hosts, tls, callTimeoutMs: CALL_MS });
}

/** The member in our shape. Pure. */
export function toMember(m: IMember): EtcdMember {
  return { id: String(m.ID), name: m.name ?? '', peerURLs: m.peerURLs ?? [], clientURLs: m.clientURLs ?? [], isLearner: m.isLearner === true };
}

/** MemberList (linearizable: what the leader knows). Rejects on etcd errors. */
export async function listMembers(c: Etcd3): Promise<EtcdMember[]> {
  return (await c.cluster.memberList({ linearizable: true })).members.map(toMember);
}

/** How a joining member starts: its ID, the --initial-cluster value, and whether this call added it (so a failure removes it). */
export interface JoinPlan {
  id: string;
  initialCluster: string;
  added: boolean;
}

/**
 * Adds `self` to the cluster `c` talks to as a learner, as decideJoin says
 * (add; reuse an unstarted member with our peer URL; replace our own
 * learner whose data was lost). Resolves the plan, or an error value (a
 * refusal of decideJoin, or etcd's: e.g. "too many learner members" while
 * another server is joining).
 */
export async function addSelfAsLearner(c: Etcd3, self: SelfMember): Promise<JoinPlan | { error: string }> {
  try {
    let members = await listMembers(c);
    const d = decideJoin(members, self);
    if ('error' in d) return d;
    if (d.action === 'reuse') return { id: d.id, initialCluster: initialClusterFlag(members, self, d.id), added: false };
    if (d.action === 'replace') {
      await c.cluster.memberRemove({ ID: d.id });
      members = await listMembers(c);
      const again = decideJoin(members, self);
      if ('error' in again) return again;
    }
    const r = await c.cluster.memberAdd({ peerURLs: [self.peerURL], isLearner: true });
    const id = String(r.member.ID);
    return { id, initialCluster: initialClusterFlag(r.members.map(toMember), self, id), added: true };
  } catch (err) {
    return { error: `cannot add this server to the etcd cluster: ${message(err)}` };
  }
}

/**
 * Whether MemberAdd's refusal `msg` passes by itself: etcd's reconfiguration
 * check refuses while the leader has not been connected to every voter for
 * 5 s (`unhealthy cluster`: just after a member restarted) or while another
 * learner is still catching up (`too many learner members`: a concurrent
 * join; etcd 3.4 allows one). Pure.
 */
export function retryableAddError(msg: string): boolean {
  return /unhealthy cluster|too many learner members|not enough started members|leader changed/.test(msg);
}

/**
 * addSelfAsLearner, retried every second for up to `timeoutMs` while its
 * error is retryableAddError. Resolves the plan or the last error value.
 */
export async function addSelfAsLearnerRetrying(c: Etcd3, self: SelfMember, timeoutMs: number, signal?: AbortSignal): Promise<JoinPlan | { error: string }> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = await addSelfAsLearner(c, self);
    if (!('error' in r) || !retryableAddError(r.error) || signal?.aborted || Date.now() + 1000 > end) return r;
    await new Promise((res) => setTimeout(res, 1000));
  }
}

/**
 * Promotes learner `id` to a voting member, retrying every 500 ms while
 * etcd refuses (a learner not yet in sync with the leader) for up to
 * `timeoutMs`. Resolves `{ promoted }` (false: it already was a voter), or
 * an error value with etcd's last answer (timeout, abort, not a member).
 */
export async function promoteWhenSynced(c: Etcd3, id: string, timeoutMs: number, signal?: AbortSignal): Promise<{ promoted: boolean } | { error: string }> {
  const state: { last: string; promoted?: boolean } = { last: 'no answer yet' };
  await pollUntil(async () => {
    try {
      const members = await listMembers(c);
      if (!members.some((m) => m.id === id)) {
        state.last = `member ${id} is not in the cluster`;
        return false;
      }
      if (!isLearner(members, id)) {
        state.promoted ??= false;
        return true;
      }
      await c.cluster.memberPromote({ ID: id });
      state.promoted = true;
      return true;
    } catch (err) {
      state.last = message(err);
      return false;
    }
  }, { timeoutMs, intervalMs: 500, ...(signal ? { signal } : {}) });
  return state.promoted === undefined ? { error: `etcd did not promote this server's member to a voter: ${state.last}` } : { promoted: state.promoted };
}

/**
 * MemberRemove `id`; a member already gone counts as removed. Retried every
 * 500 ms for up to `timeoutMs` (default 10,000) while etcd refuses with a
 * passing reason (retryableAddError: `unhealthy cluster` right after a
 * member started or stopped). Resolves ok or an error value.
 */
export async function removeMember(c: Etcd3, id: string, timeoutMs = 10_000): Promise<{ ok: true } | { error: string }> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      await c.cluster.memberRemove({ ID: id });
      return { ok: true };
    } catch (err) {
      if (/member not found/i.test(message(err))) return { ok: true };
      if (!retryableAddError(message(err)) || Date.now() + 500 > end) return { error: `cannot remove etcd member ${id}: ${message(err)}` };
    }
    await new Promise((res) => setTimeout(res, 500));
  }
}

/**
 * Makes the member `c` is connected to (its local etcd: the one Status
 * answers for) advertise exactly `peerURL` (decidePeerURLUpdate). Resolves
 * whether it changed anything, its member ID and whether it is still a learner,
 * or an error value.
 */
export async function syncPeerURL(c: Etcd3, peerURL: string): Promise<{ updated: boolean; id: string; learner: boolean } | { error: string }> {
  try {
    const status = await c.maintenance.status();
    const id = String(status.header.member_id);
    const members = await listMembers(c);
    const d = decidePeerURLUpdate(members, id, peerURL);
    if ('error' in d) return d;
    if (d.update) await c.cluster.memberUpdate({ ID: d.id, peerURLs: d.peerURLs });
    return { updated: d.update, id, learner: isLearner(members, id) };
  } catch (err) {
    return { error: `cannot check this etcd member's peer URL: ${message(err)}` };
  }
}
