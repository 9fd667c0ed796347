/**
 * REAL test of the iptables backend: everything happens inside two network
 * namespaces this test creates ("node" and "pod", joined by a veth pair, no
 * default route anywhere), and both are deleted at the end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../apiserver/api/log.ts';
import { mustExec } from './exec.ts';
import { cleanupRules, ensureJumps, IptablesBackend } from './iptables.ts';
import { ensureServiceRoute, removeServiceRoute } from './route.ts';
import { serviceChainName } from './chains.ts';
import { ep, slice, svc } from './fixtures.test-util.ts';
import { createTestNet, NODE_IP, POD_IP, realNetSkipReason, SERVICE_CIDR } from './testnet.test-util.ts';

const BODY = 'skiff-backend-ok';

test('iptables backend inside a test network namespace', async (t) => {
  const reason = realNetSkipReason();
  if (reason) { t.skip(reason); return; }
  const net = await createTestNet('ipt');
  const { node, pod } = net;
  try {
    // Like CNI's ipMasq chain: accepts in-cluster traffic in POSTROUTING. Our jump must come before it.
    await mustExec(node, 'iptables', ['-t', 'nat', '-A', 'POSTROUTING', '-s', '10.244.0.0/16', '-j', 'ACCEPT']);
    await ensureServiceRoute(node, SERVICE_CIDR);
    await ensureServiceRoute(node, SERVICE_CIDR); // idempotent
    await net.serve(8080, BODY);

    const backend = new IptablesBackend({ serviceCIDR: SERVICE_CIDR, clusterCIDR: '10.244.0.0/16', nodeName: 'n1' }, createLogger('proxy-test'), node);
    const services = [
      svc('default', 'web', '10.96.0.10', [{ name: 'http', port: 80, targetPort: 8080 }]),
      svc('default', 'empty', '10.96.0.20', [{ port: 80 }]),
    ];
    const webSlice = slice('default', 'web', 'web-1', [{ name: 'http', port: 8080 }], [ep(POD_IP), ep('10.244.0.99', false)]);
    await backend.sync({ services, endpointSlices: [webSlice] }, true);

    const curl = net.curl;

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
    await t.test('another pod on the same bridge -> VIP (needs bridge-nf-call-iptables)', async () => {
      for (let i = 0; i < 3; i++) assert.equal((await curl(net.client, 'http://10.96.0.10/')).body, BODY);
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
    await t.test('NodePort: pod -> node IP:nodePort reaches the backend; without endpoints it is refused', async () => {
      const np = [...services, svc('default', 'np', '10.96.0.30', [{ port: 80, targetPort: 8080, nodePort: 30080 }], { type: 'NodePort' }),
        svc('default', 'np-empty', '10.96.0.31', [{ port: 80, nodePort: 30081 }], { type: 'NodePort' })];
      const npSlice = slice('default', 'np', 'np-1', [{ port: 8080 }], [ep(POD_IP)]);
      await backend.sync({ services: np, endpointSlices: [webSlice, npSlice] }, false);
      assert.equal((await curl(pod, `http://${NODE_IP}:30080/`)).body, BODY);
      assert.equal((await curl(pod, 'http://10.96.0.30/')).body, BODY);
      const refused = await curl(pod, `http://${NODE_IP}:30081/`);
      assert.equal(refused.code, 7);
      assert.ok(refused.ms < 2000, `took ${refused.ms} ms`);
      // Refused by our REJECT (a closed port would refuse too): its counter moved.
      const counters = (await mustExec(node, 'iptables', ['-t', 'filter', '-L', 'KUBE-EXTERNAL-SERVICES', '-v', '-n', '-x'])).stdout;
      const rejectLine = counters.split('\n').find((l) => l.includes('dpt:30081') && l.includes('REJECT')) ?? '';
      assert.ok(Number(rejectLine.trim().split(/\s+/)[0]) >= 1, counters);
      await backend.sync({ services, endpointSlices: [webSlice] }, false);
      assert.notEqual((await curl(pod, `http://${NODE_IP}:30080/`)).body, BODY, 'NodePort rules removed with the service');
    });
    await t.test('externalIPs: a pod reaches the backend through the external IP; without endpoints refused', async () => {
      await mustExec(net.client, 'ip', ['route', 'add', '192.0.2.10/32', 'via', NODE_IP]);
      await mustExec(net.client, 'ip', ['route', 'add', '192.0.2.11/32', 'via', NODE_IP]);
      const withExt = [...services,
        svc('default', 'ext', '10.96.0.50', [{ port: 80, targetPort: 8080 }], { externalIPs: ['192.0.2.10'] }),
        svc('default', 'ext-empty', '10.96.0.51', [{ port: 80 }], { externalIPs: ['192.0.2.11'] })];
      await backend.sync({ services: withExt, endpointSlices: [webSlice, slice('default', 'ext', 'ext-1', [{ port: 8080 }], [ep(POD_IP)])] }, true);
      assert.equal((await curl(net.client, 'http://192.0.2.10/')).body, BODY);
      // An external IP held by the node; the REJECT (not just a closed port) must answer: check its counter.
      await mustExec(node, 'ip', ['addr', 'add', '192.0.2.11/32', 'dev', 'br0']);
      const refused = await curl(net.client, 'http://192.0.2.11/');
      assert.equal(refused.code, 7);
      assert.ok(refused.ms < 2000, `took ${refused.ms} ms`);
      const counters = (await mustExec(node, 'iptables', ['-t', 'filter', '-L', 'KUBE-EXTERNAL-SERVICES', '-v', '-n', '-x'])).stdout;
      const rejectLine = counters.split('\n').find((l) => l.includes('192.0.2.11') && l.includes('REJECT')) ?? '';
      assert.ok(Number(rejectLine.trim().split(/\s+/)[0]) >= 1, counters);
      await mustExec(node, 'ip', ['addr', 'del', '192.0.2.11/32', 'dev', 'br0']);
      await backend.sync({ services, endpointSlices: [webSlice] }, false);
    });
    await t.test('random spread over 2 endpoints; ClientIP affinity sticks to one', async () => {
      await net.serve(8081, 'second');
      const two = [ep(POD_IP)];
      const lb = [...services,
        svc('default', 'lb', '10.96.0.40', [{ port: 80 }]),
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
      assert.ok(sticky.has(BODY) || sticky.has('second'));
      await backend.sync({ services, endpointSlices: [webSlice] }, false);
    });
    await t.test('ensureJumps is idempotent', async () => {
      await ensureJumps(node);
      await backend.sync({ services, endpointSlices: [webSlice] }, true);
      const nat = (await mustExec(node, 'iptables-save', ['-t', 'nat'])).stdout;
      assert.equal(nat.split('\n').filter((l) => l.startsWith('-A OUTPUT') && l.includes('-j KUBE-SERVICES')).length, 1);
      assert.equal(nat.split('\n').filter((l) => l.startsWith('-A POSTROUTING') && l.includes('-j KUBE-POSTROUTING')).length, 1);
      // Re-applying flushes and rebuilds our chains: no duplicated rules after many syncs.
      assert.equal(nat.split('\n').filter((l) => l.startsWith('-A KUBE-SERVICES') && l.includes('10.96.0.10/32')).length, 1);
      assert.equal(nat.split('\n').filter((l) => l.startsWith('-A KUBE-MARK-MASQ')).length, 1);
      const filter = (await mustExec(node, 'iptables-save', ['-t', 'filter'])).stdout;
      assert.equal(filter.split('\n').filter((l) => l.includes('10.96.0.20/32')).length, 1);
    });
    await t.test('a rule inserted above our POSTROUTING jump is overtaken on the next full sync', async () => {
      await mustExec(node, 'iptables', ['-t', 'nat', '-I', 'POSTROUTING', '1', '-s', '10.244.0.0/16', '-j', 'ACCEPT']);
      await backend.sync({ services, endpointSlices: [webSlice] }, true);
      const post = (await mustExec(node, 'iptables', ['-t', 'nat', '-S', 'POSTROUTING'])).stdout.split('\n').filter((l) => l.startsWith('-A '));
      assert.match(post[0] ?? '', /-j KUBE-POSTROUTING$/);
      assert.equal(post.filter((l) => l.endsWith('-j KUBE-POSTROUTING')).length, 1);
      assert.equal((await curl(pod, 'http://10.96.0.10/')).body, BODY, 'hairpin still works');
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
    await net.destroy();
  }
});
