import { test } from 'node:test';
import assert from 'node:assert/strict';
import { healthAnswer, ServiceHealthServer, serviceHealthTargets } from './service-health.ts';
import { ep, slice, svc } from './fixtures.test-util.ts';
import { quietLogger } from '../testutil/log.ts';
import { createServer, type AddressInfo } from 'node:net';

/** A loopback port that was free a moment ago. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

const lb = (name: string, port: number, extra = {}) => svc('ns', name, '10.96.0.9', [{ port: 80, nodePort: 30080 }],
  { type: 'LoadBalancer', externalTrafficPolicy: 'Local', healthCheckNodePort: port, ...extra });

test('serviceHealthTargets: LoadBalancer + Local services, counting distinct ready endpoints on this node', () => {
  const targets = serviceHealthTargets([
    lb('web', 32001), lb('none-here', 32002), lb('cluster', 32003, { externalTrafficPolicy: 'Cluster' }),
    svc('ns', 'np', '10.96.0.8', [{ port: 80 }], { type: 'NodePort', externalTrafficPolicy: 'Local' }),
  ], [
    slice('ns', 'web', 'w-1', [{ port: 80 }], [ep('10.244.0.5', true, { nodeName: 'n1' }), ep('10.244.0.6', false, { nodeName: 'n1' }), ep('10.244.1.5', true, { nodeName: 'n2' })]),
    slice('ns', 'web', 'w-2', [{ port: 80 }], [ep('10.244.0.5', true, { nodeName: 'n1' }), ep('10.244.0.7', true, { nodeName: 'n1' })]),
    slice('ns', 'none-here', 'n-1', [{ port: 80 }], [ep('10.244.1.6', true, { nodeName: 'n2' })]),
  ], 'n1');
  assert.deepEqual([...targets], [
    [32001, { namespace: 'ns', name: 'web', localEndpoints: 2 }],
    [32002, { namespace: 'ns', name: 'none-here', localEndpoints: 0 }],
  ]);
});

test('healthAnswer: 200 only with a local endpoint and a healthy proxy, kube-proxy headers and body', () => {
  const ok = healthAnswer({ namespace: 'ns', name: 'web', localEndpoints: 2 }, true);
  assert.equal(ok.code, 200);
  assert.deepEqual(JSON.parse(ok.body), { service: { namespace: 'ns', name: 'web' }, localEndpoints: 2, serviceProxyHealthy: true });
  assert.equal(ok.headers['X-Load-Balancing-Endpoint-Weight'], '2');
  assert.equal(ok.headers['X-Content-Type-Options'], 'nosniff');
  assert.equal(healthAnswer({ namespace: 'ns', name: 'web', localEndpoints: 0 }, true).code, 503);
  assert.equal(healthAnswer({ namespace: 'ns', name: 'web', localEndpoints: 2 }, false).code, 503);
});

test('ServiceHealthServer on loopback: listeners follow the targets, answers follow the counts', async () => {
  let healthy = true;
  const server = new ServiceHealthServer('127.0.0.1', () => healthy, quietLogger('t'));
  const get = async (port: number) => {
    const r = await fetch(`http://127.0.0.1:${port}/`);
    return { code: r.status, body: await r.json() as { localEndpoints: number } };
  };
  const a = await freePort();
  const b = await freePort();
  try {
    await server.sync(new Map([[a, { namespace: 'ns', name: 'a', localEndpoints: 1 }], [b, { namespace: 'ns', name: 'b', localEndpoints: 0 }]]));
    assert.deepEqual(server.ports(), [a, b].sort((x, y) => x - y), 'sorted by port');
    assert.deepEqual(await get(a), { code: 200, body: { service: { namespace: 'ns', name: 'a' }, localEndpoints: 1, serviceProxyHealthy: true } });
    assert.equal((await get(b)).code, 503);
    healthy = false;
    assert.equal((await get(a)).code, 503, 'an unhealthy proxy fails every health check');
    healthy = true;
    await server.sync(new Map([[b, { namespace: 'ns', name: 'b', localEndpoints: 3 }]]));
    assert.deepEqual(server.ports(), [b]);
    assert.equal((await get(b)).code, 200);
    await assert.rejects(fetch(`http://127.0.0.1:${a}/`), 'the dropped port is closed');
  } finally {
    server.close();
  }
});
