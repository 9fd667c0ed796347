/**
 * REAL test of the iptables backend: everything happens inside two network
 * namespaces this test creates ("node" and "pod", joined by a veth pair, no
 * default route anywhere), and both are deleted at the end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createLogger } from '../apiserver/client/log.ts';
import { hostExec, mustExec, netnsExec } from './exec.ts';
import { cleanupRules, ensureJumps, IptablesBackend } from './iptables.ts';
import { ensureServiceRoute, removeServiceRoute } from './route.ts';
import { serviceChainName } from './chains.ts';
import { ep, slice, svc } from './fixtures.test-util.ts';

const SERVICE_CIDR = '10.96.0.0/12';
const NODE_IP = '10.244.0.1';
const POD_IP = '10.244.0.5';
const BODY = 'skiff-backend-ok';

function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root';
  for (const bin of ['/usr/sbin/iptables', '/usr/sbin/iptables-restore', '/usr/sbin/ip', '/usr/bin/nsenter', '/usr/bin/curl']) {
    if (!existsSync(bin)) return `${bin} missing`;
  }
  return undefined;
}

test('iptables backend inside a test network namespace', async (t) => {
  const reason = skipReason();
  if (reason) { t.skip(reason); return; }
  const tag = `skp${process.pid}`;
  const nodeNs = `${tag}-node`;
  const podNs = `${tag}-pod`;
  const node = netnsExec(nodeNs);
  const pod = netnsExec(podNs);
  let server: ChildProcess | undefined;
  try {
    await mustExec(hostExec, 'ip', ['netns', 'add', nodeNs]);
    await mustExec(hostExec, 'ip', ['netns', 'add', podNs]);
    await mustExec(node, 'ip', ['link', 'set', 'lo', 'up']);
    await mustExec(pod, 'ip', ['link', 'set', 'lo', 'up']);
    await mustExec(node, 'ip', ['link', 'add', 'veth-n', 'type', 'veth', 'peer', 'name', 'veth-p']);
    await mustExec(node, 'ip', ['link', 'set', 'veth-p', 'netns', podNs]);
    await mustExec(node, 'ip', ['addr', 'add', `${NODE_IP}/24`, 'dev', 'veth-n']);
    await mustExec(node, 'ip', ['link', 'set', 'veth-n', 'up']);
    await mustExec(pod, 'ip', ['addr', 'add', `${POD_IP}/24`, 'dev', 'veth-p']);
    await mustExec(pod, 'ip', ['link', 'set', 'veth-p', 'up']);
    // The pod reaches services through the node (a service-CIDR route, never a default route).
    await mustExec(pod, 'ip', ['route', 'add', SERVICE_CIDR, 'via', NODE_IP]);
    await mustExec(node, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
    // Like CNI's ipMasq chain: accepts in-cluster traffic in POSTROUTING. Our jump must come before it.
    await mustExec(node, 'iptables', ['-t', 'nat', '-A', 'POSTROUTING', '-s', '10.244.0.0/16', '-j', 'ACCEPT']);
    await ensureServiceRoute(node, SERVICE_CIDR);
    await ensureServiceRoute(node, SERVICE_CIDR); // idempotent

    server = spawn('nsenter', [`--net=/run/netns/${podNs}`, process.execPath, '-e',
      `require('http').createServer((q, s) => s.end('${BODY}')).listen(8080, '${POD_IP}', () => console.log('ready'))`],
    { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      server?.stdout?.on('data', (d: Buffer) => { if (d.toString().includes('ready')) resolve(); });
      server?.on('exit', (code) => reject(new Error(`backend server exited ${code}`)));
    });

    const backend = new IptablesBackend({ serviceCIDR: SERVICE_CIDR, clusterCIDR: '10.244.0.0/16', nodeName: 'n1' }, createLogger('proxy-test'), node);
    const services = [
      svc('default', 'web', '10.96.0.10', [{ name: 'http', port: 80, targetPort: 8080 }]),
      svc('default', 'empty', '10.96.0.20', [{ port: 80 }]),
    ];
    const webSlice = slice('default', 'web', 'web-1', [{ name: 'http', port: 8080 }], [ep(POD_IP), ep('10.244.0.99', false)]);
    await backend.sync({ services, endpointSlices: [webSlice] }, true);

    const curl = async (ns: typeof node, url: string): Promise<{ code: number; body: string; ms: number }> => {
      const started = Date.now();
      const r = await ns('curl', ['-sS', '-m', '5', url]);
      return { code: r.exitCode, body: r.stdout, ms: Date.now() - started };
    };

    await t.test('node -> VIP reaches the backend (nat OUTPUT)', async () => {
      const r = await curl(node, 'http://10.96.0.10/');
      assert.equal(r.body, BODY);
    });
    await t.test('pod -> its own VIP (PREROUTING, hairpin masquerade before the CNI-like ACCEPT)', async () => {
      const r = await curl(pod, 'http://10.96.0.10/');
      assert.equal(r.body, BODY);
      const post = await mustExec(node, 'iptables', ['-t', 'nat', '-S', 'POSTROUTING']);
      const first = post.stdout.split('\n').find((l) => l.startsWith('-A '));
      assert.match(first ?? '', /-j KUBE-POSTROUTING$/);
    });
    await t.test('VIP with no endpoints is refused quickly', async () => {
      const r = await curl(node, 'http://10.96.0.20/');
      assert.equal(r.code, 7, 'curl: could not connect');
      assert.equal(r.body, '');
      assert.ok(r.ms < 2000, `took ${r.ms} ms`);
      const fromPod = await curl(pod, 'http://10.96.0.20/');
      assert.equal(fromPod.code, 7);
      assert.ok(fromPod.ms < 2000);
    });
    await t.test('unallocated service-CIDR address (and unused port of a VIP) is refused', async () => {
      for (const url of ['http://10.96.5.5/', 'http://10.96.0.10:81/']) {
        const r = await curl(node, url);
        assert.equal(r.code, 7, url);
        assert.ok(r.ms < 2000, `${url} took ${r.ms} ms`);
      }
      const fromPod = await curl(pod, 'http://10.97.1.1/');
      assert.equal(fromPod.code, 7);
    });
    await t.test('ensureJumps is idempotent', async () => {
      await ensureJumps(node);
      await backend.sync({ services, endpointSlices: [webSlice] }, true);
      const nat = (await mustExec(node, 'iptables-save', ['-t', 'nat'])).stdout;
      assert.equal(nat.split('\n').filter((l) => l.startsWith('-A OUTPUT') && l.includes('-j KUBE-SERVICES')).length, 1);
      assert.equal(nat.split('\n').filter((l) => l.startsWith('-A POSTROUTING') && l.includes('-j KUBE-POSTROUTING')).length, 1);
    });
    await t.test('losing the endpoints deletes the stale chains and rejects the VIP', async () => {
      const webChain = serviceChainName('default/web:http', 'tcp');
      assert.ok((await mustExec(node, 'iptables-save', ['-t', 'nat'])).stdout.includes(`:${webChain}`));
      await backend.sync({ services, endpointSlices: [] }, false);
      const nat = (await mustExec(node, 'iptables-save', ['-t', 'nat'])).stdout;
      assert.ok(!nat.includes('KUBE-SVC-') && !nat.includes('KUBE-SEP-'), nat);
      const r = await curl(node, 'http://10.96.0.10/');
      assert.equal(r.code, 7);
    });
    await t.test('a new process (full sync) deletes chains left by the previous one', async () => {
      await backend.sync({ services, endpointSlices: [webSlice] }, false);
      const fresh = new IptablesBackend({ serviceCIDR: SERVICE_CIDR, clusterCIDR: '10.244.0.0/16', nodeName: 'n1' }, createLogger('proxy-test'), node);
      await fresh.sync({ services: [], endpointSlices: [] }, true);
      const nat = (await mustExec(node, 'iptables-save', ['-t', 'nat'])).stdout;
      assert.ok(!nat.includes('KUBE-SVC-'), nat);
    });
    await t.test('cleanupRules removes every chain and jump the proxy wrote', async () => {
      await backend.sync({ services, endpointSlices: [webSlice] }, true);
      await cleanupRules(node);
      await cleanupRules(node); // idempotent
      for (const table of ['nat', 'filter']) {
        const saved = (await mustExec(node, 'iptables-save', ['-t', table])).stdout;
        assert.ok(!saved.includes('KUBE-'), saved);
      }
      const post = (await mustExec(node, 'iptables', ['-t', 'nat', '-S', 'POSTROUTING'])).stdout;
      assert.ok(post.includes('-s 10.244.0.0/16 -j ACCEPT'), 'rules of others are left alone');
      await removeServiceRoute(node, SERVICE_CIDR);
      const routes = (await mustExec(node, 'ip', ['route', 'show'])).stdout;
      assert.ok(!routes.includes('10.96.0.0/12'), routes);
      assert.ok(!routes.includes('default'), routes);
    });
  } finally {
    server?.kill();
    await hostExec('ip', ['netns', 'del', podNs]);
    await hostExec('ip', ['netns', 'del', nodeNs]);
  }
});
