/**
 * REAL stub domains (the kube-dns ConfigMap's stubDomains and
 * upstreamNameservers) in test namespaces (testnet.test-util.ts: a node
 * namespace with a bridge and two pod namespaces, no default route): the
 * cluster DNS server runs in the node namespace on 10.244.0.1:10053 with an
 * empty resolv.conf; tiny stub servers (stub.test-util.ts) answer every A
 * question with their own address: "home" 10.244.0.5:53 (192.168.1.50),
 * "office" 10.244.0.6:53 (192.168.1.51), "upstream" 10.244.0.6:5300
 * (203.0.113.7). Queries come from the pod namespace. Measured here:
 * - with no ConfigMap nothing is forwarded (SERVFAIL: no upstream);
 * - a stub domain sends `nas.home.lan` to its server; other names go to
 *   upstreamNameservers, and never reach the stub; a stub domain on the
 *   cluster domain is ignored (cluster names stay NXDOMAIN from the index);
 * - updating the ConfigMap switches servers at once, though the old answer's
 *   TTL (300 s) has not run out;
 * - a key with bad JSON keeps its previous value while the other key applies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../../testutil/wait.ts';
import type { Exec } from '../exec.ts';
import { createTestNet, NODE_IP, POD_IP, CLIENT_IP, realNetSkipReason } from '../testnet.test-util.ts';

const helper = fileURLToPath(new URL('./stub.test-util.ts', import.meta.url));
const querier = fileURLToPath(new URL('./netns.test-util.ts', import.meta.url));
const tsx = ['--import', 'tsx'];

/** A helper process in namespace `ns`, with the lines it printed so far. */
interface Helper { proc: ChildProcess; lines: string[] }

function start(ns: string, args: string[]): Promise<Helper> {
  const proc = spawn('nsenter', [`--net=/run/netns/${ns}`, process.execPath, ...tsx, helper, ...args], { stdio: ['pipe', 'pipe', 'inherit'], cwd: process.cwd() });
  const h: Helper = { proc, lines: [] };
  let rest = '';
  return new Promise((resolve, reject) => {
    proc.stdout?.on('data', (d: Buffer) => {
      const parts = (rest + d.toString()).split('\n');
      rest = parts.pop() ?? '';
      h.lines.push(...parts);
      if (parts.includes('ready')) resolve(h);
    });
    proc.on('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}`)));
  });
}

async function query(from: Exec, name: string): Promise<{ rcode?: string; answers?: string[]; error?: string }> {
  const r = await from(process.execPath, [...tsx, querier, 'query', NODE_IP, '10053', name, 'udp']);
  try {
    return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as { rcode?: string; answers?: string[]; error?: string };
  } catch {
    return { error: `exit ${r.exitCode}: ${r.stderr.trim()}` };
  }
}

/** Writes the ConfigMap's data through the cluster helper and waits for its `applied`. */
async function apply(cluster: Helper, data: Record<string, string>): Promise<void> {
  const before = cluster.lines.filter((l) => l === 'applied').length;
  cluster.proc.stdin?.write(`${JSON.stringify(data)}\n`);
  await waitFor(() => cluster.lines.filter((l) => l === 'applied').length > before, 5000, 'the ConfigMap write');
}

test('stub domains and upstreamNameservers from the kube-dns ConfigMap, followed live', async (t) => {
  const reason = realNetSkipReason();
  if (reason) { t.skip(reason); return; }
  const tn = await createTestNet('sd');
  const helpers: Helper[] = [];
  t.after(async () => {
    for (const h of helpers) h.proc.kill();
    await tn.destroy();
  });
  const ns = (suffix: string): string => `sksd${process.pid}-${suffix}`;
  const home = await start(ns('p'), ['stub', POD_IP, '53', '192.168.1.50']);
  helpers.push(home);
  const office = await start(ns('c'), ['stub', CLIENT_IP, '53', '192.168.1.51']);
  helpers.push(office);
  const upstream = await start(ns('c'), ['stub', CLIENT_IP, '5300', '203.0.113.7']);
  helpers.push(upstream);
  const cluster = await start(ns('n'), ['cluster', NODE_IP, '10053']);
  helpers.push(cluster);

  // No ConfigMap, no resolv.conf nameserver: nothing to forward to.
  assert.deepEqual(await query(tn.pod, 'nas.home.lan'), { rcode: 'SERVFAIL', answers: [] });

  await apply(cluster, {
    stubDomains: JSON.stringify({ 'home.lan': [POD_IP], 'cluster.local': [POD_IP] }),
    upstreamNameservers: JSON.stringify([`${CLIENT_IP}:5300`]),
  });
  await waitFor(async () => (await query(tn.pod, 'nas.home.lan')).answers?.[0] === '192.168.1.50', 10_000, 'nas.home.lan from the home stub');
  assert.deepEqual(await query(tn.pod, 'NAS.Home.Lan.'), { rcode: 'NOERROR', answers: ['192.168.1.50'] });
  assert.deepEqual(await query(tn.pod, 'www.example.org'), { rcode: 'NOERROR', answers: ['203.0.113.7'] });
  assert.deepEqual(await query(tn.pod, 'xhome.lan'), { rcode: 'NOERROR', answers: ['203.0.113.7'] });
  assert.deepEqual(await query(tn.pod, 'nosuch.default.svc.cluster.local'), { rcode: 'NXDOMAIN', answers: [] });
  // A last stub query after the others: once the stub has printed it, it has printed every query it got before.
  assert.deepEqual(await query(tn.pod, 'barrier.home.lan'), { rcode: 'NOERROR', answers: ['192.168.1.50'] });
  await waitFor(() => home.lines.includes('q barrier.home.lan'), 5000, 'the home stub to log the barrier');
  const homeNames = home.lines.filter((l) => l.startsWith('q ')).map((l) => l.slice(2).toLowerCase());
  assert.ok(homeNames.includes('nas.home.lan'));
  assert.deepEqual(homeNames.filter((n) => !n.endsWith('home.lan')), [], 'only home.lan names reached the home stub');
  assert.ok(upstream.lines.includes('q www.example.org'));

  // Move the stub domain: the next query goes to the office stub, not to the old answer (TTL 300) in the cache.
  await apply(cluster, {
    stubDomains: JSON.stringify({ 'home.lan': [`${CLIENT_IP}:53`] }),
    upstreamNameservers: JSON.stringify([`${CLIENT_IP}:5300`]),
  });
  await waitFor(async () => (await query(tn.pod, 'nas.home.lan')).answers?.[0] === '192.168.1.51', 10_000, 'nas.home.lan from the office stub');

  // Bad JSON in stubDomains: that key keeps its previous value, while the valid upstreamNameservers change applies.
  await apply(cluster, { stubDomains: '{"home.lan": [', upstreamNameservers: JSON.stringify([POD_IP]) });
  await waitFor(async () => (await query(tn.pod, 'www.example.org')).answers?.[0] === '192.168.1.50', 10_000, 'the new upstream');
  assert.deepEqual(await query(tn.pod, 'nas.home.lan'), { rcode: 'NOERROR', answers: ['192.168.1.51'] });

  // Deleting both keys: back to the defaults (resolv.conf, here empty).
  await apply(cluster, {});
  await waitFor(async () => (await query(tn.pod, 'nas.home.lan')).rcode === 'SERVFAIL', 10_000, 'the defaults again');
});
