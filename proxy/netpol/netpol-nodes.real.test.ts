/**
 * REAL test of NetworkPolicy across two nodes (host-gw routing): "nodes" A
 * (10.77.0.1) and B (10.77.0.2) joined by a veth pair, each with a pod
 * namespace routed behind it (client 10.244.1.5 on A, web 10.244.2.5 on B
 * with an HTTP server), podCIDR routes via the other node as the host-gw
 * controller writes them, and one NetworkPolicyController per node fed by
 * one FakeClient. Shows that routed pod traffic passes the forward hook on
 * both nodes: ingress is enforced on the destination pod's node, egress on
 * the source pod's node, and another node's host traffic is subject to
 * policy while the pod's own node is not. No namespace has a default route.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import type { Namespace, Pod } from 'kubernetes-types/core/v1';
import type { NetworkPolicy } from 'kubernetes-types/networking/v1';
import { FakeClient } from '../../apiserver/testing/fake-client.ts';
import { createInformerFactory } from '../../apiserver/client/informer.ts';
import { Namespaces, NetworkPolicies, Pods } from '../../apiserver/client/resources.ts';
import { hostExec, mustExec, netnsExec, type Exec } from '../exec.ts';
import { realNetSkipReason } from '../testnet.test-util.ts';
import { quietLogger } from '../../testutil/real-api.ts';
import { waitFor } from '../../testutil/wait.ts';
import { NetworkPolicyController } from './controller.ts';
import { pod, policy } from './fixtures.test-util.ts';

const tag = `sknp${process.pid}`;
const ns = { a: `${tag}-a`, b: `${tag}-b`, pa: `${tag}-pa`, pb: `${tag}-pb` };
const ex = { a: netnsExec(ns.a), b: netnsExec(ns.b), pa: netnsExec(ns.pa), pb: netnsExec(ns.pb) };
const CLIENT = '10.244.1.5';
const WEB = '10.244.2.5';
const URL = `http://${WEB}:8080/`;

/** Pod namespace `podNs` behind node `node` on a veth (gateway <prefix>.1), routes to the cluster and node networks only. */
async function attachPod(node: Exec, pod: Exec, podNs: string, prefix: string): Promise<void> {
  await mustExec(hostExec, 'ip', ['netns', 'add', podNs]);
  await mustExec(pod, 'ip', ['link', 'set', 'lo', 'up']);
  await mustExec(node, 'ip', ['link', 'add', 'podveth', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', podNs]);
  await mustExec(node, 'ip', ['addr', 'add', `${prefix}.1/24`, 'dev', 'podveth']);
  await mustExec(node, 'ip', ['link', 'set', 'podveth', 'up']);
  await mustExec(pod, 'ip', ['addr', 'add', `${prefix}.5/24`, 'dev', 'eth0']);
  await mustExec(pod, 'ip', ['link', 'set', 'eth0', 'up']);
  for (const dst of ['10.244.0.0/16', '10.77.0.0/24']) await mustExec(pod, 'ip', ['route', 'add', dst, 'via', `${prefix}.1`]);
}

async function build(): Promise<void> {
  for (const n of [ns.a, ns.b]) await mustExec(hostExec, 'ip', ['netns', 'add', n]);
  await mustExec(ex.a, 'ip', ['link', 'add', 'lan', 'type', 'veth', 'peer', 'name', 'lan', 'netns', ns.b]);
  for (const [e, ip] of [[ex.a, '10.77.0.1'], [ex.b, '10.77.0.2']] as const) {
    await mustExec(e, 'ip', ['link', 'set', 'lo', 'up']);
    await mustExec(e, 'ip', ['addr', 'add', `${ip}/24`, 'dev', 'lan']);
    await mustExec(e, 'ip', ['link', 'set', 'lan', 'up']);
    await mustExec(e, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
  }
  await attachPod(ex.a, ex.pa, ns.pa, '10.244.1');
  await attachPod(ex.b, ex.pb, ns.pb, '10.244.2');
  // The routes host-gw keeps (routes/): each node reaches the other's podCIDR via its address.
  await mustExec(ex.a, 'ip', ['route', 'add', '10.244.2.0/24', 'via', '10.77.0.2']);
  await mustExec(ex.b, 'ip', ['route', 'add', '10.244.1.0/24', 'via', '10.77.0.1']);
}

async function get(from: Exec): Promise<string> {
  const r = await from('curl', ['-sS', '-m', '2', URL]);
  return r.exitCode === 0 && r.stdout === 'web' ? 'ok' : `exit ${r.exitCode}`;
}

test('NetworkPolicy across host-gw nodes: ingress enforced at the destination node, egress at the source node', { timeout: 120_000 }, async (t) => {
  const reason = realNetSkipReason();
  if (reason) { t.skip(reason); return; }
  const procs: ChildProcess[] = [];
  const ac = new AbortController();
  const controllers: NetworkPolicyController[] = [];
  try {
    await build();
    const server = spawn('nsenter', [`--net=/run/netns/${ns.pb}`, process.execPath, '-e',
      `require('http').createServer((q, s) => s.end('web')).listen(8080, '${WEB}', () => console.log('ready'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    procs.push(server);
    await new Promise<void>((resolve, reject) => {
      server.stdout?.on('data', (d: Buffer) => { if (d.toString().includes('ready')) resolve(); });
      server.on('exit', (code) => reject(new Error(`web server exited ${code}`)));
    });

    const api = new FakeClient({ namespaces: ['shop'] });
    for (const [name, node, ip, labels] of [['client', 'n1', CLIENT, { role: 'client' }], ['web', 'n2', WEB, { app: 'web' }]] as const) {
      const made = await api.create<Pod>(Pods, pod('shop', name, node, ip, labels), 'shop');
      await api.updateStatus<Pod>(Pods, { ...made, status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] } }, 'shop');
    }
    const last: Record<string, string> = {};
    for (const [node, exec] of [['n1', ex.a], ['n2', ex.b]] as const) {
      const factory = createInformerFactory(api, quietLogger('netpol-nodes'));
      const c = new NetworkPolicyController({
        nodeName: node, policies: factory.for<NetworkPolicy>(NetworkPolicies), pods: factory.for<Pod>(Pods), namespaces: factory.for<Namespace>(Namespaces),
        exec, log: quietLogger('netpol-nodes'), minIntervalMs: 50, onSynced: (p) => { last[node] = p; },
      });
      factory.start(ac.signal);
      await factory.synced();
      c.start(ac.signal);
      controllers.push(c);
    }
    const synced = (what: string, pred: (n1: string, n2: string) => boolean): Promise<boolean> =>
      waitFor(() => last.n1 !== undefined && last.n2 !== undefined && pred(last.n1, last.n2), 10_000, what, 20);

    await synced('empty tables', (a, b) => !a.includes(' jump ') && !b.includes(' jump '));
    assert.equal(await get(ex.pa), 'ok', 'pod → pod across nodes, no policy');

    // Ingress default deny for web: only web's node (B) has an ingress chain; the client on A is blocked.
    await api.create(NetworkPolicies, policy('shop', 'web-deny', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'] }), 'shop');
    await synced('web-deny on n2', (a, b) => b.includes('comment "shop/web-deny"') && !a.includes('shop/web-deny'));
    assert.equal(await get(ex.pa), 'exit 28', 'blocked at the destination node');
    assert.equal(await get(ex.b), 'ok', "web's own node reaches it");
    assert.equal(await get(ex.a), 'exit 28', "another node's host traffic is subject to the policy");

    // Allow the client's label: enforced on B from a peer that lives on A.
    await api.create(NetworkPolicies, policy('shop', 'web-allow', {
      podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ podSelector: { matchLabels: { role: 'client' } } }], ports: [{ port: 8080 }] }],
    }), 'shop');
    await synced('web-allow on n2', (_a, b) => b.includes(`ip saddr ${CLIENT} meta l4proto tcp th dport 8080 accept`));
    assert.equal(await get(ex.pa), 'ok', 'allowed by label across nodes');

    // Egress deny for the client: only the client's node (A) has an egress chain.
    await api.create(NetworkPolicies, policy('shop', 'client-deny', { podSelector: { matchLabels: { role: 'client' } }, policyTypes: ['Egress'] }), 'shop');
    await synced('client-deny on n1', (a, b) => a.includes('comment "shop/client-deny"') && !b.includes('shop/client-deny'));
    assert.equal(await get(ex.pa), 'exit 28', 'blocked at the source node');
    for (const e of [ex.a, ex.b, ex.pa, ex.pb]) assert.equal((await mustExec(e, 'ip', ['route', 'show', 'default'])).stdout.trim(), '');
  } finally {
    ac.abort();
    for (const c of controllers) await c.idle();
    for (const p of procs) p.kill();
    for (const n of [ns.pa, ns.pb, ns.a, ns.b]) await hostExec('ip', ['netns', 'del', n]);
  }
});
