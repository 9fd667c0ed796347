/**
 * Test helper: a real multi-member etcd cluster (Debian's /usr/bin/etcd 3.4)
 * on loopback, each member with its own free client and peer ports and data
 * dir under `dir`, all with the same TLS files (the etcd CA's serving and
 * peer certs, whose SANs hold 127.0.0.1: testutil/pki.ts usePKIs). The
 * members are started with etcdArgs (deploy/server/etcd.ts) and a shared
 * `--initial-cluster` naming all of them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { etcdArgs, etcdClientUrl, etcdPeerUrl, waitForAnyEtcd, type EtcdOptions, type EtcdServerTLS } from '../deploy/server/etcd.ts';
import type { HttpTLS } from '../deploy/server/wait.ts';
import { stopChild } from './child.ts';
import { freePort } from './etcd.ts';

/** A running test etcd cluster. */
export interface TestEtcdCluster {
  /** Client URLs, one a member, in member order (m0, m1, …). */
  endpoints: string[];
  /** The member processes, in the same order. */
  members: ChildProcess[];
  /** The last 4 000 characters of every member's stderr. */
  stderr(): string;
  /** SIGKILLs member `i` and resolves once it has exited. */
  kill(i: number): Promise<void>;
  /** Stops every member still running (SIGTERM, SIGKILL after 5 s). Leaves `dir` to the caller. */
  stop(): Promise<void>;
}

/**
 * Starts `size` members (names m0…) under `dir` and resolves once one of
 * them reports healthy over TLS (`clientTLS`: the etcd CA and a client
 * cert) within `timeoutMs` (default 30 s). Rejects, after stopping them, if
 * the cluster never gets healthy.
 */
export async function startEtcdCluster(o: { dir: string; size: number; tls: EtcdServerTLS; clientTLS: HttpTLS; timeoutMs?: number }): Promise<TestEtcdCluster> {
  const opts: EtcdOptions[] = [];
  for (let i = 0; i < o.size; i++) {
    opts.push({ dataDir: join(o.dir, `m${i}`), clientPort: await freePort(), peerPort: await freePort(), name: `m${i}`, tls: o.tls });
  }
  const initial = opts.map((m) => `${m.name}=${etcdPeerUrl(m)}`).join(',');
  let err = '';
  const members = opts.map((m) => {
    const args = etcdArgs(m);
    args[args.indexOf('--initial-cluster') + 1] = initial;
    const child = spawn('/usr/bin/etcd', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (d: Buffer) => { err = (err + `[${m.name}] ${d.toString()}`).slice(-4000); });
    return child;
  });
  const c: TestEtcdCluster = {
    endpoints: opts.map(etcdClientUrl),
    members,
    stderr: () => err,
    kill: async (i) => {
      const m = members[i];
      if (m.exitCode !== null || m.signalCode !== null) return;
      const exited = new Promise((resolve) => m.once('exit', resolve));
      m.kill('SIGKILL');
      await exited;
    },
    stop: async () => { await Promise.all(members.map((m) => stopChild(m))); },
  };
  if (!(await waitForAnyEtcd(c.endpoints, o.timeoutMs ?? 30_000, undefined, o.clientTLS))) {
    await c.stop();
    throw new Error(`etcd cluster did not become healthy: ${err}`);
  }
  return c;
}
