/**
 * REAL test of host-gw pod routing: two "nodes" (network namespaces joined by
 * a veth pair on 10.77.0.0/24), each with a "pod" namespace on its own
 * podCIDR (10.244.1.0/24, 10.244.2.0/24) and the proxy's cluster-CIDR
 * blackhole. A NodeRouteController per node, fed Node objects through a
 * FakeClient informer, must make pod → pod work across nodes without NAT,
 * masquerade pod → node-network traffic, follow Node changes, and leave
 * foreign routes alone. No namespace has a default route.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import type { Node } from 'kubernetes-types/core/v1';
import { FakeClient } from '../../apiserver/testing/fake-client.ts';
import { createInformerFactory } from '../../apiserver/client/informer.ts';
import { Nodes } from '../../apiserver/client/resources.ts';
import { hostExec, mustExec, netnsExec, type Exec } from '../exec.ts';
import { ensureClusterRoute } from '../route.ts';
import { realNetSkipReason } from '../testnet.test-util.ts';
import { quietLogger } from '../../testutil/real-api.ts';
import { waitFor } from '../../testutil/wait.ts';
import { NodeRouteController } from './controller.ts';
import { listRoutes } from './iproute.ts';
import { ROUTE_PROTO } from './decide.ts';
import { removePodMasquerade } from './masq.ts';

const CLUSTER_CIDR = '10.244.0.0/16';
const tag = `skrt${process.pid}`;
const ns = { a: `${tag}-a`, b: `${tag}-b`, pa: `${tag}-pa`, pb: `${tag}-pb` };
const ex = { a: netnsExec(ns.a), b: netnsExec(ns.b), pa: netnsExec(ns.pa), pb: netnsExec(ns.pb) };

function nodeObj(name: string, podCIDR: string, ip: string): Node {
  return { metadata: { name }, spec: { podCIDR, podCIDRs: [podCIDR] }, status: { addresses: [{ type: 'InternalIP', address: ip }] } };
}

/** A pod namespace `pod` attached to node namespace `node` by a veth; gateway .1 on the node side, pod at .5. No default route. */
async function attachPod(node: Exec, pod: Exec, podNs: string, prefix: string): Promise<void> {
  await mustExec(hostExec, 'ip', ['netns', 'add', podNs]);
  await mustExec(pod, 'ip', ['link', 'set', 'lo', 'up']);
  await mustExec(node, 'ip', ['link', 'add', 'podveth', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', podNs]);
  await mustExec(node, 'ip', ['addr', 'add', `${prefix}.1/24`, 'dev', 'podveth']);
  await mustExec(node, 'ip', ['link', 'set', 'podveth', 'up']);
  await mustExec(pod, 'ip', ['addr', 'add', `${prefix}.5/24`, 'dev', 'eth0']);
  await mustExec(pod, 'ip', ['link', 'set', 'eth0', 'up']);
  for (const dst of [CLUSTER_CIDR, '10.77.0.0/24']) await mustExec(pod, 'ip', ['route', 'add', dst, 'via', `${prefix}.1`]);
}

async function build(): Promise<void> {
  for (const n of [ns.a, ns.b]) await mustExec(hostExec, 'ip', ['netns', 'add', n]);
  await mustExec(ex.a, 'ip', ['link', 'add', 'lan', 'type', 'veth', 'peer', 'name', 'lan', 'netns', ns.b]);
  for (const [e, ip] of [[ex.a, '10.77.0.1'], [ex.b, '10.77.0.2']] as const) {
    await mustExec(e, 'ip', ['link', 'set', 'lo', 'up']);
    await mustExec(e, 'ip', ['addr', 'add', `${ip}/24`, 'dev', 'lan']);
    await mustExec(e, 'ip', ['link', 'set', 'lan', 'up']);
    await mustExec(e, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
    // The proxy's safety net: more specific podCIDR routes must win over it.
    await ensureClusterRoute(e, CLUSTER_CIDR);
  }
  await attachPod(ex.a, ex.pa, ns.pa, '10.244.1');
  await attachPod(ex.b, ex.pb, ns.pb, '10.244.2');
}

/** Starts an HTTP server in `netns` on ip:port that answers with the client's address. */
async function serveRemoteAddress(netns: string, ip: string, port: number, procs: ChildProcess[]): Promise<void> {
  const child = spawn('nsenter', [`--net=/run/netns/${netns}`, process.execPath, '-e',
    `require('http').createServer((q, s) => s.end('from=' + q.socket.remoteAddress)).listen(${port}, '${ip}', () => console.log('ready'))`],
  { stdio: ['ignore', 'pipe', 'inherit'] });
  procs.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => { if (d.toString().includes('ready')) resolve(); });
    child.on('exit', (code) => reject(new Error(`server in ${netns} exited ${code}`)));
  });
}

async function curl(from: Exec, url: string): Promise<{ code: number; body: string }> {
  const r = await from('curl', ['-sS', '-m', '3', url]);
  return { code: r.exitCode, body: r.stdout };
}

async function ownedRoutes(e: Exec): Promise<string[]> {
  return (await listRoutes(e)).filter((r) => r.proto === ROUTE_PROTO).map((r) => `${r.dst} via ${r.via ?? '-'}`);
}

test('host-gw routes follow Node objects; pod to pod crosses nodes un-NATed; pod to node network is masqueraded', { timeout: 120_000 }, async (t) => {
  const reason = realNetSkipReason();
  if (reason) { t.skip(reason); return; }
  const procs: ChildProcess[] = [];
  const ac = new AbortController();
  const controllers: NodeRouteController[] = [];
  try {
    await build();
    const client = new FakeClient();
    const log = quietLogger('routes-real');
    const syncs = { n1: 0, n2: 0 };
    for (const [name, e] of [['n1', ex.a], ['n2', ex.b]] as const) {
      const factory = createInformerFactory(client, log);
      const c = new NodeRouteController({
        nodeName: name, nodes: factory.for<Node>(Nodes), clusterCIDR: CLUSTER_CIDR, exec: e, log,
        minIntervalMs: 50, onSynced: () => { syncs[name]++; },
      });
      factory.start(ac.signal);
      await factory.synced();
      c.start(ac.signal);
      controllers.push(c);
    }
    await serveRemoteAddress(ns.pb, '10.244.2.5', 8080, procs);
    await serveRemoteAddress(ns.b, '10.77.0.2', 8081, procs);
    // A route somebody else wrote (proto static), inside the cluster CIDR.
    await mustExec(ex.a, 'ip', ['route', 'add', '10.244.3.0/24', 'via', '10.77.0.2', 'proto', 'static']);

    // Only n1 is known: no routes, and the remote pod is unreachable (the blackhole catches it, nothing leaves).
    await client.create(Nodes, nodeObj('n1', '10.244.1.0/24', '10.77.0.1'));
    await waitFor(() => syncs.n1 > 0 && syncs.n2 > 0, 10_000, 'first route syncs', 20);
    assert.deepEqual(await ownedRoutes(ex.a), []);
    const blackholed = await ex.a('ip', ['route', 'get', '10.244.2.5']);
    assert.notEqual(blackholed.exitCode, 0, `10.244.2.5 should be blackholed on n1: ${blackholed.stdout}`);

    // n2 registers: each node routes the other's podCIDR; the foreign static route is untouched.
    await client.create(Nodes, nodeObj('n2', '10.244.2.0/24', '10.77.0.2'));
    // n3 claims the podCIDR the static route already covers: skipped, not taken over.
    await client.create(Nodes, nodeObj('n3', '10.244.3.0/24', '10.77.0.3'));
    await waitFor(async () => (await ownedRoutes(ex.a)).join() === '10.244.2.0/24 via 10.77.0.2', 10_000, 'route to n2 on n1', 50);
    await waitFor(async () => (await ownedRoutes(ex.b)).join() === '10.244.1.0/24 via 10.77.0.1,10.244.3.0/24 via 10.77.0.3', 10_000, 'routes on n2', 50);
    const staticRoute = (await listRoutes(ex.a)).find((r) => r.dst === '10.244.3.0/24');
    assert.deepEqual(staticRoute, { dst: '10.244.3.0/24', via: '10.77.0.2', proto: 4 });
    assert.match((await mustExec(ex.a, 'ip', ['route', 'get', '10.244.2.5'])).stdout, /via 10\.77\.0\.2 dev lan/);

    // Pod → pod across nodes keeps the pod source address; pod → node network is masqueraded to the node IP.
    assert.deepEqual(await curl(ex.pa, 'http://10.244.2.5:8080/'), { code: 0, body: 'from=10.244.1.5' });
    assert.deepEqual(await curl(ex.pa, 'http://10.77.0.2:8081/'), { code: 0, body: 'from=10.77.0.1' });
    const nat = (await mustExec(ex.a, 'iptables-save', ['-t', 'nat'])).stdout;
    assert.match(nat, /-A POSTROUTING -m comment --comment "skiff pod masquerade" -j SKIFF-POD-MASQ/);

    // n2's InternalIP moves: n1's route is replaced, and traffic follows.
    await mustExec(ex.b, 'ip', ['addr', 'add', '10.77.0.22/24', 'dev', 'lan']);
    const n2 = await client.get<Node>(Nodes, 'n2');
    await client.updateStatus(Nodes, { ...n2, status: { addresses: [{ type: 'InternalIP', address: '10.77.0.22' }] } });
    await waitFor(async () => (await ownedRoutes(ex.a)).join() === '10.244.2.0/24 via 10.77.0.22', 10_000, 'route via the new IP', 50);
    assert.deepEqual(await curl(ex.pa, 'http://10.244.2.5:8080/'), { code: 0, body: 'from=10.244.1.5' });

    // A route deleted by hand comes back on the next run (requested by any Node event).
    await mustExec(ex.a, 'ip', ['route', 'del', '10.244.2.0/24', 'proto', String(ROUTE_PROTO)]);
    await client.create(Nodes, nodeObj('n4', '10.244.4.0/24', '10.77.0.4'));
    await waitFor(async () => (await ownedRoutes(ex.a)).join() === '10.244.2.0/24 via 10.77.0.22,10.244.4.0/24 via 10.77.0.4', 10_000, 'route restored', 50);

    // n2 is deleted: its route goes, the pod is unreachable again, the foreign route stays.
    await client.delete(Nodes, 'n2');
    await client.delete(Nodes, 'n4');
    await waitFor(async () => (await ownedRoutes(ex.a)).length === 0, 10_000, 'routes removed on n1', 50);
    assert.notEqual((await curl(ex.pa, 'http://10.244.2.5:8080/')).code, 0);
    assert.ok((await listRoutes(ex.a)).some((r) => r.dst === '10.244.3.0/24' && r.proto === 4));
    for (const e of [ex.a, ex.b, ex.pa, ex.pb]) assert.equal((await mustExec(e, 'ip', ['route', 'show', 'default'])).stdout.trim(), '');
  } finally {
    ac.abort();
    for (const c of controllers) await c.idle();
    for (const p of procs) p.kill();
    await removePodMasquerade(ex.a).catch(() => undefined);
    for (const n of [ns.pa, ns.pb, ns.a, ns.b]) await hostExec('ip', ['netns', 'del', n]);
  }
});
