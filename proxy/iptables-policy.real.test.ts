/**
 * REAL packet-path tests of the traffic policies, UDP and conntrack cleanup,
 * inside namespaces this test creates (testnet.test-util.ts plus a "laptop"
 * namespace on a second veth of the node, outside the cluster CIDR, no
 * default route anywhere); all deleted at the end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { quietLogger } from '../testutil/log.ts';
import { hostExec, mustExec, netnsExec, type Exec } from './exec.ts';
import { IptablesBackend } from './iptables.ts';
import { ensureServiceRoute } from './route.ts';
import { ep, slice, svc } from './fixtures.test-util.ts';
import { CLIENT_IP, createTestNet, NODE_IP, POD_IP, realNetSkipReason, SERVICE_CIDR } from './testnet.test-util.ts';

const LAPTOP_NODE_IP = '192.168.77.1';
const LAPTOP_IP = '192.168.77.2';

/** The /run/netns name of the namespace `ns` runs in. */
async function nsName(ns: Exec): Promise<string> {
  return (await mustExec(ns, 'ip', ['netns', 'identify'])).stdout.trim();
}

/** Starts a node script in namespace `name`; resolves once it prints 'ready'. */
function startIn(name: string, script: string, children: ChildProcess[]): Promise<void> {
  const child = spawn('nsenter', [`--net=/run/netns/${name}`, process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => { if (d.toString().includes('ready')) resolve(); });
    child.on('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
}

/** An HTTP server answering with the client's address, and a UDP echo answering `who`. */
const servers = (ip: string, who: string): string => `
  require('http').createServer((q, s) => s.end(q.socket.remoteAddress)).listen(8080, '${ip}', () => {
    const u = require('dgram').createSocket('udp4');
    u.on('message', (m, r) => u.send('${who}', r.port, r.address));
    u.bind(5300, '${ip}', () => console.log('ready'));
  });`;

/** One UDP request from a fixed source port (so a conntrack entry is reused); '' on no answer within 2 s. */
async function udpAsk(ns: Exec, host: string, port: number, sport: number): Promise<string> {
  const script = `const s = require('dgram').createSocket('udp4'); const t = setTimeout(() => { s.close(); }, 2000);
    s.on('message', (m) => { process.stdout.write(m.toString()); clearTimeout(t); s.close(); });
    s.bind(${sport}, () => s.send('ping', ${port}, '${host}'));`;
  return (await ns(process.execPath, ['-e', script])).stdout;
}

async function counter(node: Exec, table: string, chain: string, match: (line: string) => boolean): Promise<number> {
  const out = (await mustExec(node, 'iptables', ['-t', table, '-L', chain, '-v', '-n', '-x'])).stdout;
  const line = out.split('\n').find(match) ?? '';
  return Number(line.trim().split(/\s+/)[0] || 0);
}

test('traffic policies, terminating fallback and UDP conntrack cleanup on real iptables', async (t) => {
  const reason = realNetSkipReason();
  if (reason) { t.skip(reason); return; }
  const net = await createTestNet('pol');
  const { node, pod, client } = net;
  const laptopNs = `skpol${process.pid}-l`;
  const laptop = netnsExec(laptopNs);
  const children: ChildProcess[] = [];
  try {
    // The laptop: outside the cluster CIDR, reaching only the node's second address.
    await mustExec(hostExec, 'ip', ['netns', 'add', laptopNs]);
    await mustExec(laptop, 'ip', ['link', 'set', 'lo', 'up']);
    await mustExec(node, 'ip', ['link', 'add', 'vl0', 'type', 'veth', 'peer', 'name', 'eth0']);
    await mustExec(node, 'ip', ['link', 'set', 'eth0', 'netns', laptopNs]);
    await mustExec(node, 'ip', ['addr', 'add', `${LAPTOP_NODE_IP}/24`, 'dev', 'vl0']);
    await mustExec(node, 'ip', ['link', 'set', 'vl0', 'up']);
    await mustExec(laptop, 'ip', ['addr', 'add', `${LAPTOP_IP}/24`, 'dev', 'eth0']);
    await mustExec(laptop, 'ip', ['link', 'set', 'eth0', 'up']);
    // Without SNAT the pod answers the laptop directly: through the node, as a pod's default route would.
    await mustExec(pod, 'ip', ['route', 'add', '192.168.77.0/24', 'via', NODE_IP]);
    await ensureServiceRoute(node, SERVICE_CIDR);
    await startIn(await nsName(pod), servers(POD_IP, 'pod'), children);
    await startIn(await nsName(client), servers(CLIENT_IP, 'client'), children);

    const backend = new IptablesBackend({ serviceCIDR: SERVICE_CIDR, clusterCIDR: '10.244.0.0/16', nodeName: 'n1' }, quietLogger('t'), node);
    const localEp = ep(POD_IP, true, { nodeName: 'n1' });
    const remoteEp = ep(CLIENT_IP, true, { nodeName: 'n2' });
    const np = (name: string, ip: string, nodePort: number, etp: 'Cluster' | 'Local') =>
      svc('default', name, ip, [{ port: 80, targetPort: 8080, nodePort }], { type: 'NodePort', externalTrafficPolicy: etp });
    const laptopCurl = async (port: number) => (await laptop('curl', ['-sS', '-m', '2', `http://${LAPTOP_NODE_IP}:${port}/`]));

    await t.test('externalTrafficPolicy Local: the laptop source IP reaches the pod; Cluster: SNAT to the node', async () => {
      await backend.sync({
        services: [np('local', '10.96.0.60', 30090, 'Local'), np('cluster', '10.96.0.61', 30091, 'Cluster')],
        endpointSlices: [slice('default', 'local', 'l-1', [{ port: 8080 }], [localEp]), slice('default', 'cluster', 'c-1', [{ port: 8080 }], [localEp])],
      }, true);
      assert.equal((await laptopCurl(30090)).stdout, LAPTOP_IP, 'client IP kept');
      assert.equal((await laptopCurl(30091)).stdout, NODE_IP, 'masqueraded to the node address towards the pod');
      // The node itself (src-type LOCAL) still reaches a Local service, masqueraded.
      assert.equal((await node('curl', ['-sS', '-m', '2', `http://${LAPTOP_NODE_IP}:30090/`])).stdout, NODE_IP);
    });

    await t.test('externalTrafficPolicy Local without a local endpoint: the node does not answer (DROP), pods still reach it', async () => {
      await backend.sync({
        services: [np('local', '10.96.0.60', 30090, 'Local')],
        endpointSlices: [slice('default', 'local', 'l-1', [{ port: 8080 }], [remoteEp])],
      }, false);
      const before = await counter(node, 'filter', 'KUBE-EXTERNAL-SERVICES', (l) => l.includes('dpt:30090') && l.includes('DROP'));
      const r = await laptopCurl(30090);
      assert.equal(r.exitCode, 28, `timed out rather than refused or answered: ${r.stdout}${r.stderr}`);
      assert.ok(await counter(node, 'filter', 'KUBE-EXTERNAL-SERVICES', (l) => l.includes('dpt:30090') && l.includes('DROP')) > before, 'dropped by our rule');
      // A pod going to the node port is short-circuited to the cluster-wide chain (the remote endpoint sees the pod).
      assert.equal((await pod('curl', ['-sS', '-m', '2', `http://${NODE_IP}:30090/`])).stdout, POD_IP);
    });

    await t.test('internalTrafficPolicy Local: the cluster IP reaches only a local endpoint, and is dropped without one', async () => {
      const itp = svc('default', 'itp', '10.96.0.62', [{ port: 80, targetPort: 8080 }], { internalTrafficPolicy: 'Local' });
      await backend.sync({ services: [itp], endpointSlices: [slice('default', 'itp', 'i-1', [{ port: 8080 }], [remoteEp, localEp])] }, false);
      for (let i = 0; i < 5; i++) assert.equal((await client('curl', ['-sS', '-m', '2', 'http://10.96.0.62/'])).stdout, CLIENT_IP, 'always the local pod (which sees the caller)');
      await backend.sync({ services: [itp], endpointSlices: [slice('default', 'itp', 'i-1', [{ port: 8080 }], [remoteEp])] }, false);
      const r = await client('curl', ['-sS', '-m', '2', 'http://10.96.0.62/']);
      assert.equal(r.exitCode, 28, `dropped, not answered: ${r.stdout}`);
    });

    await t.test('only terminating-but-serving endpoints: used as the fallback', async () => {
      const term = ep(POD_IP, false, { nodeName: 'n1', conditions: { ready: false, serving: true, terminating: true } });
      const s = svc('default', 'term', '10.96.0.63', [{ port: 80, targetPort: 8080 }]);
      await backend.sync({ services: [s], endpointSlices: [slice('default', 'term', 't-1', [{ port: 8080 }], [term])] }, false);
      assert.equal((await node('curl', ['-sS', '-m', '2', 'http://10.96.0.63/'])).stdout, NODE_IP);
    });

    await t.test('UDP service: an endpoint change moves an existing flow (stale conntrack entry deleted)', async () => {
      const udp = svc('default', 'echo', '10.96.0.53', [{ port: 53, targetPort: 5300, protocol: 'UDP' }]);
      const sl = (e: ReturnType<typeof ep>) => [slice('default', 'echo', 'e-1', [{ port: 5300, protocol: 'UDP' }], [e])];
      await backend.sync({ services: [udp], endpointSlices: sl(localEp) }, false);
      assert.equal(await udpAsk(node, '10.96.0.53', 53, 40053), 'pod');
      const entries = (await mustExec(node, 'conntrack', ['-L', '-p', 'udp', '--orig-dst', '10.96.0.53'])).stdout;
      assert.match(entries, new RegExp(`sport=40053 dport=53 src=${POD_IP.replace(/\./g, '\\.')} `), `the flow is DNATed to the pod: ${entries}`);
      // The pod keeps serving, so only the conntrack cleanup can move the flow.
      await backend.sync({ services: [udp], endpointSlices: sl(remoteEp) }, false);
      assert.equal(await udpAsk(node, '10.96.0.53', 53, 40053), 'client');
      const after = (await mustExec(node, 'conntrack', ['-L', '-p', 'udp', '--orig-dst', '10.96.0.53'])).stdout;
      assert.doesNotMatch(after, new RegExp(`src=${POD_IP.replace(/\./g, '\\.')} `), after);
    });

    await t.test('UDP node port from the laptop', async () => {
      const udp = svc('default', 'echo', '10.96.0.53', [{ port: 53, targetPort: 5300, protocol: 'UDP', nodePort: 30053 }], { type: 'NodePort' });
      await backend.sync({ services: [udp], endpointSlices: [slice('default', 'echo', 'e-1', [{ port: 5300, protocol: 'UDP' }], [localEp])] }, false);
      assert.equal(await udpAsk(laptop, LAPTOP_NODE_IP, 30053, 40054), 'pod');
    });
  } finally {
    for (const c of children) c.kill();
    await hostExec('ip', ['netns', 'del', laptopNs]);
    await net.destroy();
  }
});
