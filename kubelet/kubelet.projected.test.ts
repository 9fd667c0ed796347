/**
 * Integration: runKubelet with projectServiceAccountTokens against the real
 * API server and etcd (FakeRuntime): the pod's kube-api-access volume holds a
 * TokenRequest token bound to the pod (the API's TokenReview accepts it as the
 * pod's ServiceAccount), ca.crt from kube-root-ca.crt and the namespace, and
 * is bind-mounted read-only at /var/run/secrets/kubernetes.io/serviceaccount.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigMap, Pod, ServiceAccount } from 'kubernetes-types/core/v1';
import type { KubeObject } from '../apiserver/api/object.ts';
import { ConfigMaps, Nodes, Pods, ServiceAccounts, type ResourceRef } from '../apiserver/client/resources.ts';
import { freePort } from '../testutil/etcd.ts';
import { quietLogger, startApiServerOrSkip } from '../testutil/real-api.ts';
import { waitFor } from '../testutil/wait.ts';
import { FakeRuntime } from './cri/fake.ts';
import { runKubelet } from './main.ts';

const TokenReviews: ResourceRef = { group: 'authentication.k8s.io', version: 'v1', resource: 'tokenreviews', kind: 'TokenReview', namespaced: false };
const until = <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> => waitFor(() => fn(), timeoutMs, what, 100);

test('kubelet projects a bound ServiceAccount token, ca.crt and namespace (real API server)', { timeout: 90_000 }, async (t) => {
  const api = await startApiServerOrSkip(t);
  if (!api) return;
  const dir = await mkdtemp(join(tmpdir(), 'skiff-kubelet-projected-'));
  const runtime = new FakeRuntime();
  const ac = new AbortController();
  const c = api.client;
  const kubelet = runKubelet({
    apiUrl: api.url, nodeName: 'node-a', nodeIP: '10.1.2.3', containerdSocket: '/nonexistent.sock', rootDir: join(dir, 'kubelet'),
    cniBinDir: '/usr/lib/cni', cniConfDir: join(dir, 'net.d'), port: await freePort(), healthzPort: await freePort(), log: quietLogger('kubelet'),
    client: c, runtime, manageCgroups: false, projectServiceAccountTokens: true,
  }, ac.signal);
  try {
    await until('node', () => c.tryGet(Nodes, 'node-a'));
    await c.patch(Nodes, 'node-a', 'merge', { spec: { podCIDR: '10.244.5.0/24' } });
    await c.create<ServiceAccount>(ServiceAccounts, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'default' } }, 'default');
    await c.create<ConfigMap>(ConfigMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: 'default' }, data: { 'ca.crt': 'PEM' } }, 'default');
    const pod = await c.create<Pod>(Pods, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' },
      spec: { nodeName: 'node-a', containers: [{ name: 'app', image: 'busybox:1.0' }] },
    }, 'default');
    await until('Running', async () => (await c.get<Pod>(Pods, 'web', 'default')).status?.phase === 'Running');
    const vol = pod.spec?.volumes?.find((v) => v.projected)?.name ?? '';
    const volDir = join(dir, 'kubelet', 'pods', pod.metadata?.uid ?? '', 'volumes', vol);
    const token = await readFile(join(volDir, 'token'), 'utf8');
    assert.equal(await readFile(join(volDir, 'ca.crt'), 'utf8'), 'PEM');
    assert.equal(await readFile(join(volDir, 'namespace'), 'utf8'), 'default');
    const mount = runtime.containersNamed('app')[0]?.config.mounts?.find((m) => m.container_path === '/var/run/secrets/kubernetes.io/serviceaccount');
    assert.deepEqual(mount, { container_path: '/var/run/secrets/kubernetes.io/serviceaccount', host_path: volDir, readonly: true });
    const review = await c.create<KubeObject & { status?: { authenticated?: boolean; user?: { username?: string; extra?: Record<string, string[]> } } }>(
      TokenReviews, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } } as KubeObject);
    assert.equal(review.status?.authenticated, true);
    assert.equal(review.status?.user?.username, 'system:serviceaccount:default:default');
    assert.deepEqual(review.status?.user?.extra?.['authentication.kubernetes.io/pod-name'], ['web']);
  } finally {
    ac.abort();
    await kubelet.catch(() => undefined);
    await api.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
