/**
 * REAL packet-path test of loadBalancerSourceRanges in both proxy modes,
 * inside network namespaces this test creates (testnet.test-util.ts; no
 * default route anywhere), deleted at the end. The LoadBalancer IP is a
 * local address of the "node" with nothing listening on it, so a packet the
 * firewall lets through un-DNATed would be refused at once (curl exit 7):
 * only a real drop shows as a timeout (curl exit 28). Because the LB IP is
 * local, the node's own requests to it leave with source = the LB IP: the
 * allowFromNode case.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from 'kubernetes-types/core/v1';
import { createLogger } from '../apiserver/api/log.ts';
import type { ProxyState } from './backend.ts';
import { mustExec } from './exec.ts';
import { ep, slice, svc } from './fixtures.test-util.ts';
import { IptablesBackend } from './iptables.ts';
import { NftablesBackend } from './nft/nftables.ts';
import { ensureServiceRoute } from './route.ts';
import { CLIENT_IP, createTestNet, NODE_IP, POD_IP, realNetSkipReason, SERVICE_CIDR } from './testnet.test-util.ts';

const BODY = 'skiff-fw-ok';
const LB_IP = '192.0.2.90';
const CONFIG = { serviceCIDR: SERVICE_CIDR, clusterCIDR: '10.244.0.0/16', nodeName: 'n1' };

/** The state of one LoadBalancer Service (port 80 → the pod's 8080, node port 30110) with `ranges`, on a node with `nodeIPs`. */
function state(ranges: string[], nodeIPs: string[] = []): ProxyState {
  const service: Service = {
    ...svc('default', 'fw', '10.96.0.95', [{ port: 80, targetPort: 8080, nodePort: 30110 }], { type: 'LoadBalancer', loadBalancerSourceRanges: ranges }),
    status: { loadBalancer: { ingress: [{ ip: LB_IP }] } },
  };
  return { services: [service], endpointSlices: [slice('default', 'fw', 'fw-1', [{ port: 8080 }], [ep(POD_IP, true, { nodeName: 'n1' })])], nodeIPs };
}

/** The node holds LB_IP on lo (the service route and bridge netfilter set up), the client routes it via the node, and the backend serves BODY on 8080. */
async function holdLoadBalancerIP(net: Awaited<ReturnType<typeof createTestNet>>): Promise<void> {
  const { node, client } = net;
  await mustExec(node, 'sysctl', ['-qw', 'net.bridge.bridge-nf-call-iptables=1']);
  await ensureServiceRoute(node, SERVICE_CIDR);
  await mustExec(node, 'ip', ['addr', 'add', `${LB_IP}/32`, 'dev', 'lo']);
  await mustExec(client, 'ip', ['route', 'add', `${LB_IP}/32`, 'via', NODE_IP]);
  await net.serve(8080, BODY);
}

for (const mode of ['iptables', 'nftables'] as const) {
  test(`loadBalancerSourceRanges, ${mode} mode: allowed sources reach the LB IP, others are dropped; the node port is not firewalled`, async (t) => {
    const reason = realNetSkipReason();
    if (reason) { t.skip(reason); return; }
    const net = await createTestNet(mode === 'iptables' ? 'fwi' : 'fwn');
    const { node, client, curl } = net;
    try {
      await holdLoadBalancerIP(net);
      const log = createLogger('fw-test');
      const backend = mode === 'iptables' ? new IptablesBackend(CONFIG, log, node) : new NftablesBackend(CONFIG, log, node);
      const lbFromClient = (): Promise<number> => client('curl', ['-sS', '-m', '1', `http://${LB_IP}/`]).then((r) => r.exitCode);

      await backend.sync(state([`${CLIENT_IP}/32`, '172.16.0.0/12']), true);
      assert.equal((await curl(client, `http://${LB_IP}/`)).body, BODY, 'the client is in the ranges');

      await backend.sync(state(['172.16.0.0/12']), false);
      assert.equal(await lbFromClient(), 28, 'outside the ranges: dropped (timeout), not refused and not served');
      assert.equal((await curl(client, `http://${NODE_IP}:30110/`)).body, BODY, 'the node port is not firewalled');

      await backend.sync(state(['10.244.0.0/24']), false);
      assert.equal((await curl(client, `http://${LB_IP}/`)).body, BODY, 'a range holding the client lets it in again');

      await backend.sync(state(['172.16.0.0/12']), true);
      assert.equal(await lbFromClient(), 28, 'a full resync keeps the firewall');
      await backend.sync(state([]), false);
      assert.equal((await curl(client, `http://${LB_IP}/`)).body, BODY, 'no ranges: open to all');
      await backend.cleanup();
      assert.equal(await lbFromClient(), 7, 'after cleanup nothing DNATs or drops: the node refuses');
    } finally {
      await net.destroy();
    }
  });
}

for (const mode of ['iptables', 'nftables'] as const) {
  test(`loadBalancerSourceRanges allowFromNode, ${mode} mode: the node reaches its own LB IP (source = the LB IP) when a range holds the node IP, not otherwise`, async (t) => {
    const reason = realNetSkipReason();
    if (reason) { t.skip(reason); return; }
    const net = await createTestNet(mode === 'iptables' ? 'afi' : 'afn');
    const { node, client, curl } = net;
    try {
      await holdLoadBalancerIP(net);
      // The premise: the node's own packets to the LB IP carry the LB IP as their source.
      const route = await mustExec(node, 'ip', ['route', 'get', LB_IP]);
      assert.match(route.stdout, new RegExp(`src ${LB_IP.replace(/\./g, '\\.')}\\b`), route.stdout);
      const backend = mode === 'iptables' ? new IptablesBackend(CONFIG, createLogger('fw-test'), node) : new NftablesBackend(CONFIG, createLogger('fw-test'), node);
      const lbFromNode = (): Promise<number> => node('curl', ['-sS', '-m', '1', `http://${LB_IP}/`]).then((r) => r.exitCode);
      const nodeOnly = [`${NODE_IP}/32`];

      await backend.sync(state(nodeOnly, []), true);
      assert.equal(await lbFromNode(), 28, 'node IPs unknown: the node\'s request (source = LB IP) is dropped');

      await backend.sync(state(nodeOnly, [NODE_IP]), false);
      assert.equal((await curl(node, `http://${LB_IP}/`)).body, BODY, 'a range holds the node IP: the LB IP is an allowed source');
      assert.equal(await client('curl', ['-sS', '-m', '1', `http://${LB_IP}/`]).then((r) => r.exitCode), 28, 'the client is still outside the ranges');

      await backend.sync(state([`${CLIENT_IP}/32`], [NODE_IP]), false);
      assert.equal(await lbFromNode(), 28, 'no range holds the node IP: the node\'s request is dropped');
      assert.equal((await curl(client, `http://${LB_IP}/`)).body, BODY, 'the client is in the ranges');

      await backend.sync(state(nodeOnly, [NODE_IP]), true);
      assert.equal((await curl(node, `http://${LB_IP}/`)).body, BODY, 'a full resync keeps the exception');
      await backend.cleanup();
    } finally {
      await net.destroy();
    }
  });
}
