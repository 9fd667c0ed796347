/**
 * REAL test of the proxy's LoadBalancer rules in a test network
 * (proxy/testnet.test-util.ts: a node namespace with a bridge and two pod
 * namespaces, no default route): with no pool the ingress IP is the node's
 * own IP and the Service port answers on it; a pool address held by the node
 * answers on the Service port; without endpoints both are refused by our
 * REJECT; a ClusterIP Service with a stale ingress gets no rule.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from 'kubernetes-types/core/v1';
import { createLogger } from '../../apiserver/api/log.ts';
import { mustExec } from '../exec.ts';
import { cleanupRules, IptablesBackend } from '../iptables.ts';
import { ensureServiceRoute, removeServiceRoute } from '../route.ts';
import { ep, slice, svc } from '../fixtures.test-util.ts';
import { createTestNet, NODE_IP, POD_IP, realNetSkipReason, SERVICE_CIDR } from '../testnet.test-util.ts';

const BODY = 'skiff-lb-backend';
const POOL_IP = '192.0.2.40';

function lb(name: string, clusterIP: string, port: number, ingress: string[], type = 'LoadBalancer'): Service {
  return { ...svc('default', name, clusterIP, [{ port, targetPort: 8080 }], { type }), status: { loadBalancer: { ingress: ingress.map((ip) => ({ ip, ipMode: 'VIP' })) } } };
}

test('LoadBalancer ingress IPs answer on the Service port (node IP without a pool, a held pool address with one)', async (t) => {
  const reason = realNetSkipReason();
  if (reason) { t.skip(reason); return; }
  const net = await createTestNet('slbr');
  const { node, client } = net;
  try {
    await ensureServiceRoute(node, SERVICE_CIDR);
    await net.serve(8080, BODY);
    await mustExec(client, 'ip', ['route', 'add', `${POOL_IP}/32`, 'via', NODE_IP]);
    await mustExec(node, 'ip', ['addr', 'add', `${POOL_IP}/32`, 'dev', 'br0', 'metric', '250']);
    const backend = new IptablesBackend({ serviceCIDR: SERVICE_CIDR, clusterCIDR: '10.244.0.0/16', nodeName: 'n1' }, createLogger('servicelb-rules'), node);
    const services = [
      lb('nodeip', '10.96.0.60', 8090, [NODE_IP]),
      lb('pool', '10.96.0.61', 8091, [POOL_IP]),
      lb('stale', '10.96.0.62', 8092, [NODE_IP], 'ClusterIP'),
    ];
    const slices = ['nodeip', 'pool', 'stale'].map((n) => slice('default', n, `${n}-1`, [{ port: 8080 }], [ep(POD_IP)]));
    await backend.sync({ services, endpointSlices: slices }, true);

    assert.equal((await net.curl(client, `http://${NODE_IP}:8090/`)).body, BODY, 'no pool: the node\'s own IP on the Service port');
    assert.equal((await net.curl(client, `http://${POOL_IP}:8091/`)).body, BODY, 'a pool address the node holds');
    const stale = await net.curl(client, `http://${NODE_IP}:8092/`);
    assert.notEqual(stale.body, BODY, 'a ClusterIP Service\'s leftover ingress gets no rule');

    // Without endpoints: refused by our REJECT (its counter moves), quickly.
    await backend.sync({ services, endpointSlices: [] }, false);
    for (const url of [`http://${NODE_IP}:8090/`, `http://${POOL_IP}:8091/`]) {
      const r = await net.curl(client, url);
      assert.equal(r.code, 7, url);
      assert.ok(r.ms < 2000, `${url} took ${r.ms} ms`);
    }
    const counters = (await mustExec(node, 'iptables', ['-t', 'filter', '-L', 'KUBE-EXTERNAL-SERVICES', '-v', '-n', '-x'])).stdout;
    for (const ip of [NODE_IP, POOL_IP]) {
      const line = counters.split('\n').find((l) => l.includes(ip) && l.includes('REJECT')) ?? '';
      assert.ok(Number(line.trim().split(/\s+/)[0]) >= 1, `${ip}: ${counters}`);
    }
  } finally {
    await cleanupRules(node).catch(() => undefined);
    await removeServiceRoute(node, SERVICE_CIDR).catch(() => undefined);
    await net.destroy();
  }
});
