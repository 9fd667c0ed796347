/**
 * Pure decisions over an etcd member list (MemberList) for the embedded
 * etcd's HA join (deploy/server/etcd-join.ts acts on them), after k3s
 * pkg/etcd/etcd.go `join`: a joining server adds itself as a raft learner
 * (MemberAddAsLearner: a learner does not count for quorum, so adding one
 * never stalls the cluster), starts its etcd with `--initial-cluster-state
 * existing` and an `--initial-cluster` naming every member, and is promoted
 * to a voter once it has caught up. Member IDs are etcd's uint64 IDs as
 * decimal strings (the etcd3 client's form).
 */

/** One member as MemberList reports it (an unstarted member has name '' and no client URLs). */
export interface EtcdMember {
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

/** This server's member: its name and the peer URL it advertises. */
export interface SelfMember {
  name: string;
  peerURL: string;
}

/** What a joining server with an empty etcd data dir does about the member list. */
export type JoinDecision =
  /** MemberAdd our peer URL as a learner. */
  | { action: 'add' }
  /** An earlier attempt added us (a member with our peer URL, never started): start as it, add nothing. */
  | { action: 'reuse'; id: string }
  /** We are a learner whose data dir was lost: MemberRemove `id`, then add again (a learner's removal never touches quorum). */
  | { action: 'replace'; id: string }
  | { error: string };

/** Whether `url`'s host is a loopback address (127/8, ::1, localhost). Pure. */
export function isLoopbackURL(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return false;
  }
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

const label = (m: EtcdMember): string => (m.name === '' ? `(unstarted) ${m.id}` : `${m.name} (${m.id})`);

/**
 * Decides how `self` joins the cluster of `members` when its own etcd data
 * dir is empty (with data it is a restart: nothing to decide). Errors as
 * values, each with the operator's fix:
 * - another member advertises a loopback peer URL while we do not (a
 *   server of an older Skiff that still listens on loopback only): we
 *   could not reach it; or we would advertise loopback (no node IP) to
 *   members on other hosts;
 * - a voting member with our peer URL and name: our data dir was lost
 *   while the cluster still counts us; removing a voter may break quorum,
 *   so the operator removes it (etcdctl member remove) first;
 * - our peer URL held by a member of another name, or our name by a
 *   member at another peer URL (two servers with one node name, or our
 *   address changed).
 * Pure.
 */
export function decideJoin(members: EtcdMember[], self: SelfMember): JoinDecision {
  if (!isLoopbackURL(self.peerURL)) {
    const loop = members.find((m) => !m.peerURLs.includes(self.peerURL) && m.peerURLs.some(isLoopbackURL));
    if (loop) {
      return { error: `etcd member ${label(loop)} advertises the loopback peer URL ${loop.peerURLs.join(',')}: another host cannot reach it; restart that server with this Skiff (it then advertises its node address) and join again` };
    }
  } else if (members.some((m) => m.peerURLs.some((u) => !isLoopbackURL(u)))) {
    return { error: `this server's etcd would advertise the loopback peer URL ${self.peerURL}, which the other members cannot reach: give it --node-ip` };
  }
  const mine = members.find((m) => m.peerURLs.includes(self.peerURL));
  if (mine) {
    if (mine.name === '') return { action: 'reuse', id: mine.id };
    if (mine.name !== self.name) return { error: `the peer URL ${self.peerURL} already belongs to etcd member ${label(mine)}: use another --node-ip, or remove that member first` };
    if (mine.isLearner) return { action: 'replace', id: mine.id };
    return {
      error: `etcd member ${label(mine)} is this server, but its etcd data dir is empty (lost or wiped): remove the member first `
        + `(etcdctl member remove ${BigInt(mine.id).toString(16)} on another server), then join again`,
    };
  }
  const named = members.find((m) => m.name === self.name);
  if (named) {
    return { error: `an etcd member is already named ${self.name} (${named.id}, at ${named.peerURLs.join(',')}): another server has this --node-name, or this server's address changed; remove that member first or use another --node-name` };
  }
  return { action: 'add' };
}

/**
 * The `--initial-cluster` value for a member joining `members` (the list
 * after its MemberAdd, which includes it): `name=peerURL` for every peer URL
 * of every member, in member order. Ours (`selfId`) is named `self.name`;
 * another member not started yet (no name; etcd still counts it, so it must
 * be listed) gets a placeholder name. Pure.
 */
export function initialClusterFlag(members: EtcdMember[], self: SelfMember, selfId: string): string {
  const out: string[] = [];
  for (const m of members) {
    const name = m.id === selfId ? self.name : m.name === '' ? `unstarted-${m.id}` : m.name;
    for (const u of m.peerURLs) out.push(`${name}=${u}`);
  }
  return out.join(',');
}

/**
 * Whether member `selfId` must update its advertised peer URLs to exactly
 * [`want`] (MemberUpdate): a member created by an older Skiff advertises
 * its loopback peer URL, and a single-member server whose node address
 * changed advertises the old one. Resolves the update, `{ update: false }`
 * when already right, or an error value when `selfId` is not a member. Pure.
 */
export function decidePeerURLUpdate(members: EtcdMember[], selfId: string, want: string): { update: false } | { update: true; id: string; peerURLs: string[] } | { error: string } {
  const me = members.find((m) => m.id === selfId);
  if (!me) return { error: `this etcd (member ${selfId}) is not in its own member list` };
  if (me.peerURLs.length === 1 && me.peerURLs[0] === want) return { update: false };
  return { update: true, id: me.id, peerURLs: [want] };
}

/** Whether member `selfId` is still a learner (must be promoted before it serves the apiserver). Pure. */
export function isLearner(members: EtcdMember[], selfId: string): boolean {
  return members.some((m) => m.id === selfId && m.isLearner);
}

/** Every voting member's client URLs, in member order (what a joining server dials for MemberAdd). Pure. */
export function votingClientURLs(members: EtcdMember[]): string[] {
  return members.filter((m) => !m.isLearner).flatMap((m) => m.clientURLs);
}
