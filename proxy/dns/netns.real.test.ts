/**
 * REAL packet path of cluster DNS in a test namespace (testnet.test-util.ts:
 * a node with a CNI-like bridge and two pods, no default route): the proxy
 * programs iptables from the kube-dns Service (10.96.0.10:53 UDP+TCP,
 * internalTrafficPolicy Local, no selector) and its EndpointSlice (the
 * node's address :10053); a DNS server process listens on the node address
 * inside the node namespace. Measured here:
 * - a pod's UDP and TCP queries to 10.96.0.10:53 reach the node's server
 *   (PREROUTING DNAT to a local address, then INPUT);
 * - the node itself (hostNetwork pods, ClusterFirstWithHostNet) too (OUTPUT DNAT);
 * - with internalTrafficPolicy Local, a node whose slice lists only OTHER
 *   nodes rejects the query instead of crossing nodes (why the kube-dns
 *   controller lists every node, and why the slice carries nodeName).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import { FakeClient } from '../../apiserver/testing/fake-client.ts';
import { EndpointSlices, Namespaces, Services } from '../../apiserver/client/resources.ts';
import { kubeDNSService } from '../../apiserver/kube-dns.ts';
import { freePort } from '../../testutil/etcd.ts';
import { quietLogger } from '../../testutil/real-api.ts';
import { waitFor } from '../../testutil/wait.ts';
import type { Exec } from '../exec.ts';
import { ep, slice } from '../fixtures.test-util.ts';
import { cleanupProxy, runProxy } from '../main.ts';
import { createTestNet, NODE_IP, realNetSkipReason, SERVICE_CIDR } from '../testnet.test-util.ts';

const script = fileURLToPath(new URL('./netns.test-util.ts', import.meta.url));
const tsx = ['--import', 'tsx'];

async function dnsQuery(from: Exec, server: string, port: number, name: string, transport: 'udp' | 'tcp'): Promise<{ rcode?: string; answers?: string[]; error?: string }> {
  const r = await from(process.execPath, [...tsx, script, 'query', server, String(port), name, transport]);
  try {
    return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as { rcode?: string; answers?: string[]; error?: string };
  } catch {
    return { error: `exit ${r.exitCode}: ${r.stderr.trim()}` };
  }
}

test('pods and the node reach the node-local DNS server through the kube-dns ClusterIP', async (t) => {
  const reason = realNetSkipReason();
  if (reason) { t.skip(reason); return; }
  const tn = await createTestNet('dns');
  const children: ChildProcess[] = [];
  t.after(async () => {
    for (const c of children) c.kill();
    await cleanupProxy({ serviceCIDR: SERVICE_CIDR, clusterCIDR: '10.244.0.0/16', exec: tn.node }).catch(() => undefined);
    await tn.destroy();
  });
  const server = spawn('nsenter', [`--net=/run/netns/skdns${process.pid}-n`, process.execPath, ...tsx, script, 'serve', NODE_IP, '10053'],
    { stdio: ['ignore', 'pipe', 'inherit'], cwd: process.cwd() });
  children.push(server);
  await new Promise<void>((resolve, reject) => {
    server.stdout?.on('data', (d: Buffer) => { if (d.toString().includes('ready')) resolve(); });
    server.on('exit', (code) => reject(new Error(`dns server exited ${code}`)));
  });

  const client = new FakeClient();
  await client.create(Namespaces, { metadata: { name: 'kube-system' } }).catch(() => undefined);
  await client.create(Services, kubeDNSService(SERVICE_CIDR), 'kube-system');
  const dnsPorts = [{ name: 'dns', port: 10053, protocol: 'UDP' }, { name: 'dns-tcp', port: 10053, protocol: 'TCP' }];
  const created = await client.create<EndpointSlice>(EndpointSlices,
    slice('kube-system', 'kube-dns', 'kube-dns-nodes', dnsPorts, [ep(NODE_IP, true, { nodeName: 'n1' }), ep('10.77.0.2', true, { nodeName: 'n2' })]), 'kube-system');
  const healthz = await freePort();
  const ac = new AbortController();
  const done = runProxy({
    apiUrl: 'unused', nodeName: 'n1', serviceCIDR: SERVICE_CIDR, clusterCIDR: '10.244.0.0/16', healthzPort: healthz, healthzHost: '127.0.0.1',
    log: quietLogger('proxy'), client, exec: tn.node, minSyncIntervalMs: 100, podNetwork: 'none',
  }, ac.signal);
  try {
    const name = 'storefront.shop.svc.cluster.local';
    // The pod → 10.96.0.10:53 over UDP and TCP; internalTrafficPolicy Local picks n1's own server, never n2's.
    await waitFor(async () => (await dnsQuery(tn.pod, '10.96.0.10', 53, name, 'udp')).answers?.[0] === '10.96.5.5', 10_000, 'a pod UDP answer through the VIP');
    for (let i = 0; i < 5; i++) assert.deepEqual(await dnsQuery(tn.client, '10.96.0.10', 53, name, 'udp'), { rcode: 'NOERROR', answers: ['10.96.5.5'] });
    assert.deepEqual(await dnsQuery(tn.pod, '10.96.0.10', 53, name, 'tcp'), { rcode: 'NOERROR', answers: ['10.96.5.5'] });
    // The node itself (a hostNetwork pod with ClusterFirstWithHostNet).
    assert.deepEqual(await dnsQuery(tn.node, '10.96.0.10', 53, name, 'udp'), { rcode: 'NOERROR', answers: ['10.96.5.5'] });
    assert.deepEqual(await dnsQuery(tn.node, '10.96.0.10', 53, 'nosuch.shop.svc.cluster.local', 'tcp'), { rcode: 'NXDOMAIN', answers: [] });

    // Only another node listed: Local leaves this node no endpoint, so the query is rejected, not sent across.
    await client.update(EndpointSlices, { ...created, endpoints: [ep('10.77.0.2', true, { nodeName: 'n2' })] }, 'kube-system');
    await waitFor(async () => (await dnsQuery(tn.pod, '10.96.0.10', 53, name, 'tcp')).error !== undefined, 10_000, 'the TCP query refused without a local endpoint');
  } finally {
    ac.abort();
    await done;
  }
});
