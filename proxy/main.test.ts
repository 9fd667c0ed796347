import { test } from 'node:test';
import assert from 'node:assert/strict';
import dnsPacket from 'dns-packet';
import { FakeClient } from '../apiserver/testing/fake-client.ts';
import type { ConfigMap, Node } from 'kubernetes-types/core/v1';
import { ConfigMaps, EndpointSlices, Nodes, Services } from '../apiserver/client/resources.ts';
import { serveDNS } from './dns/server.ts';
import type { ProxyBackend, ProxyState } from './backend.ts';
import { healthzResponse } from './healthz.ts';
import { runProxy } from './main.ts';
import { ep, slice, svc } from './fixtures.test-util.ts';
import { freePort } from '../testutil/etcd.ts';
import { quietLogger } from '../testutil/real-api.ts';
import { waitFor } from '../testutil/wait.ts';
import { udpA } from '../testutil/dns.ts';

class FakeBackend implements ProxyBackend {
  readonly syncs: Array<{ state: ProxyState; full: boolean }> = [];
  failNext = 0;
  cleaned = 0;
  async sync(state: ProxyState, full: boolean): Promise<void> {
    this.syncs.push({ state, full });
    if (this.failNext > 0) { this.failNext--; throw new Error('injected apply failure'); }
  }
  async cleanup(): Promise<void> { this.cleaned++; }
}

/** Polls through the shared testutil waitFor (a throwing check counts as not yet). */
const until = (cond: () => boolean, what: string, ms = 5000): Promise<boolean> => waitFor(() => cond(), ms, what, 10);

test('runProxy feeds informer state to the backend, coalesces, retries full, serves healthz', async () => {
  const client = new FakeClient();
  await client.create(Services, svc('default', 'web', '10.96.0.10', [{ port: 80 }]), 'default');
  await client.create(EndpointSlices, slice('default', 'web', 'web-abc', [{ port: 8080 }], [ep('10.244.0.5')]), 'default');
  // A slice not owned by a service is not the proxy's business.
  await client.create(EndpointSlices, { ...slice('default', 'x', 'orphan', [{ port: 1 }], []), metadata: { namespace: 'default', name: 'orphan' } }, 'default');
  const backend = new FakeBackend();
  const port = await freePort();
  const ac = new AbortController();
  const done = runProxy({
    apiUrl: 'unused', nodeName: 'n1', serviceCIDR: '10.96.0.0/12', clusterCIDR: '10.244.0.0/16',
    healthzPort: port, healthzHost: '127.0.0.1', log: quietLogger('proxy-test'),
    client, backend, serviceRoute: 'none', minSyncIntervalMs: 50, maxSyncIntervalMs: 60_000,
  }, ac.signal);
  try {
    await until(() => backend.syncs.length >= 1, 'first sync');
    const first = backend.syncs[0];
    assert.equal(first?.full, true);
    assert.deepEqual(first?.state.services.map((s) => s.metadata?.name), ['web']);
    assert.deepEqual(first?.state.endpointSlices.map((s) => s.metadata?.name), ['web-abc']);

    const hz = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(hz.status, 200);
    assert.equal(await hz.text(), 'ok');
    assert.ok(Date.parse(hz.headers.get('x-proxy-last-sync') ?? '') > Date.now() - 10_000);
    const detail = await fetch(`http://127.0.0.1:${port}/healthz/detail`);
    const body = await detail.json() as { lastUpdated: string; nodeHealthy: boolean };
    assert.equal(body.nodeHealthy, true);
    assert.ok(Date.parse(body.lastUpdated) > Date.now() - 10_000);

    // A burst of changes → few syncs, the last one sees everything, and is partial.
    const before = backend.syncs.length;
    for (let i = 0; i < 10; i++) await client.create(Services, svc('default', `s${i}`, `10.96.1.${i}`, [{ port: 80 }]), 'default');
    await until(() => backend.syncs.at(-1)?.state.services.length === 11, 'burst synced');
    assert.ok(backend.syncs.length - before <= 3, `burst of 10 changes gave ${backend.syncs.length - before} syncs`);
    assert.equal(backend.syncs.at(-1)?.full, false);

    // A failed apply makes the retry a full sync.
    backend.failNext = 1;
    const n = backend.syncs.length;
    await client.delete(Services, 's0', 'default');
    await until(() => backend.syncs.length >= n + 2, 'retry after failure');
    assert.equal(backend.syncs[n]?.full, false);
    assert.equal(backend.syncs[n + 1]?.full, true);
    assert.equal(backend.syncs[n + 1]?.state.services.length, 10);
  } finally {
    ac.abort();
    await done;
  }
  await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`), 'healthz closed after abort');
});

test('healthz is 503 before the first sync and when the last success is stale', () => {
  assert.equal(healthzResponse({ lastSuccessMs: () => undefined, now: () => 1000, staleAfterMs: 100 }).code, 503);
  assert.equal(healthzResponse({ lastSuccessMs: () => 950, now: () => 1000, staleAfterMs: 100 }).code, 200);
  const stale = healthzResponse({ lastSuccessMs: () => 800, now: () => 1000, staleAfterMs: 100 });
  assert.equal(stale.code, 503);
  assert.deepEqual(JSON.parse(stale.body), { lastUpdated: new Date(800).toISOString(), currentTime: new Date(1000).toISOString(), nodeHealthy: false });
});

test('runProxy passes this Node\'s IPv4 addresses to the backend and resyncs when they change', async () => {
  const client = new FakeClient();
  const node = (name: string, ips: string[]): Node => ({
    apiVersion: 'v1', kind: 'Node', metadata: { name },
    status: { addresses: [...ips.map((address) => ({ type: 'InternalIP', address })), { type: 'Hostname', address: name }] },
  });
  await client.create(Nodes, node('n1', ['10.0.0.5']));
  await client.create(Nodes, node('n2', ['10.0.0.6']));
  const backend = new FakeBackend();
  const ac = new AbortController();
  const done = runProxy({
    apiUrl: 'unused', nodeName: 'n1', serviceCIDR: '10.96.0.0/12', clusterCIDR: '10.244.0.0/16',
    healthzPort: 0, healthzHost: '127.0.0.1', log: quietLogger('proxy-test'),
    client, backend, serviceRoute: 'none', minSyncIntervalMs: 10, maxSyncIntervalMs: 60_000,
  }, ac.signal);
  try {
    await until(() => backend.syncs.length >= 1, 'first sync');
    assert.deepEqual(backend.syncs[0]?.state.nodeIPs, ['10.0.0.5'], 'this node\'s, not n2\'s');
    const current = await client.get<Node>(Nodes, 'n1');
    await client.updateStatus(Nodes, { ...current, status: { addresses: [{ type: 'InternalIP', address: '10.0.0.7' }, { type: 'ExternalIP', address: '203.0.113.7' }] } });
    await until(() => backend.syncs.at(-1)?.state.nodeIPs?.join(',') === '10.0.0.7,203.0.113.7', 'resync with the new node IPs');
    assert.equal(backend.syncs.at(-1)?.full, false, 'a node IP change is an ordinary (partial) sync');
  } finally {
    ac.abort();
    await done;
  }
});

test('runProxy\'s DNS server on the proxy\'s own informers follows the kube-dns ConfigMap (stub domain on loopback)', async () => {
  const client = new FakeClient();
  const log = quietLogger('proxy-dns-test');
  const stub = await serveDNS({
    host: '127.0.0.1', port: 0, log,
    handle: async (msg) => {
      const q = dnsPacket.decode(msg);
      const name = q.questions?.[0]?.name ?? '';
      return dnsPacket.encode({ type: 'response', id: q.id, flags: 0, questions: q.questions, answers: [{ name, type: 'A', class: 'IN', ttl: 60, data: '192.168.1.50' }] });
    },
  });
  const dnsPort = await freePort();
  const ac = new AbortController();
  const done = runProxy({
    apiUrl: 'unused', nodeName: 'n1', serviceCIDR: '10.96.0.0/12', clusterCIDR: '10.244.0.0/16', healthzPort: 0, healthzHost: '127.0.0.1', log,
    client, backend: new FakeBackend(), serviceRoute: 'none', minSyncIntervalMs: 50,
    dns: { clusterDNS: '10.96.0.10', clusterDomain: 'cluster.local', port: dnsPort, host: '127.0.0.1', resolvConfPath: '/nonexistent' },
  }, ac.signal);
  try {
    await client.create<ConfigMap>(ConfigMaps, { metadata: { name: 'kube-dns', namespace: 'kube-system' }, data: { stubDomains: JSON.stringify({ 'home.lan': [`127.0.0.1:${stub.port}`] }) } }, 'kube-system');
    await waitFor(async () => (await udpA(dnsPort, 'nas.home.lan')) === '192.168.1.50', 5000, 'nas.home.lan through the stub domain');
  } finally {
    ac.abort();
    await done;
    await stub.close();
  }
});
