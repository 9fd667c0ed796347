/**
 * REAL test of the LoadBalancer address speaker (secondary-address
 * approach): three node namespaces and a laptop namespace on one bridge
 * (e2e/harness/topology.ts, 10.78.0.0/24, no default route anywhere), a
 * LoadBalancerSpeaker per node fed Services and Nodes through its own
 * informers on one FakeClient. Each node runs an HTTP server on 0.0.0.0:8080
 * answering its own name, so the laptop's answer tells which node took the
 * traffic, and an nft `arp` counter of the ARP replies it sends for the
 * address, so duplicate answers would show. Checks: exactly the elected node
 * holds each address and alone answers ARP for it; the laptop reaches it;
 * the address moves when that node stops being Ready; it disappears when the
 * Service stops being a LoadBalancer; cleanup removes only ours.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import type { Node, Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import { FakeClient } from '../../apiserver/testing/fake-client.ts';
import { createInformerFactory } from '../../apiserver/client/informer.ts';
import { EndpointSlices, Nodes, Services } from '../../apiserver/client/resources.ts';
import { SERVICE_NAME_LABEL } from '../model.ts';
import { createTopology, type Topology } from '../../e2e/harness/topology.ts';
import { mustExec, netnsExec, type Exec } from '../exec.ts';
import { realNetSkipReason } from '../testnet.test-util.ts';
import { quietLogger } from '../../testutil/real-api.ts';
import { waitFor } from '../../testutil/wait.ts';
import { LoadBalancerSpeaker } from './controller.ts';
import { electSpeaker, isOwned } from './decide.ts';
import { listAddresses, removeOwnedAddresses } from './ipaddr.ts';

const NET = '10.78.0';
const VIPS = [`${NET}.240`, `${NET}.241`, `${NET}.242`, `${NET}.243`];

function nodeObj(name: string, ip: string, ready: string): Node {
  return { metadata: { name }, status: { addresses: [{ type: 'InternalIP', address: ip }], conditions: [{ type: 'Ready', status: ready }] } };
}
function lbService(name: string): Service {
  return {
    apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' },
    spec: { type: 'LoadBalancer', ports: [{ port: 8080, protocol: 'TCP' }] },
  };
}

async function setIngress(client: FakeClient, name: string, ip: string): Promise<void> {
  const s = await client.get<Service>(Services, name, 'default');
  await client.updateStatus(Services, { ...s, status: { loadBalancer: { ingress: [{ ip, ipMode: 'VIP' }] } } }, 'default');
}

async function ownedOn(e: Exec): Promise<string[]> {
  return (await listAddresses(e)).filter(isOwned).map((a) => `${a.ip} dev ${a.dev}`).sort();
}

/** ARP replies this namespace sent with sender address `ip` since the counter was (re)created. */
async function arpReplies(e: Exec, ip: string): Promise<number> {
  const out = (await mustExec(e, 'nft', ['list', 'chain', 'arp', 'slbtest', 'out'])).stdout;
  const line = out.split('\n').find((l) => l.includes(ip));
  const m = /packets (\d+)/.exec(line ?? '');
  return m ? Number(m[1]) : 0;
}

async function resetArpCounter(e: Exec, ip: string): Promise<void> {
  await e('nft', ['delete', 'table', 'arp', 'slbtest']);
  await mustExec(e, 'nft', ['-f', '-'], `table arp slbtest {\n chain out {\n  type filter hook output priority 0; policy accept;\n  arp operation reply arp saddr ip ${ip} counter\n }\n}\n`);
}

async function macOf(e: Exec): Promise<string> {
  const j = JSON.parse((await mustExec(e, 'ip', ['-j', 'link', 'show', 'eth0'])).stdout) as Array<{ address: string }>;
  return j[0]?.address ?? '';
}

/** From the laptop with an empty neighbour cache: which node answers http://ip:8080/ ('' if none within 3 s). */
async function whoAnswers(laptop: Exec, ip: string): Promise<string> {
  await laptop('ip', ['neigh', 'flush', 'dev', 'eth0']);
  const r = await laptop('curl', ['-sS', '-m', '3', `http://${ip}:8080/`]);
  return r.exitCode === 0 ? r.stdout : '';
}

test('LoadBalancer addresses: one elected node holds each, alone answers ARP, and the laptop reaches it', { timeout: 180_000 }, async (t) => {
  const reason = realNetSkipReason();
  if (reason) { t.skip(reason); return; }
  const procs: ChildProcess[] = [];
  const ac = new AbortController();
  const speakers: LoadBalancerSpeaker[] = [];
  let topo: Topology | undefined;
  try {
    topo = await createTopology({ nodes: 3, network: NET, suffix: `slb${process.pid}` });
    const names = ['n1', 'n2', 'n3'];
    const ex = topo.nodes.map((m) => netnsExec(m.name));
    const laptop = netnsExec(topo.laptop.name);
    const byName = new Map(names.map((n, i) => [n, ex[i] as Exec]));
    const client = new FakeClient();
    const log = quietLogger('servicelb-real');
    for (const [i, n] of names.entries()) await client.create(Nodes, nodeObj(n, `${NET}.${i + 1}`, 'True'));
    for (const [i, n] of names.entries()) {
      const factory = createInformerFactory(client, log);
      const s = new LoadBalancerSpeaker({
        nodeName: n, services: factory.for<Service>(Services), nodes: factory.for<Node>(Nodes),
        slices: factory.for<EndpointSlice>(EndpointSlices, { labelSelector: SERVICE_NAME_LABEL }), exec: ex[i] as Exec, log, minIntervalMs: 50,
      });
      factory.start(ac.signal);
      await factory.synced();
      s.start(ac.signal);
      speakers.push(s);
      const server = spawn('nsenter', [`--net=/run/netns/${topo.nodes[i]?.name ?? ''}`, process.execPath, '-e',
        `require('http').createServer((q, r) => r.end('${n}')).listen(8080, '0.0.0.0', () => console.log('ready'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
      procs.push(server);
      await new Promise<void>((resolve, reject) => {
        server.stdout?.on('data', (d: Buffer) => { if (d.toString().includes('ready')) resolve(); });
        server.on('exit', (code) => reject(new Error(`server on ${n} exited ${code}`)));
      });
    }
    const nodeList = async (): Promise<Node[]> => (await client.list<Node>(Nodes)).items;

    // Four LoadBalancer Services, one pool address each.
    for (const [i, ip] of VIPS.entries()) {
      await client.create(Services, lbService(`web${i}`), 'default');
      await setIngress(client, `web${i}`, ip);
    }
    const elected = new Map(VIPS.map((ip) => [ip, electSpeaker(ip, [nodeObj('n1', `${NET}.1`, 'True'), nodeObj('n2', `${NET}.2`, 'True'), nodeObj('n3', `${NET}.3`, 'True')]) ?? '']));
    const expectOwned = async (want: Map<string, string>, what: string): Promise<void> => {
      await waitFor(async (note) => {
        const got = await Promise.all(names.map(async (n) => (await ownedOn(byName.get(n) as Exec)).join(' ')));
        note(got.join(' | '));
        return names.every((n, i) => got[i] === [...want].filter(([, w]) => w === n).map(([ip]) => `${ip} dev eth0`).sort().join(' '));
      }, 10_000, what, 50);
    };
    await expectOwned(elected, 'each address on its elected node only');
    t.diagnostic(`elected: ${[...elected].map(([ip, n]) => `${ip}→${n}`).join(' ')}`);

    // The laptop reaches every address; only the elected node answered its ARP request.
    for (const ip of VIPS) {
      const want = elected.get(ip) ?? '';
      for (const e of ex) await resetArpCounter(e, ip);
      assert.equal(await whoAnswers(laptop, ip), want, `${ip} is answered by ${want}`);
      const replies = await Promise.all(ex.map((e) => arpReplies(e, ip)));
      assert.deepEqual(replies.map((r, i) => (r > 0 ? names[i] : '')).filter(Boolean), [want], `ARP replies for ${ip} per node: ${replies.join(',')}`);
      const neigh = (await mustExec(laptop, 'ip', ['neigh', 'show', ip])).stdout;
      assert.ok(neigh.includes(await macOf(byName.get(want) as Exec)), `the laptop's neighbour entry points at ${want}: ${neigh}`);
    }

    // The node holding VIPS[0] stops being Ready: only its addresses move, and the laptop follows at once, WITHOUT
    // flushing its ARP cache (the new holder's announcement updates it). locktime 0 so the entry's age does not matter.
    await mustExec(laptop, 'sysctl', ['-qw', 'net.ipv4.neigh.eth0.locktime=0']);
    assert.equal(await whoAnswers(laptop, VIPS[0] ?? ''), elected.get(VIPS[0] ?? ''));
    const lost = elected.get(VIPS[0] ?? '') ?? '';
    const lostNode = await client.get<Node>(Nodes, lost);
    await client.updateStatus(Nodes, { ...lostNode, status: { ...lostNode.status, conditions: [{ type: 'Ready', status: 'Unknown' }] } });
    const nodesNow = await nodeList();
    const moved = new Map(VIPS.map((ip) => [ip, electSpeaker(ip, nodesNow) ?? '']));
    for (const ip of VIPS) if (elected.get(ip) !== lost) assert.equal(moved.get(ip), elected.get(ip), `${ip} stays put`);
    assert.notEqual(moved.get(VIPS[0] ?? ''), lost);
    await expectOwned(moved, `addresses of ${lost} moved`);
    const cached = await laptop('curl', ['-sS', '-m', '3', `http://${VIPS[0] ?? ''}:8080/`]);
    assert.equal(cached.stdout, moved.get(VIPS[0] ?? ''), `the laptop, with its old ARP entry, reaches the new holder: ${cached.stderr}`);

    // web0 becomes ClusterIP, web1 is deleted: their addresses leave the nodes and stop answering.
    const web0 = await client.get<Service>(Services, 'web0', 'default');
    await client.update(Services, { ...web0, spec: { ...web0.spec, type: 'ClusterIP' } }, 'default');
    await client.delete(Services, 'web1', 'default');
    const rest = new Map([...moved].filter(([ip]) => ip !== VIPS[0] && ip !== VIPS[1]));
    await expectOwned(rest, 'web0 and web1 addresses released');
    assert.equal(await whoAnswers(laptop, VIPS[0] ?? ''), '');
    assert.equal(await whoAnswers(laptop, VIPS[1] ?? ''), '');

    // externalTrafficPolicy Local: announced by the node with the ready endpoint, not by the hash winner.
    const localIP = `${NET}.244`;
    const winner = electSpeaker(localIP, await nodeList()) ?? '';
    const epNode = names.find((n) => n !== winner && n !== lost) ?? '';
    await client.create(Services, { ...lbService('local'), spec: { ...lbService('local').spec, externalTrafficPolicy: 'Local' } }, 'default');
    await setIngress(client, 'local', localIP);
    await client.create(EndpointSlices, {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
      metadata: { name: 'local-1', namespace: 'default', labels: { [SERVICE_NAME_LABEL]: 'local' } },
      ports: [{ port: 8080, protocol: 'TCP' }], endpoints: [{ addresses: ['10.244.9.9'], nodeName: epNode, conditions: { ready: true } }],
    }, 'default');
    rest.set(localIP, epNode);
    await expectOwned(rest, `the Local Service's address on ${epNode} (hash winner ${winner})`);
    assert.equal(await whoAnswers(laptop, localIP), epNode);

    // A hand-deleted address comes back on the next run.
    const [keepIP, keepNode] = [...rest][0] ?? ['', ''];
    await mustExec(byName.get(keepNode) as Exec, 'ip', ['addr', 'del', `${keepIP}/32`, 'dev', 'eth0']);
    await client.create(Services, { ...lbService('poke'), spec: { type: 'ClusterIP', ports: [{ port: 1 }] } }, 'default');
    await expectOwned(rest, 'deleted address restored');

    // Cleanup (`skiff proxy --cleanup`) removes ours and nothing else.
    ac.abort();
    for (const s of speakers) await s.idle();
    for (const e of ex) await removeOwnedAddresses(e);
    for (const [i, e] of ex.entries()) {
      assert.deepEqual(await ownedOn(e), []);
      assert.ok((await listAddresses(e)).some((a) => a.ip === `${NET}.${i + 1}`), 'the node address stays');
      assert.equal((await mustExec(e, 'ip', ['route', 'show', 'default'])).stdout.trim(), '');
    }
  } finally {
    ac.abort();
    for (const s of speakers) await s.idle();
    for (const p of procs) p.kill();
    await topo?.destroy();
  }
});
