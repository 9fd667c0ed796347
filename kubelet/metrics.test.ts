// The kubelet's /metrics: runKubelet (FakeClient for the API, FakeRuntime for containerd) serves
// kubelet_pod_start_duration_seconds, kubelet_pod_worker_duration_seconds, kubelet_running_pods and kubelet_running_containers on its
// healthz port (loopback), beside the process metrics, once a pod has started.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Node, Pod } from 'kubernetes-types/core/v1';
import { Registry } from 'prom-client';
import { Nodes, Pods } from '../apiserver/client/resources.ts';
import { FakeClient } from '../apiserver/testing/fake-client.ts';
import { freePort } from '../testutil/etcd.ts';
import { quietLogger } from '../testutil/log.ts';
import { waitFor } from '../testutil/wait.ts';
import { FakeRuntime } from './cri/fake.ts';
import { runKubelet } from './main.ts';
import { POD_START_BUCKETS, prometheusKubeletMetrics } from './metrics.ts';

const log = quietLogger('kubelet');

test('kube buckets and 0s before the first relist', async () => {
  assert.equal(POD_START_BUCKETS.length, 25);
  const registry = new Registry();
  prometheusKubeletMetrics(registry);
  const text = await registry.metrics();
  assert.match(text, /^kubelet_running_pods 0$/m);
  for (const s of ['created', 'running', 'exited', 'unknown']) assert.match(text, new RegExp(`^kubelet_running_containers\\{container_state="${s}"\\} 0$`, 'm'));
  assert.match(text, /^kubelet_pod_start_duration_seconds_bucket\{le="3600"\} 0$/m);
});

test('runKubelet serves the pod start and running pods/containers on /metrics of its healthz port', { timeout: 60_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-kubelet-metrics-'));
  const client = new FakeClient();
  const runtime = new FakeRuntime();
  const healthzPort = await freePort();
  const ac = new AbortController();
  const kubelet = runKubelet({
    apiUrl: 'http://127.0.0.1:1', nodeName: 'node-m', nodeIP: '10.1.2.3', containerdSocket: '/nonexistent.sock', rootDir: join(dir, 'kubelet'),
    cniBinDir: '/nonexistent', cniConfDir: join(dir, 'net.d'), port: await freePort(), healthzPort, log, client, runtime, manageCgroups: false,
  }, ac.signal);
  try {
    await waitFor(() => client.tryGet<Node>(Nodes, 'node-m'), 10_000, 'node registered', 50);
    await client.patch(Nodes, 'node-m', 'merge', { spec: { podCIDR: '10.244.9.0/24' } });
    await client.create<Pod>(Pods, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' },
      spec: { nodeName: 'node-m', containers: [{ name: 'app', image: 'busybox:1.0' }] },
    }, 'default');
    const text = await waitFor(async (note) => {
      const t = await (await fetch(`http://127.0.0.1:${healthzPort}/metrics`)).text();
      note(t.split('\n').filter((l) => l.startsWith('kubelet_')).join('; '));
      return /^kubelet_pod_start_duration_seconds_count 1$/m.test(t) && /^kubelet_running_pods 1$/m.test(t) && t;
    }, 30_000, 'pod start and running pod on /metrics', 100);
    assert.match(text, /^kubelet_running_containers\{container_state="running"\} 1$/m);
    assert.match(text, /^kubelet_pod_start_duration_seconds_bucket\{le="3600"\} 1$/m);
    assert.match(text, /^kubelet_pod_worker_duration_seconds_count\{operation_type="create"\} 1$/m);
    assert.match(text, /^process_resident_memory_bytes \d+/m);
    assert.equal((await client.get<Pod>(Pods, 'web', 'default')).status?.phase, 'Running');
  } finally {
    ac.abort();
    await kubelet;
    await rm(dir, { recursive: true, force: true });
  }
});
