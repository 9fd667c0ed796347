/**
 * Acceptance test (issue 7's last gap), HA with the EMBEDDED etcd: two
 * nodes, each in its own network namespace on the bridge of the
 * multi-node topology. `skiff server` in node 1 with no etcd flags (its
 * embedded etcd serves loopback and the node address); `skiff server
 * --server https://node-1:6443 --token T` in node 2 fetches the sealed
 * bootstrap data through node 1's API server, adds its etcd member (a
 * learner, then promoted) and runs its own control plane against its
 * local member. kubectl works against either server with either admin
 * kubeconfig, objects written through one are read through the other, both
 * nodes register, the `kubernetes` endpoints list both apiservers, and etcd
 * has two voting members; a restart of the joined server reuses its member.
 * Two members have no quorum when one dies (docs/HA.md recommends three),
 * so no failover is tested here.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunResult } from '../deploy/images/exec.ts';
import { etcdTLSFiles } from '../deploy/server/etcd-tls.ts';
import { waitFor } from '../testutil/wait.ts';
import { unmountUnder } from './harness/cluster.ts';
import { log, prerequisites } from './harness/prelude.ts';
import { killProcessesRootedUnder } from './harness/reap.ts';
import { createTopology, type Topology } from './harness/topology.ts';
import { NO_REGISTRY, SKIFF, startIn, stopProc, text, type ServerNode } from './ha-procs.ts';
import { withProcessMode } from './harness/process-mode.ts';

const MIN = 60_000;

describe('HA: a second server joins a first with the embedded etcd', async () => {
  const skip = await prerequisites(['ip', 'nsenter', 'curl', 'etcd', 'containerd', 'runc', 'iptables'], { cni: false });
  const s = {
    work: '', topo: undefined as Topology | undefined, servers: [] as ServerNode[],
    /** Server 2's flags after the common ones, to restart it with. */
    joinArgs: [] as string[],
    /** Set while a step runs; still set in `after` when one failed (then the logs are printed). */
    failing: false,
    /** Starts `skiff server` in node i+1 with `extra` flags (set in `before`). */
    startServer: undefined as ((i: number, extra: string[]) => Promise<ServerNode>) | undefined,
  };
  /** kubectl in `via`'s node with `via`'s admin kubeconfig, against `server`'s API. */
  const kubectl = (via: ServerNode, server: ServerNode, ...args: string[]): Promise<RunResult> =>
    via.member.runAllowFail('/usr/bin/kubectl', ['--kubeconfig', join(via.dataDir, 'admin.kubeconfig'), '--server', `https://${server.ip}:6443`, ...args], { timeoutMs: 120_000 });
  const must = async (via: ServerNode, server: ServerNode, ...args: string[]): Promise<string> => {
    const r = await kubectl(via, server, ...args);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  /** etcd's member list through node 1's etcd (its JSON gateway, node 1's etcd client cert). */
  const etcdMembers = async (): Promise<Array<{ ID?: string; name?: string; peerURLs?: string[]; isLearner?: boolean }>> => {
    const one = s.servers[0];
    assert.ok(one);
    const f = etcdTLSFiles(one.dataDir).client;
    const r = await one.member.runAllowFail('curl', ['-sS', '--max-time', '5', '--cacert', f.caFile, '--cert', f.certFile, '--key', f.keyFile,
      '-X', 'POST', '-d', '{}', `https://${one.ip}:2479/v3/cluster/member/list`], { timeoutMs: 10_000 });
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as { members?: Array<{ ID?: string; name?: string; peerURLs?: string[]; isLearner?: boolean }> }).members ?? [];
  };
  const servers = (): [ServerNode, ServerNode] => {
    const [one, two] = s.servers;
    assert.ok(one && two);
    return [one, two];
  };

  before(async () => {
    if (skip) return;
    s.failing = true;
    s.work = await mkdtemp(join(tmpdir(), 'skiff-e2e-ha-embedded-'));
    s.topo = await createTopology({ nodes: 2 });
    const topo = s.topo;
    log(`topology: nodes ${topo.nodes.map((n) => n.ip).join(' ')}`);
    s.startServer = async (i: number, extra: string[]): Promise<ServerNode> => {
      const member = topo.nodes[i];
      const dataDir = join(s.work, `node-${i + 1}`, 'data');
      await mkdir(dataDir, { recursive: true });
      const proc = startIn(member, [...SKIFF, ...withProcessMode(['server', '--data-dir', dataDir, '--node-name', `node-${i + 1}`, '--node-ip', member.ip, ...NO_REGISTRY, ...extra])],
        join(s.work, `node-${i + 1}`, 'skiff.log'));
      const node = { member, dataDir, proc, ip: member.ip };
      s.servers.push(node);
      return node;
    };
    const startServer = s.startServer;
    const one = await startServer(0, []);
    await waitFor(async (note) => {
      if (one.proc.child.exitCode !== null) throw new Error(`server 1 exited:\n${(await text(one.proc.logFile)).slice(-4000)}`);
      const t = await text(one.proc.logFile);
      note(t.slice(-300));
      return /server bootstrap data for joining servers: (stored|up to date) in Secret/.test(t);
    }, 3 * MIN, 'server 1 up, token and server bootstrap data published');
    const token = (await readFile(join(one.dataDir, 'token'), 'utf8')).trim();
    log('server 1 ready');
    s.joinArgs = ['--server', `https://${one.ip}:6443`, '--token', token];
    const two = await startServer(1, s.joinArgs);
    await waitFor(async (note) => {
      if (two.proc.child.exitCode !== null) throw new Error(`server 2 exited:\n${(await text(two.proc.logFile)).slice(-4000)}`);
      const t = await text(two.proc.logFile);
      note(t.slice(-300));
      return t.includes('Skiff is running.');
    }, 3 * MIN, 'server 2 joined and running');
    log('server 2 joined');
    s.failing = false;
  });

  after(async () => {
    for (const n of [...s.servers].reverse()) {
      if (s.failing) log(`--- ${n.dataDir} log tail:\n${(await text(n.proc.logFile)).slice(-3000)}`);
      await stopProc(n.proc);
    }
    for (const n of s.servers) await killProcessesRootedUnder(n.dataDir).catch(() => []);
    await s.topo?.destroy().catch((e: unknown) => log(`topology cleanup: ${String(e)}`));
    if (s.work) {
      await unmountUnder(s.work);
      await rm(s.work, { recursive: true, force: true });
    }
  });

  it('server 2 added its etcd member as a learner and was promoted: two voting members, named after the nodes, on the node addresses', { skip }, async () => {
    s.failing = true;
    const [one, two] = servers();
    assert.match(await text(two.proc.logFile), /added learner member node-2 .*\n(.*\n)*.*member node-2 promoted to a voter/);
    const got = (await etcdMembers()).map((m) => [m.name, m.peerURLs, m.isLearner === true]).sort();
    assert.deepEqual(got, [['node-1', [`https://${one.ip}:2480`], false], ['node-2', [`https://${two.ip}:2480`], false]]);
    s.failing = false;
  });

  it('kubectl works against either server with either admin kubeconfig; objects written through one are read through the other', { skip }, async () => {
    s.failing = true;
    const [one, two] = servers();
    for (const [via, srv] of [[one, one], [one, two], [two, one], [two, two]] as const) {
      assert.match(await must(via, srv, 'get', 'namespaces', '-o', 'name'), /namespace\/kube-system/);
    }
    await must(one, one, 'create', 'configmap', 'from-one', '--from-literal', 'k=1');
    await must(two, two, 'create', 'configmap', 'from-two', '--from-literal', 'k=2');
    assert.equal(await must(two, two, 'get', 'configmap', 'from-one', '-o', 'jsonpath={.data.k}'), '1');
    assert.equal(await must(one, one, 'get', 'configmap', 'from-two', '-o', 'jsonpath={.data.k}'), '2');
    s.failing = false;
  });

  it('both nodes register, and the kubernetes endpoints list both apiservers', { skip }, async () => {
    s.failing = true;
    const [one, two] = servers();
    await waitFor(async (note) => {
      const names = (await must(two, two, 'get', 'nodes', '-o', 'name')).trim();
      note(names);
      return names.includes('node/node-1') && names.includes('node/node-2');
    }, 2 * MIN, 'node-1 and node-2 registered');
    const want = [one.ip, two.ip].sort().join(' ');
    await waitFor(async (note) => {
      const ips = (await must(one, two, 'get', 'endpoints', 'kubernetes', '-n', 'default', '-o', 'jsonpath={.subsets[0].addresses[*].ip}')).trim().split(/\s+/).sort().join(' ');
      note(ips);
      return ips === want;
    }, MIN, `the kubernetes endpoints list both servers (${want})`);
    s.failing = false;
  });

  it('a restart of the joined server reuses its etcd member (no second MemberAdd) and serves again', { skip }, async () => {
    s.failing = true;
    const [one, two] = servers();
    const ids = (await etcdMembers()).map((m) => m.ID).sort();
    await stopProc(two.proc);
    const mark = (await text(two.proc.logFile)).length;
    s.servers.pop();
    assert.ok(s.startServer);
    const again = await s.startServer(1, s.joinArgs);
    await waitFor(async (note) => {
      if (again.proc.child.exitCode !== null) throw new Error(`server 2 exited:\n${(await text(again.proc.logFile)).slice(-4000)}`);
      const t = (await text(again.proc.logFile)).slice(mark);
      note(t.slice(-300));
      return t.includes('Skiff is running.');
    }, 3 * MIN, 'server 2 running again');
    assert.doesNotMatch((await text(again.proc.logFile)).slice(mark), /learner/);
    assert.deepEqual((await etcdMembers()).map((m) => m.ID).sort(), ids);
    assert.equal(await must(again, again, 'get', 'configmap', 'from-one', '-o', 'jsonpath={.data.k}'), '1');
    await must(one, again, 'create', 'configmap', 'after-restart', '--from-literal', 'k=3');
    assert.equal(await must(one, one, 'get', 'configmap', 'after-restart', '-o', 'jsonpath={.data.k}'), '3');
    s.failing = false;
  });
});
