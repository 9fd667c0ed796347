import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runControllerManager, CONTROLLERS } from './main.ts';
import { quietLogger, waitFor } from './testing/harness.ts';

// Port 1 on loopback refuses connections: informers keep retrying and never sync.
const unreachable = 'http://127.0.0.1:1';

test('runControllerManager: healthz is 503 until informers sync, and abort stops everything', async () => {
  const ac = new AbortController();
  let port = 0;
  const running = runControllerManager({
    apiUrl: unreachable, clusterCIDR: '10.244.0.0/16', nodeCIDRMaskSize: 24, healthzPort: 0, log: quietLogger('cm'), onListening: (p) => { port = p; },
  }, ac.signal);
  await waitFor('healthz listening', () => port > 0);
  const r = await fetch(`http://127.0.0.1:${port}/healthz`);
  assert.equal(r.status, 503);
  assert.equal(await r.text(), 'not ready');
  ac.abort();
  await running;
  await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`), 'healthz closed after abort');
});

test('runControllerManager rejects an invalid cluster CIDR', async () => {
  const ac = new AbortController();
  try {
    await assert.rejects(runControllerManager({ apiUrl: unreachable, clusterCIDR: 'not-a-cidr', nodeCIDRMaskSize: 24, healthzPort: 0, log: quietLogger('cm') }, ac.signal));
  } finally {
    ac.abort();
  }
});

test('runControllerManager rejects an unreadable service account key file', async () => {
  const ac = new AbortController();
  try {
    await assert.rejects(runControllerManager({
      apiUrl: unreachable, clusterCIDR: '10.244.0.0/16', nodeCIDRMaskSize: 24, healthzPort: 0, log: quietLogger('cm'), serviceAccountKeyFile: '/nonexistent/service.key',
    }, ac.signal), /ENOENT/);
  } finally {
    ac.abort();
  }
});

test('every controller is composed', () => {
  assert.deepEqual(CONTROLLERS.map((c) => c.name), ['deployment', 'replicaset', 'job', 'ttl-after-finished', 'garbagecollector', 'endpointslice', 'nodeipam', 'serviceaccount', 'root-ca-cert-publisher', 'serviceaccount-token', 'disruption', 'nodelifecycle', 'taint-eviction-controller', 'csrapproving', 'csrsigning', 'servicelb', 'kube-dns', 'ingress-tls']);
});
