import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Namespace, Pod } from 'kubernetes-types/core/v1';
import type { NetworkPolicy } from 'kubernetes-types/networking/v1';
import { FakeClient } from '../../apiserver/testing/fake-client.ts';
import { createInformerFactory } from '../../apiserver/client/informer.ts';
import { Namespaces, NetworkPolicies, Pods } from '../../apiserver/client/resources.ts';
import type { Exec } from '../exec.ts';
import { quietLogger } from '../../testutil/real-api.ts';
import { waitFor } from '../../testutil/wait.ts';
import { NetworkPolicyController, podPolicyKey } from './controller.ts';
import { pod, policy } from './fixtures.test-util.ts';

test('podPolicyKey changes with what policies read, not with status noise', () => {
  const p = pod('ns', 'a', 'n1', '10.244.0.5', { app: 'a' }, [{ name: 'http', containerPort: 80 }]);
  const key = podPolicyKey(p);
  assert.equal(podPolicyKey({ ...p, status: { ...p.status, conditions: [{ type: 'Ready', status: 'True' }] } }), key);
  assert.notEqual(podPolicyKey({ ...p, metadata: { ...p.metadata, labels: { app: 'b' } } }), key);
  assert.notEqual(podPolicyKey({ ...p, status: { phase: 'Running', podIP: '10.244.0.6', podIPs: [{ ip: '10.244.0.6' }] } }), key);
  assert.notEqual(podPolicyKey({ ...p, status: { ...p.status, phase: 'Succeeded' } }), key);
  assert.notEqual(podPolicyKey({ ...p, spec: { ...p.spec!, containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 81 }] }] } }), key);
});

test('the controller applies one nft -f transaction per change and retries a failed one', { timeout: 20_000 }, async () => {
  const api = new FakeClient({ namespaces: ['ns'] });
  const calls: Array<{ args: string[]; input: string }> = [];
  let failNext = false;
  const exec: Exec = async (file, args, input) => {
    assert.equal(file, 'nft');
    calls.push({ args, input: input ?? '' });
    if (failNext) { failNext = false; return { exitCode: 1, stdout: '', stderr: 'Error: boom' }; }
    return { exitCode: 0, stdout: '', stderr: '' };
  };
  const created = await api.create<Pod>(Pods, pod('ns', 'web', 'n1', '10.244.0.5', { app: 'web' }), 'ns');
  await api.updateStatus<Pod>(Pods, { ...created, status: { phase: 'Running', podIP: '10.244.0.5', podIPs: [{ ip: '10.244.0.5' }] } }, 'ns');
  const ac = new AbortController();
  const factory = createInformerFactory(api, quietLogger('netpol'));
  const c = new NetworkPolicyController({
    nodeName: 'n1', policies: factory.for<NetworkPolicy>(NetworkPolicies), pods: factory.for<Pod>(Pods), namespaces: factory.for<Namespace>(Namespaces),
    exec, log: quietLogger('netpol'), minIntervalMs: 10,
  });
  try {
    factory.start(ac.signal);
    await factory.synced();
    c.start(ac.signal);
    await waitFor(() => calls.length === 1, 5000, 'first apply', 10);
    assert.deepEqual(calls[0]?.args, ['-f', '-']);
    assert.match(calls[0]?.input ?? '', /^add table inet skiff-netpol\ndelete table inet skiff-netpol\n/);

    failNext = true;
    await api.create(NetworkPolicies, policy('ns', 'deny', {}), 'ns');
    await waitFor(() => calls.length >= 3, 5000, 'failed apply retried', 10);
    assert.equal(calls[1]?.input, calls[2]?.input, 'the retry applies the same payload');
    assert.match(calls[2]?.input ?? '', /elements = \{ 10\.244\.0\.5 \}/);
  } finally {
    ac.abort();
    await c.idle();
  }
});
