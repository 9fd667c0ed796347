/**
 * REAL end-to-end test of runProxy, once per proxy mode: FakeClient objects
 * → informers → runner → iptables or nftables inside a test network
 * namespace → curl through the VIP. Also documents why the default service
 * route is 'local-dev', not 'blackhole'.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import { FakeClient } from '../apiserver/testing/fake-client.ts';
import { EndpointSlices, Services } from '../apiserver/client/resources.ts';
import { mustExec } from './exec.ts';
import { cleanupProxy, runProxy, type ProxyOptions } from './main.ts';
import { ep, slice, svc } from './fixtures.test-util.ts';
import { freePort } from '../testutil/etcd.ts';
import { quietLogger } from '../testutil/real-api.ts';
import { createTestNet, POD_IP, realNetSkipReason, SERVICE_CIDR } from './testnet.test-util.ts';
import { waitFor } from '../testutil/wait.ts';

const quiet = quietLogger('proxy-real');

/** Polls through the shared testutil waitFor (a throwing check counts as not yet). */
const until = (cond: () => Promise<boolean>, what: string, ms = 8000): Promise<boolean> => waitFor(() => cond(), ms, what, 50);

for (const mode of ['iptables', 'nftables'] as const) {
  test(`runProxy (${mode}) programs a real node: VIP works, follows endpoint changes, cleanup removes all`, async (t) => {
    const reason = realNetSkipReason();
    if (reason) { t.skip(reason); return; }
    const tn = await createTestNet(mode === 'iptables' ? 'main' : 'mnft');
    try {
      await tn.serve(8080, 'hello-from-pod');
      const client = new FakeClient();
      await client.create(Services, svc('default', 'web', '10.96.0.10', [{ name: 'http', port: 80, targetPort: 8080 }]), 'default');
      const created = await client.create<EndpointSlice>(EndpointSlices, slice('default', 'web', 'web-1', [{ name: 'http', port: 8080 }], [ep(POD_IP)]), 'default');
      const port = await freePort();
      const base: ProxyOptions = {
        apiUrl: 'unused', nodeName: 'n1', serviceCIDR: SERVICE_CIDR, clusterCIDR: '10.244.0.0/16', healthzPort: port,
        healthzHost: '127.0.0.1', log: quiet, client, exec: tn.node, minSyncIntervalMs: 100, proxyMode: mode,
      };
      // Leftovers of the other mode (a node switched modes) are removed at start.
      if (mode === 'iptables') await mustExec(tn.node, 'nft', ['add', 'table', 'ip', 'skiff']);
      else await mustExec(tn.node, 'iptables', ['-t', 'nat', '-N', 'KUBE-SERVICES']);

      // runProxy must turn bridge netfilter on (same-bridge pod -> VIP -> pod depends on it).
      await mustExec(tn.node, 'sysctl', ['-qw', 'net.bridge.bridge-nf-call-iptables=0']);
      const ac = new AbortController();
      const done = runProxy(base, ac.signal);
      try {
        await until(async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status === 200, 'healthz ok');
        assert.equal((await mustExec(tn.node, 'sysctl', ['-n', 'net.bridge.bridge-nf-call-iptables'])).stdout.trim(), '1');
        const tables = (await mustExec(tn.node, 'nft', ['list', 'tables'])).stdout;
        assert.equal(tables.includes('table ip skiff'), mode === 'nftables', tables);
        assert.equal((await mustExec(tn.node, 'iptables-save', ['-t', 'nat'])).stdout.includes(':KUBE-SERVICES'), mode === 'iptables');
        for (const from of [tn.node, tn.pod, tn.client]) {
          const r = await tn.curl(from, 'http://10.96.0.10/');
          assert.equal(r.body, 'hello-from-pod');
        }
        // The endpoint turns not ready → the VIP is rejected.
        await client.update(EndpointSlices, { ...created, endpoints: [ep(POD_IP, false)] }, 'default');
        await until(async () => (await tn.curl(tn.node, 'http://10.96.0.10/')).code === 7, 'VIP rejected');
        // And back.
        const latest = await client.get<EndpointSlice>(EndpointSlices, 'web-1', 'default');
        await client.update(EndpointSlices, { ...latest, endpoints: [ep(POD_IP)] }, 'default');
        await until(async () => (await tn.curl(tn.pod, 'http://10.96.0.10/')).body === 'hello-from-pod', 'VIP back');
      } finally {
        ac.abort();
        await done;
      }
      // Rules survive the proxy's exit (as kube-proxy's do)...
      assert.equal((await tn.curl(tn.node, 'http://10.96.0.10/')).body, 'hello-from-pod');
      const routes = (await mustExec(tn.node, 'ip', ['route', 'show'])).stdout;
      assert.match(routes, /^10\.96\.0\.0\/12 dev lo /m);
      // Pod addresses of the cluster CIDR that aren't on this node's bridge are dropped, not routed off the node.
      assert.match(routes, /^blackhole 10\.244\.0\.0\/16/m);
      assert.notEqual((await tn.node('ip', ['route', 'get', '10.244.7.9'])).exitCode, 0, 'a remote pod address has no usable route');
      assert.match((await mustExec(tn.node, 'ip', ['route', 'get', POD_IP])).stdout, /dev br0/, 'the local pod keeps its bridge route');
      assert.match((await mustExec(tn.node, 'nft', ['list', 'tables'])).stdout, /^table inet skiff-netpol$/m, 'the NetworkPolicy table is kept too');
      // ...until cleanupProxy.
      await cleanupProxy({ serviceCIDR: SERVICE_CIDR, clusterCIDR: '10.244.0.0/16', exec: tn.node });
      for (const table of ['nat', 'filter']) assert.ok(!(await mustExec(tn.node, 'iptables-save', ['-t', table])).stdout.includes('KUBE-'));
      assert.ok(!(await mustExec(tn.node, 'nft', ['list', 'tables'])).stdout.includes('skiff'));
      assert.ok(!(await mustExec(tn.node, 'ip', ['route', 'show'])).stdout.includes('10.96.0.0/12'));
      assert.ok(!(await mustExec(tn.node, 'ip', ['route', 'show'])).stdout.includes('10.244.0.0/16'));

      if (mode === 'iptables') await t.test("a blackhole service route breaks host-network clients (why 'local-dev' is the default)", async () => {
        const ac2 = new AbortController();
        const port2 = await freePort();
        const done2 = runProxy({ ...base, healthzPort: port2, serviceRoute: 'blackhole' }, ac2.signal);
        try {
          await until(async () => (await fetch(`http://127.0.0.1:${port2}/healthz`).catch(() => undefined))?.status === 200, 'healthz ok');
          assert.equal((await tn.curl(tn.pod, 'http://10.96.0.10/')).body, 'hello-from-pod', 'pods are fine: PREROUTING DNAT precedes routing');
          const fromNode = await tn.curl(tn.node, 'http://10.96.0.10/');
          assert.equal(fromNode.code, 7, 'the node itself cannot connect: the blackhole route fails connect() before nat OUTPUT');
        } finally {
          ac2.abort();
          await done2;
          await cleanupProxy({ serviceCIDR: SERVICE_CIDR, exec: tn.node });
        }
      });
    } finally {
      await tn.destroy();
    }
  });
}
