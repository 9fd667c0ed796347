/**
 * Starts the embedded etcd under the server's supervisor, as one of three
 * cases (k3s pkg/etcd/etcd.go Start: a data dir with a member is a restart,
 * else a join when given a server, else a new cluster):
 * - new cluster, or a restart of any member: start etcd (the --initial-*
 *   flags only matter for a new one), wait for its health, then make its
 *   member advertise its current peer URL (syncPeerURL: a member created by
 *   an older Skiff advertises loopback, which no other host can reach);
 * - join: with an empty etcd data dir and the cluster's client URLs (from
 *   the bootstrap data), add this server as a learner, start etcd with
 *   `--initial-cluster-state existing`, wait until it is healthy and
 *   promoted to a voter. A failure removes the learner again (a learner
 *   does not count for quorum, so the cluster never depended on it).
 * The marker `<data-dir>/etcd-join.json` (the client URLs joined through)
 * exists from just before MemberAdd until the promotion: a start that finds
 * it finishes the join first. If the member already is a voter the marker
 * is dropped; else the etcd data dir is wiped and the join redone
 * (decideJoin reuses or replaces the stale learner), so a kill -9 at any
 * point leaves nothing that needs a hand.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { EtcdClientTLS } from '../../apiserver/storage/etcd-client.ts';
import type { Supervisor } from '../supervisor/supervisor.ts';
import { writeFileAtomic } from '../pki/files.ts';
import { etcdChildSpec, etcdClientUrl, etcdPeerUrl, waitForEtcd, type EtcdOptions } from './etcd.ts';
import { addSelfAsLearnerRetrying, listMembers, membershipClient, promoteWhenSynced, removeMember, syncPeerURL } from './etcd-join.ts';
import type { SelfMember } from './etcd-members.ts';

/** `<dataDir>/etcd-join.json`: an etcd join in progress. Pure. */
export function etcdJoinMarker(dataDir: string): string {
  return join(dataDir, 'etcd-join.json');
}

/** What startEmbeddedEtcd needs. Times in ms. */
export interface EmbeddedEtcdStart {
  sup: Supervisor;
  /** The member to run (name, ports, advertiseHost, TLS). */
  etcd: EtcdOptions;
  /** The etcd CA and this server's etcd client cert (PEM). */
  clientTLS: EtcdClientTLS;
  /** The server's data dir (for the marker). */
  dataDir: string;
  /** Client URLs of the cluster to join (deploy/server/server-join-embedded.ts); undefined: not joining now. */
  joinVia?: string[];
  /** How long to wait for etcd's health and for the promotion. */
  timeoutMs: number;
  /** How long MemberAdd is retried while etcd says it will pass (etcd-join.ts retryableAddError); default timeoutMs. */
  addTimeoutMs?: number;
  signal: AbortSignal;
  /** One progress line. */
  line: (text: string) => void;
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

async function readMarker(dataDir: string): Promise<string[] | undefined> {
  try {
    const m = JSON.parse(await readFile(etcdJoinMarker(dataDir), 'utf8')) as { endpoints?: unknown };
    return Array.isArray(m.endpoints) && m.endpoints.every((u) => typeof u === 'string') && m.endpoints.length > 0 ? m.endpoints as string[] : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts etcd as in the file doc and resolves once it serves this server
 * (healthy, and a voter), or an error value naming what failed (the child
 * stays supervised; the caller stops it). Never throws.
 */
export async function startEmbeddedEtcd(o: EmbeddedEtcdStart): Promise<{ ok: true } | { error: string }> {
  const self: SelfMember = { name: o.etcd.name ?? 'skiff', peerURL: etcdPeerUrl(o.etcd) };
  const hasMember = existsSync(join(o.etcd.dataDir, 'member'));
  const marker = await readMarker(o.dataDir);
  let via = marker ?? (hasMember ? undefined : o.joinVia);
  if (marker && hasMember) {
    // A join was interrupted: finished already (a voter), or redo it from an empty data dir.
    const c = membershipClient(marker, o.clientTLS);
    try {
      const me = (await listMembers(c)).find((m) => m.peerURLs.includes(self.peerURL) && m.name === self.name);
      if (me && !me.isLearner) {
        await rm(etcdJoinMarker(o.dataDir), { force: true });
        via = undefined;
      } else {
        o.line('• etcd: an earlier join did not finish; joining again from an empty etcd data dir');
        await rm(o.etcd.dataDir, { recursive: true, force: true });
        await mkdir(o.etcd.dataDir, { recursive: true, mode: 0o700 });
      }
    } catch (err) {
      return { error: `cannot finish the earlier etcd join through ${marker.join(', ')}: ${message(err)}` };
    } finally {
      c.close();
    }
  }
  if (via) return joinCluster(o, self, via);
  o.sup.add(etcdChildSpec(o.etcd));
  if (!(await waitForEtcd(etcdClientUrl(o.etcd), o.timeoutMs, o.signal, o.clientTLS))) return { error: `etcd did not become healthy within ${Math.round(o.timeoutMs / 1000)}s` };
  if (o.etcd.advertiseHost !== undefined) {
    const c = membershipClient([etcdClientUrl(o.etcd)], o.clientTLS);
    try {
      const r = await syncPeerURL(c, self.peerURL);
      if ('error' in r) o.line(`• etcd: ${r.error}`);
      else if (r.updated) o.line(`• etcd: member ${self.name} now advertises its peer URL ${self.peerURL}`);
    } finally {
      c.close();
    }
  }
  return { ok: true };
}

async function joinCluster(o: EmbeddedEtcdStart, self: SelfMember, via: string[]): Promise<{ ok: true } | { error: string }> {
  const c = membershipClient(via, o.clientTLS);
  try {
    await writeFileAtomic(etcdJoinMarker(o.dataDir), `${JSON.stringify({ endpoints: via })}\n`);
    const plan = await addSelfAsLearnerRetrying(c, self, o.addTimeoutMs ?? o.timeoutMs, o.signal);
    if ('error' in plan) return plan;
    o.line(`• etcd: ${plan.added ? 'added' : 'reusing'} learner member ${self.name} (${plan.id}) at ${self.peerURL}`);
    o.sup.add(etcdChildSpec({ ...o.etcd, initialCluster: plan.initialCluster, initialClusterState: 'existing' }));
    const undo = async (why: string): Promise<{ error: string }> => {
      const r = await removeMember(c, plan.id);
      return { error: `${why}; ${'error' in r ? `the learner stays (${r.error}): the next start removes or reuses it` : 'its learner member was removed again'}` };
    };
    if (!(await waitForEtcd(etcdClientUrl(o.etcd), o.timeoutMs, o.signal, o.clientTLS))) return await undo(`this server's etcd did not become healthy within ${Math.round(o.timeoutMs / 1000)}s`);
    const p = await promoteWhenSynced(c, plan.id, o.timeoutMs, o.signal);
    if ('error' in p) return await undo(p.error);
    await rm(etcdJoinMarker(o.dataDir), { force: true });
    o.line(`• etcd: member ${self.name} promoted to a voter`);
    return { ok: true };
  } catch (err) {
    return { error: `etcd join failed: ${message(err)}` };
  } finally {
    c.close();
  }
}
