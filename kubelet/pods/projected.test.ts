import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConfigMap, Pod, Service, ServiceAccount } from 'kubernetes-types/core/v1';
import type { KubeObject } from '../../apiserver/api/object.ts';
import { FakeClient, fakeApiError } from '../../apiserver/testing/fake-client.ts';
import type { ResourceRef } from '../../apiserver/client/resources.ts';
import { ConfigMaps, Pods, ServiceAccounts, Services } from '../../apiserver/client/resources.ts';
import { createInformer } from '../../apiserver/client/informer.ts';
import { createEventRecorder } from '../../apiserver/client/events.ts';
import { FakeClock } from '../../apiserver/client/workqueue.ts';
import { tokenVolumeSource } from '../../apiserver/registry/admission/service-account.ts';
import { quietLogger } from '../../testutil/log.ts';
import { FakeRuntime } from '../cri/fake.ts';
import { PodManager } from './manager.ts';
import { createTokenManager, projectedFiles, tokenRefreshDue, tokenRequestBody, type TokenManager } from './projected.ts';

const NODE = 'node-1';
const quiet = quietLogger('test');
const T0 = Date.parse('2026-01-01T00:00:00Z');

/** The FakeClient plus a TokenRequest endpoint that numbers the tokens it issues. */
class TokenFakeClient extends FakeClient {
  issued: KubeObject[] = [];
  override async createSubresource<T extends KubeObject>(ref: ResourceRef, name: string, subresource: string, body: KubeObject, namespace?: string): Promise<T> {
    if (ref.resource !== 'serviceaccounts' || subresource !== 'token') return super.createSubresource<T>(ref, name, subresource, body, namespace);
    if (!(await this.tryGet(ServiceAccounts, name, namespace))) throw fakeApiError(404, 'NotFound', `serviceaccounts "${name}" not found`);
    this.issued.push(body);
    const secs = (body as { spec?: { expirationSeconds?: number } }).spec?.expirationSeconds ?? 3600;
    const now = this.clockNow();
    return { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', status: { token: `token-${this.issued.length}`, expirationTimestamp: new Date(now + secs * 1000).toISOString() } } as KubeObject as T;
  }
  clockNow: () => number = () => T0;
}

const pod = (): Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'team', uid: 'u1' },
  spec: { serviceAccountName: 'builder', containers: [{ name: 'c', image: 'busybox' }] },
});

test('tokenRefreshDue: at 80 % of the lifetime, or after 24 h', () => {
  const t = { token: 'x', issuedAtMs: 0, expiresAtMs: 3600_000 };
  const cases: Array<[number, boolean]> = [[0, false], [2_879_999, false], [2_880_000, true], [3_600_000, true]];
  for (const [now, want] of cases) assert.equal(tokenRefreshDue(t, now), want, String(now));
  assert.equal(tokenRefreshDue({ token: 'x', issuedAtMs: 0, expiresAtMs: 48 * 3600_000 }, 24 * 3600_000 + 1), true);
});

test('tokenRequestBody binds the token to the pod', () => {
  assert.deepEqual(tokenRequestBody(pod(), { path: 'token', expirationSeconds: 3607, audience: 'vault' }), {
    apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: { name: 'builder', namespace: 'team' },
    spec: { audiences: ['vault'], expirationSeconds: 3607, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: 'u1' } },
  });
  assert.deepEqual((tokenRequestBody(pod(), { path: 'token' }) as { spec?: { audiences?: string[]; expirationSeconds?: number } }).spec?.audiences, []);
});

test('projectedFiles: token, ConfigMap items, downward API; a missing ConfigMap fails', () => {
  const f = { podIP: '10.0.0.1', hostIP: '192.168.0.1', nodeName: NODE };
  const src = { configMaps: new Map([['kube-root-ca.crt', { 'ca.crt': 'PEM', other: 'x' }]]), secrets: new Map() };
  const files = projectedFiles(pod(), tokenVolumeSource(), new Map([[0, 'tok']]), src, f);
  assert.deepEqual([...files], [['token', 'tok'], ['ca.crt', 'PEM'], ['namespace', 'team']]);
  assert.throws(() => projectedFiles(pod(), tokenVolumeSource(), new Map([[0, 'tok']]), { configMaps: new Map(), secrets: new Map() }, f), /configmap "kube-root-ca.crt" not found/);
});

test('the token manager caches until 80 % of the lifetime, then requests again', async () => {
  const client = new TokenFakeClient({ namespaces: ['team'] });
  await client.create<ServiceAccount>(ServiceAccounts, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder', namespace: 'team' } }, 'team');
  let now = T0;
  client.clockNow = () => now;
  const m = createTokenManager(client, () => now);
  const proj = { path: 'token', expirationSeconds: 3600 };
  assert.equal(await m.get(pod(), proj), 'token-1');
  now = T0 + 2_879_000;
  assert.equal(await m.get(pod(), proj), 'token-1');
  now = T0 + 2_880_000;
  assert.equal(await m.get(pod(), proj), 'token-2');
  assert.equal(client.issued.length, 2);
  m.forget('u1');
  assert.equal(m.size(), 0);
});

async function runPod(tokens: (client: TokenFakeClient, clock: FakeClock) => TokenManager | undefined, setup: (client: TokenFakeClient) => Promise<void>) {
  const client = new TokenFakeClient();
  const clock = new FakeClock(T0);
  client.clockNow = () => clock.now();
  const runtime = new FakeRuntime();
  runtime.now = () => clock.now();
  const rootDir = mkdtempSync(join(tmpdir(), 'skiff-kubelet-projected-'));
  const ac = new AbortController();
  const pods = createInformer<Pod>(client, Pods, { fieldSelector: `spec.nodeName=${NODE}` }, quiet);
  const services = createInformer<Service>(client, Services, {}, quiet);
  const recorder = createEventRecorder(client, 'kubelet', quiet, { host: NODE, now: () => clock.now() });
  const source = tokens(client, clock);
  const manager = new PodManager({
    client, pods, services, runtime, recorder, log: quiet, clock, nodeName: NODE, hostIP: '192.168.50.2', rootDir,
    dns: { servers: [], searches: [], options: [] }, manageCgroups: false, ...(source ? { tokens: source } : {}),
  });
  pods.start(ac.signal);
  services.start(ac.signal);
  const running = manager.run(ac.signal);
  await setup(client);
  // Admission gives the pod serviceAccountName default and the kube-api-access volume + mount.
  const created = await client.create<Pod>(Pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec: { nodeName: NODE, containers: [{ name: 'app', image: 'busybox:1.0' }] } }, 'default');
  const until = async (what: string, cond: () => boolean | Promise<boolean>): Promise<void> => {
    for (let i = 0; i < 60; i++) {
      await sleep(5);
      await manager.workers.idle();
      if (await cond()) return;
      clock.advance(1000);
    }
    assert.fail(`timed out waiting for ${what}`);
  };
  const stop = async (): Promise<void> => { ac.abort(); clock.advance(2000); await running; await Promise.race([recorder.flush(), sleep(1000)]); rmSync(rootDir, { recursive: true, force: true }); };
  const volName = created.spec?.volumes?.find((v) => v.projected)?.name ?? '';
  return { client, runtime, clock, rootDir, until, stop, created, source, volDir: join(rootDir, 'pods', created.metadata?.uid ?? '', 'volumes', volName) };
}

const running = (client: FakeClient) => async (): Promise<boolean> => (await client.tryGet<Pod>(Pods, 'web', 'default'))?.status?.phase === 'Running';

test('kubelet with a token manager: writes token, ca.crt and namespace, bind-mounts them read-only, refreshes the token', async () => {
  const h = await runPod((client, clock) => createTokenManager(client, () => clock.now()), async (client) => {
    await client.create<ServiceAccount>(ServiceAccounts, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'default' } }, 'default');
    await client.create<ConfigMap>(ConfigMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: 'default' }, data: { 'ca.crt': 'PEM' } }, 'default');
  });
  try {
    await h.until('Running', running(h.client));
    assert.equal(readFileSync(join(h.volDir, 'token'), 'utf8'), 'token-1');
    assert.equal(readFileSync(join(h.volDir, 'ca.crt'), 'utf8'), 'PEM');
    assert.equal(readFileSync(join(h.volDir, 'namespace'), 'utf8'), 'default');
    assert.equal(statSync(join(h.volDir, 'token')).mode & 0o777, 0o644);
    const [c] = [...h.runtime.containers.values()];
    assert.deepEqual(c?.config.mounts?.find((m) => m.container_path === '/var/run/secrets/kubernetes.io/serviceaccount'), { container_path: '/var/run/secrets/kubernetes.io/serviceaccount', host_path: h.volDir, readonly: true });
    const body = h.client.issued[0] as { spec?: { expirationSeconds?: number; boundObjectRef?: { name?: string; uid?: string } } };
    assert.deepEqual([body.spec?.expirationSeconds, body.spec?.boundObjectRef?.name, body.spec?.boundObjectRef?.uid], [3607, 'web', h.created.metadata?.uid]);
    // 80 % of 3607 s later a resync writes a fresh token.
    h.clock.advance(Math.ceil(3607 * 0.8) * 1000);
    await h.until('token refreshed', () => existsSync(join(h.volDir, 'token')) && readFileSync(join(h.volDir, 'token'), 'utf8') === 'token-2');
    assert.equal(h.source?.size(), 1);
    // A deleted pod's tokens are dropped.
    await h.client.delete(Pods, 'web', 'default', { gracePeriodSeconds: 0 });
    await h.until('tokens forgotten', () => h.source?.size() === 0);
  } finally {
    await h.stop();
  }
});

test('kubelet with a token manager: a missing ServiceAccount is FailedMount and the pod does not start', async () => {
  const h = await runPod((client, clock) => createTokenManager(client, () => clock.now()), async () => undefined);
  try {
    await h.until('FailedMount', async () => (await h.client.list<KubeObject & { reason?: string }>({ group: '', version: 'v1', resource: 'events', kind: 'Event', namespaced: true }, { namespace: 'default' })).items.some((e) => e.reason === 'FailedMount'));
    assert.equal(h.runtime.containers.size, 0);
  } finally {
    await h.stop();
  }
});

test('kubelet without a token manager skips the projected volume: the pod runs, nothing is mounted there', async () => {
  const h = await runPod(() => undefined, async () => undefined);
  try {
    assert.ok(h.created.spec?.volumes?.some((v) => v.projected), 'admission added the volume');
    await h.until('Running', running(h.client));
    const [c] = [...h.runtime.containers.values()];
    assert.equal(c?.config.mounts?.some((m) => m.container_path === '/var/run/secrets/kubernetes.io/serviceaccount'), false);
    assert.equal(existsSync(h.volDir), false);
  } finally {
    await h.stop();
  }
});
