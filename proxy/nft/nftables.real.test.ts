/**
 * REAL packet-path test of the nftables backend, inside network namespaces
 * this test creates (testnet.test-util.ts: a "node" with bridge br0 and two
 * pods, no default route anywhere), deleted at the end. Each Service shape
 * is exercised with curl: ClusterIP from the node, a pod and a second pod,
 * hairpin, NodePort, externalIPs, no endpoints, unallocated service IPs,
 * endpoint changes (delta transactions), ClientIP affinity, cleanup; and
 * externalTrafficPolicy Local, LoadBalancer IPs, the healthCheckNodePort and
 * UDP flows across an endpoint change (conntrack cleanup).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../apiserver/api/log.ts';
import { mustExec } from '../exec.ts';
import { ep, slice, svc } from '../fixtures.test-util.ts';
import { ensureServiceRoute } from '../route.ts';
import { CLIENT_IP, createTestNet, NODE_IP, POD_IP, realNetSkipReason, SERVICE_CIDR } from '../testnet.test-util.ts';
import { cleanupNftables, listNftObjects, NftablesBackend } from './nftables.ts';

const BODY = 'skiff-nft-ok';
const CONFIG = { serviceCIDR: SERVICE_CIDR, clusterCIDR: '10.244.0.0/16', nodeName: 'n1' };

test('nftables backend inside a test network namespace', async (t) => {
  const reason = realNetSkipReason();
  if (reason) { t.skip(reason); return; }
  const net = await createTestNet('nft');
  const { node, pod, curl } = net;
  try {
    // Like CNI's ipMasq chain in iptables-nft's own nat table: accepting there must not stop our masquerade.
    await mustExec(node, 'iptables', ['-t', 'nat', '-A', 'POSTROUTING', '-s', '10.244.0.0/16', '-j', 'ACCEPT']);
    await mustExec(node, 'sysctl', ['-qw', 'net.bridge.bridge-nf-call-iptables=1']);
    await ensureServiceRoute(node, SERVICE_CIDR);
    await net.serve(8080, BODY);
    await net.serve(8081, 'second');

    const backend = new NftablesBackend(CONFIG, createLogger('nft-test'), node);
    const services = [
      svc('default', 'web', '10.96.0.10', [{ name: 'http', port: 80, targetPort: 8080 }]),
      svc('default', 'empty', '10.96.0.20', [{ port: 80 }]),
    ];
    const webSlice = slice('default', 'web', 'web-1', [{ name: 'http', port: 8080 }], [ep(POD_IP), ep('10.244.0.99', false)]);
    await backend.sync({ services, endpointSlices: [webSlice] }, true);

    await t.test('ClusterIP from the node (nat output), a pod (hairpin) and another pod on the bridge', async () => {
      assert.equal((await curl(node, 'http://10.96.0.10/')).body, BODY);
      assert.equal((await curl(pod, 'http://10.96.0.10/')).body, BODY, 'hairpin: the pod reaches itself through its VIP');
      for (let i = 0; i < 3; i++) assert.equal((await curl(net.client, 'http://10.96.0.10/')).body, BODY);
    });
    await t.test('a VIP with no endpoints and an unused port of a VIP are refused quickly', async () => {
      for (const [from, url] of [[node, 'http://10.96.0.20/'], [pod, 'http://10.96.0.20/'], [node, 'http://10.96.0.10:81/'], [pod, 'http://10.96.0.10:81/']] as const) {
        const r = await curl(from, url);
        assert.equal(r.code, 7, `${url}: curl could not connect`);
        assert.ok(r.ms < 2000, `${url} took ${r.ms} ms`);
      }
    });
    await t.test('an unallocated service-CIDR address is dropped (not refused, as kube-proxy 1.31)', async () => {
      const r = await node('curl', ['-sS', '-m', '1', 'http://10.96.5.5/']);
      assert.equal(r.exitCode, 28, 'curl timed out: dropped');
      const counters = (await mustExec(node, 'nft', ['list', 'chain', 'ip', 'skiff', 'cluster-ips-check'])).stdout;
      assert.match(counters, /ip daddr 10\.96\.0\.0\/12 drop/);
    });
    await t.test('NodePort: pod -> node IP:nodePort reaches the backend; without endpoints refused', async () => {
      const np = [...services, svc('default', 'np', '10.96.0.30', [{ port: 80, targetPort: 8080, nodePort: 30080 }], { type: 'NodePort' }),
        svc('default', 'np-empty', '10.96.0.31', [{ port: 80, nodePort: 30081 }], { type: 'NodePort' })];
      const npSlice = slice('default', 'np', 'np-1', [{ port: 8080 }], [ep(POD_IP)]);
      await backend.sync({ services: np, endpointSlices: [webSlice, npSlice] }, false);
      assert.equal((await curl(pod, `http://${NODE_IP}:30080/`)).body, BODY, 'hairpin through the NodePort');
      assert.equal((await curl(net.client, `http://${NODE_IP}:30080/`)).body, BODY);
      assert.equal((await curl(node, `http://${NODE_IP}:30080/`)).body, BODY, 'from the node itself');
      const refused = await curl(net.client, `http://${NODE_IP}:30081/`);
      assert.equal(refused.code, 7);
      assert.ok(refused.ms < 2000, `took ${refused.ms} ms`);
      await backend.sync({ services, endpointSlices: [webSlice] }, false);
      assert.notEqual((await curl(net.client, `http://${NODE_IP}:30080/`)).body, BODY, 'NodePort gone with the service');
      const objs = await listNftObjects(node);
      assert.ok(!objs.chains.some((c) => c.includes('/np/')), objs.chains.join('\n'));
    });
    await t.test('externalIPs: a pod reaches the backend through the external IP', async () => {
      await mustExec(net.client, 'ip', ['route', 'add', '192.0.2.10/32', 'via', NODE_IP]);
      const withExt = [...services, svc('default', 'ext', '10.96.0.50', [{ port: 80, targetPort: 8080 }], { externalIPs: ['192.0.2.10'] })];
      await backend.sync({ services: withExt, endpointSlices: [webSlice, slice('default', 'ext', 'ext-1', [{ port: 8080 }], [ep(POD_IP)])] }, false);
      assert.equal((await curl(net.client, 'http://192.0.2.10/')).body, BODY);
      await backend.sync({ services, endpointSlices: [webSlice] }, false);
    });
    await t.test('endpoint change: the VIP follows the new endpoint through a delta transaction', async () => {
      const moved = slice('default', 'web', 'web-1', [{ name: 'http', port: 8081 }], [ep(POD_IP)]);
      await backend.sync({ services, endpointSlices: [moved] }, false);
      assert.equal((await curl(net.client, 'http://10.96.0.10/')).body, 'second');
      const objs = await listNftObjects(node);
      assert.ok(!objs.chains.some((c) => c.endsWith(`__${POD_IP}/8080`) && c.includes('/web/')), 'the old endpoint chain was deleted');
      await backend.sync({ services, endpointSlices: [webSlice] }, false);
      assert.equal((await curl(net.client, 'http://10.96.0.10/')).body, BODY);
    });
    await t.test('losing every endpoint rejects the VIP and deletes its chains', async () => {
      await backend.sync({ services, endpointSlices: [] }, false);
      const r = await curl(node, 'http://10.96.0.10/');
      assert.equal(r.code, 7);
      assert.deepEqual((await listNftObjects(node)).chains, []);
      await backend.sync({ services, endpointSlices: [webSlice] }, false);
      assert.equal((await curl(node, 'http://10.96.0.10/')).body, BODY);
    });
    await t.test('random spread over 2 endpoints; ClientIP affinity sticks to one', async () => {
      const two = [ep(POD_IP)];
      const lb = [...services, svc('default', 'lb', '10.96.0.40', [{ port: 80 }]),
        svc('default', 'sticky', '10.96.0.41', [{ port: 80 }], { sessionAffinity: 'ClientIP' })];
      const lbSlices = [webSlice,
        slice('default', 'lb', 'lb-1', [{ port: 8080 }], two), slice('default', 'lb', 'lb-2', [{ port: 8081 }], two),
        slice('default', 'sticky', 'st-1', [{ port: 8080 }], two), slice('default', 'sticky', 'st-2', [{ port: 8081 }], two)];
      await backend.sync({ services: lb, endpointSlices: lbSlices }, false);
      const seen = new Set<string>();
      for (let i = 0; i < 30; i++) seen.add((await curl(net.client, 'http://10.96.0.40/')).body);
      assert.deepEqual([...seen].sort(), [BODY, 'second'].sort(), 'both endpoints are used');
      const sticky = new Set<string>();
      for (let i = 0; i < 15; i++) sticky.add((await curl(net.client, 'http://10.96.0.41/')).body);
      assert.equal(sticky.size, 1, `one endpoint only, saw ${[...sticky].join(',')}`);
      // A full resync keeps the affinity sets (and so the stickiness).
      await backend.sync({ services: lb, endpointSlices: lbSlices }, true);
      const after = new Set<string>();
      for (let i = 0; i < 5; i++) after.add((await curl(net.client, 'http://10.96.0.41/')).body);
      assert.deepEqual([...after], [...sticky]);
      await backend.sync({ services, endpointSlices: [webSlice] }, false);
      assert.deepEqual((await listNftObjects(node)).sets, [], 'affinity sets removed with the service');
    });
    await t.test("kube-proxy's shape (per-endpoint chains, numgen vmap) for ports above the inline limit", async () => {
      const vmap = new NftablesBackend({ ...CONFIG, inlineEndpointsMax: 0 }, createLogger('nft-test'), node);
      const lb = [...services, svc('default', 'lb', '10.96.0.40', [{ port: 80 }])];
      const two = [ep(POD_IP)];
      const lbSlices = [webSlice, slice('default', 'lb', 'lb-1', [{ port: 8080 }], two), slice('default', 'lb', 'lb-2', [{ port: 8081 }], two)];
      await vmap.sync({ services: lb, endpointSlices: lbSlices }, true);
      const chains = (await listNftObjects(node)).chains;
      assert.equal(chains.filter((c) => c.startsWith('endpoint-') && c.includes('/lb/')).length, 2, chains.join('\n'));
      assert.match((await mustExec(node, 'nft', ['list', 'table', 'ip', 'skiff'])).stdout, /numgen random mod 2 vmap/);
      const seen = new Set<string>();
      for (let i = 0; i < 30; i++) seen.add((await curl(net.client, 'http://10.96.0.40/')).body);
      assert.deepEqual([...seen].sort(), [BODY, 'second'].sort(), 'both endpoints are used');
      assert.equal((await curl(pod, 'http://10.96.0.10/')).body, BODY, 'hairpin through an endpoint chain');
      // The endpoint on port 8080 goes: its chain is deleted in the same transaction.
      await vmap.sync({ services: lb, endpointSlices: [webSlice, lbSlices[2]!] }, false);
      for (let i = 0; i < 5; i++) assert.equal((await curl(net.client, 'http://10.96.0.40/')).body, 'second');
      assert.equal((await listNftObjects(node)).chains.filter((c) => c.startsWith('endpoint-') && c.includes('/lb/')).length, 1);
      await vmap.sync({ services, endpointSlices: [webSlice] }, false);
      await backend.sync({ services, endpointSlices: [webSlice] }, true);
    });
    await t.test('a new process (full sync) deletes chains left by the previous one', async () => {
      const fresh = new NftablesBackend(CONFIG, createLogger('nft-test'), node);
      await fresh.sync({ services: [], endpointSlices: [] }, true);
      assert.deepEqual((await listNftObjects(node)).chains, []);
      await fresh.sync({ services, endpointSlices: [webSlice] }, true);
      assert.equal((await curl(pod, 'http://10.96.0.10/')).body, BODY);
    });
    await t.test('a failed apply is repaired by the next full sync', async () => {
      // Someone deletes our elements behind our back: the next delta fails, the full resync repairs it.
      await mustExec(node, 'nft', ['delete', 'element', 'ip', 'skiff', 'service-ips', '{ 10.96.0.10 . tcp . 80 }']);
      await mustExec(node, 'nft', ['flush', 'map', 'ip', 'skiff', 'cluster-tcp-endpoints']);
      await assert.rejects(backend.sync({ services, endpointSlices: [] }, false));
      await backend.sync({ services, endpointSlices: [webSlice] }, true);
      assert.equal((await curl(pod, 'http://10.96.0.10/')).body, BODY);
    });
    await t.test('cleanup removes the table and leaves the others', async () => {
      await backend.cleanup();
      await cleanupNftables(node); // idempotent
      const tables = (await mustExec(node, 'nft', ['list', 'tables'])).stdout;
      assert.ok(!tables.includes('skiff'), tables);
      const post = (await mustExec(node, 'iptables', ['-t', 'nat', '-S', 'POSTROUTING'])).stdout;
      assert.ok(post.includes('-s 10.244.0.0/16 -j ACCEPT'), 'rules of others are left alone');
      const gone = await node('curl', ['-sS', '-m', '1', 'http://10.96.0.10/']);
      assert.notEqual(gone.stdout, BODY, 'no rule translates the VIP any more');
    });
  } finally {
    await net.destroy();
  }
});

/**
 * Starts `script` (Node, CommonJS) inside network namespace `ns` (a name
 * createTestNet made: 'sk<tag><pid>-<n|p|c>'); resolves once it prints
 * 'ready'. The process is pushed to `procs` for the caller to kill.
 */
async function startIn(ns: string, script: string, procs: ChildProcess[]): Promise<void> {
  const child = spawn('nsenter', [`--net=/run/netns/${ns}`, process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  procs.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => { if (d.toString().includes('ready')) resolve(); });
    child.on('exit', (code) => reject(new Error(`server in ${ns} exited ${code}`)));
  });
}

/** One UDP request from the client namespace with a fixed source port (so both requests are one conntrack flow); the reply text, or 'timeout'. */
async function udpAsk(ns: string, host: string, port: number): Promise<string> {
  const script = `const s = require('dgram').createSocket('udp4');
s.bind(40000, '${CLIENT_IP}', () => s.send('q', ${port}, '${host}'));
s.on('message', (m) => { process.stdout.write(m.toString()); process.exit(0); });
setTimeout(() => { process.stdout.write('timeout'); process.exit(0); }, 2000);`;
  const r = await mustExec((file, args) => new Promise((resolve) => {
    const c = spawn('nsenter', [`--net=/run/netns/${ns}`, file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    c.on('exit', (code) => resolve({ exitCode: code ?? 1, stdout: out, stderr: '' }));
  }), process.execPath, ['-e', script]);
  return r.stdout;
}

test('nftables backend: externalTrafficPolicy Local, LoadBalancer IPs, health check port, UDP across an endpoint change', async (t) => {
  const reason = realNetSkipReason();
  if (reason) { t.skip(reason); return; }
  const tag = 'nfx';
  const net = await createTestNet(tag);
  const ns = (kind: 'n' | 'p' | 'c'): string => `sk${tag}${process.pid}-${kind}`;
  const procs: ChildProcess[] = [];
  const { node, curl } = net;
  try {
    await mustExec(node, 'sysctl', ['-qw', 'net.bridge.bridge-nf-call-iptables=1']);
    await ensureServiceRoute(node, SERVICE_CIDR);
    // The backend answers with the source address it sees.
    await startIn(ns('p'), `require('http').createServer((q, s) => s.end(q.socket.remoteAddress)).listen(9090, '${POD_IP}', () => console.log('ready'))`, procs);
    for (const [port, body] of [[9001, 'udp-a'], [9002, 'udp-b']] as const) {
      await startIn(ns('p'), `const s = require('dgram').createSocket('udp4'); s.on('message', (m, r) => s.send('${body}', r.port, r.address)); s.bind(${port}, '${POD_IP}', () => console.log('ready'))`, procs);
    }
    // The client pod counts as off-cluster here (clusterCIDR excludes it), as a laptop would.
    const backend = new NftablesBackend({ ...CONFIG, clusterCIDR: '10.244.1.0/24' }, createLogger('nft-test'), node);
    const local = ep(POD_IP, true, { nodeName: 'n1' });
    const lb = (name: string, ip: string, nodePort: number, policy: 'Local' | 'Cluster', hc?: number) => ({
      ...svc('default', name, ip, [{ port: 80, targetPort: 9090, nodePort }], { type: 'LoadBalancer', externalTrafficPolicy: policy, healthCheckNodePort: hc }),
      status: { loadBalancer: { ingress: [{ ip: ip === '10.96.0.80' ? '192.0.2.80' : '192.0.2.81' }] } },
    });
    const services = [lb('keep', '10.96.0.80', 30100, 'Local', 32100), lb('snat', '10.96.0.81', 30101, 'Cluster')];
    const slices = [slice('default', 'keep', 'k1', [{ port: 9090 }], [local]), slice('default', 'snat', 's1', [{ port: 9090 }], [local])];
    await backend.sync({ services, endpointSlices: slices }, true);
    for (const ip of ['192.0.2.80', '192.0.2.81']) await mustExec(net.client, 'ip', ['route', 'add', `${ip}/32`, 'via', NODE_IP]);

    await t.test('externalTrafficPolicy Local keeps the client source IP (NodePort and LB IP); Cluster masquerades it', async () => {
      assert.equal((await curl(net.client, `http://${NODE_IP}:30100/`)).body, CLIENT_IP);
      assert.equal((await curl(net.client, 'http://192.0.2.80/')).body, CLIENT_IP, 'LB IP reachable, source kept');
      assert.equal((await curl(net.client, `http://${NODE_IP}:30101/`)).body, NODE_IP, 'cluster policy: SNAT to the node');
      assert.equal((await curl(net.client, 'http://192.0.2.81/')).body, NODE_IP, 'LB IP reachable, cluster policy');
      assert.equal((await curl(node, `http://${NODE_IP}:30100/`)).body, NODE_IP, 'from the node itself: short-circuited and masqueraded');
    });
    await t.test('without a local endpoint the Local NodePort and LB IP drop for the client, not for the node; the healthCheckNodePort stays reachable', async () => {
      await startIn(ns('n'), `require('http').createServer((q, s) => { s.statusCode = 503; s.end('no local endpoints'); }).listen(32100, '${NODE_IP}', () => console.log('ready'))`, procs);
      // A route for the LB IP, so an un-DNATed packet reaches the forward hook (else routing refuses it first).
      await mustExec(node, 'ip', ['route', 'add', '192.0.2.0/24', 'dev', 'br0']);
      // The only endpoint is "on another node" (its pod is reachable here, so the node's short-circuit can be seen to work).
      await backend.sync({ services, endpointSlices: [slice('default', 'keep', 'k1', [{ port: 9090 }], [ep(POD_IP, true, { nodeName: 'n2' })]), slices[1]!] }, false);
      for (const url of [`http://${NODE_IP}:30100/`, 'http://192.0.2.80/']) {
        const r = await net.client('curl', ['-sS', '-m', '1', url]);
        assert.equal(r.exitCode, 28, `${url}: dropped (timeout), not refused`);
      }
      assert.equal((await curl(node, `http://${NODE_IP}:30100/`)).body, NODE_IP, 'the node itself still reaches it (short-circuit to the cluster chain)');
      const hc = await net.client('curl', ['-sS', '-m', '2', '-w', '%{http_code}', '-o', '/dev/null', `http://${NODE_IP}:32100/`]);
      assert.equal(hc.stdout, '503', 'nothing in our table filters the health check port');
      await backend.sync({ services, endpointSlices: slices }, false);
      assert.equal((await curl(net.client, 'http://192.0.2.80/')).body, CLIENT_IP);
    });
    await t.test('a UDP flow moves to the new endpoint after an endpoint change (conntrack entry deleted)', async () => {
      const dns = svc('default', 'udp', '10.96.0.90', [{ port: 53, protocol: 'UDP' }]);
      const at = (port: number) => slice('default', 'udp', 'u1', [{ port, protocol: 'UDP' }], [local]);
      await backend.sync({ services: [...services, dns], endpointSlices: [...slices, at(9001)] }, false);
      assert.equal(await udpAsk(ns('c'), '10.96.0.90', 53), 'udp-a');
      const flows = (await node('conntrack', ['-L', '-p', 'udp', '--orig-dst', '10.96.0.90'])).stdout;
      assert.match(flows, /sport=40000/, 'the flow is tracked');
      await backend.sync({ services: [...services, dns], endpointSlices: [...slices, at(9002)] }, false);
      assert.equal(await udpAsk(ns('c'), '10.96.0.90', 53), 'udp-b', 'the same 5-tuple reaches the new endpoint');
    });
    await backend.cleanup();
  } finally {
    for (const p of procs) p.kill();
    await net.destroy();
  }
});
