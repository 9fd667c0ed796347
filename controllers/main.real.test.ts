/**
 * The controller manager against the real API server and etcd: a Deployment
 * of 3 gets its ReplicaSet and 3 pods with the right owners; once the test
 * (playing the kubelet) marks the pods ready, the status reaches 3 available
 * and `kubectl rollout status` completes; a template change rolls out; a
 * background delete of the Deployment is cascaded by the garbage collector.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Pod } from 'kubernetes-types/core/v1';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1';
import { Deployments, Pods, ReplicaSets } from '../apiserver/client/resources.ts';
import type { ApiClient } from '../apiserver/client/types.ts';
import { runControllerManager } from './main.ts';
import { waitFor } from './testing/harness.ts';
import { quietLogger, startApiServerOrSkip } from '../testutil/real-api.ts';

const run = promisify(execFile);

async function markReady(client: ApiClient): Promise<void> {
  const pods = (await client.list<Pod>(Pods, { namespace: 'default' })).items;
  for (const p of pods) {
    if (p.metadata?.deletionTimestamp || p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) continue;
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    await client.patch(Pods, p.metadata?.name ?? '', 'merge', {
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] },
    }, 'default', 'status').catch(() => undefined);
  }
}

/** Deletes pods that have a deletionTimestamp (what the kubelet does once containers stopped). */
async function finishTerminating(client: ApiClient): Promise<void> {
  const pods = (await client.list<Pod>(Pods, { namespace: 'default' })).items;
  for (const p of pods) {
    if (!p.metadata?.deletionTimestamp) continue;
    await client.delete(Pods, p.metadata.name ?? '', 'default', { gracePeriodSeconds: 0 }).catch(() => undefined);
  }
}

test('controller manager against the real API server: deployment → RS → pods, available, rollout, cascade delete', { timeout: 120_000 }, async (t) => {
  const api = await startApiServerOrSkip(t);
  if (!api) return;
  const ac = new AbortController();
  const kubelet = new AbortController();
  let healthz = 0;
  const cm = runControllerManager({
    apiUrl: api.url, clusterCIDR: '10.244.0.0/16', nodeCIDRMaskSize: 24, healthzPort: 0, log: quietLogger('cm'), onListening: (p) => { healthz = p; },
  }, ac.signal);
  try {
    const client = api.client;
    await waitFor('healthz ok', async () => {
      if (!healthz) return false;
      const r = await fetch(`http://127.0.0.1:${healthz}/healthz`).catch(() => undefined);
      return r?.status === 200 && (await r.text()) === 'ok';
    }, 20_000);
    await client.create<Deployment>(Deployments, {
      apiVersion: 'apps/v1', kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } },
      },
    }, 'default');
    await waitFor('3 pods', async () => (await client.list<Pod>(Pods, { namespace: 'default' })).items.length === 3, 20_000);
    const d = await client.get<Deployment>(Deployments, 'web', 'default');
    const rses = (await client.list<ReplicaSet>(ReplicaSets, { namespace: 'default' })).items;
    assert.equal(rses.length, 1);
    const rs = rses[0];
    assert.match(rs.metadata?.name ?? '', /^web-[a-z0-9]{1,10}$/);
    assert.equal(rs.metadata?.ownerReferences?.[0]?.uid, d.metadata?.uid);
    assert.equal(rs.metadata?.ownerReferences?.[0]?.kind, 'Deployment');
    const pods = (await client.list<Pod>(Pods, { namespace: 'default' })).items;
    for (const p of pods) {
      assert.equal(p.metadata?.ownerReferences?.[0]?.uid, rs.metadata?.uid);
      assert.equal(p.metadata?.ownerReferences?.[0]?.controller, true);
      assert.equal(p.metadata?.labels?.['pod-template-hash'], rs.metadata?.labels?.['pod-template-hash']);
    }

    // Play the kubelet: pods become ready, terminating pods finish.
    void (async () => {
      while (!kubelet.signal.aborted) {
        await markReady(client).catch(() => undefined);
        await finishTerminating(client).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await waitFor('availableReplicas 3', async () => (await client.get<Deployment>(Deployments, 'web', 'default')).status?.availableReplicas === 3, 20_000);
    const done = await client.get<Deployment>(Deployments, 'web', 'default');
    assert.equal(done.status?.conditions?.find((c) => c.type === 'Progressing')?.reason, 'NewReplicaSetAvailable');

    const kubectl = '/usr/lib/google-cloud-sdk/bin/kubectl.1.33';
    if (existsSync(kubectl)) {
      const out = await run(kubectl, ['--server', api.url, 'rollout', 'status', 'deployment/web', '-n', 'default', '--timeout=30s'], { timeout: 40_000 });
      assert.match(out.stdout, /successfully rolled out/);
    }

    // Template change rolls out to a new RS.
    await client.patch(Deployments, 'web', 'merge', { spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx:2' }] } } } }, 'default');
    if (existsSync(kubectl)) {
      const out = await run(kubectl, ['--server', api.url, 'rollout', 'status', 'deployment/web', '-n', 'default', '--timeout=60s'], { timeout: 70_000 });
      assert.match(out.stdout, /successfully rolled out/);
    }
    await waitFor('second rollout', async () => {
      const x = await client.get<Deployment>(Deployments, 'web', 'default');
      const live = (await client.list<Pod>(Pods, { namespace: 'default' })).items;
      return (x.status?.observedGeneration ?? 0) >= (x.metadata?.generation ?? 0) && x.status?.updatedReplicas === 3 && x.status?.availableReplicas === 3
        && x.status?.replicas === 3 && live.length === 3 && live.every((p) => p.spec?.containers[0].image === 'nginx:2');
    }, 30_000);

    // Cascade: delete the deployment in the background; the GC removes RSes and pods.
    await client.delete(Deployments, 'web', 'default', { propagationPolicy: 'Background' });
    await waitFor('cascade', async () =>
      (await client.list(ReplicaSets, { namespace: 'default' })).items.length === 0
      && (await client.list(Pods, { namespace: 'default' })).items.length === 0, 20_000);
  } finally {
    kubelet.abort();
    ac.abort();
    await cm.catch(() => undefined);
    await api.stop();
  }
});

test('garbage collector against the real API server: foreground and orphan deletion', { timeout: 120_000 }, async (t) => {
  const api = await startApiServerOrSkip(t);
  if (!api) return;
  const ac = new AbortController();
  const kubelet = new AbortController();
  const cm = runControllerManager({
    apiUrl: api.url, clusterCIDR: '10.244.0.0/16', nodeCIDRMaskSize: 24, healthzPort: 0, log: quietLogger('cm'),
    controllers: ['deployment', 'replicaset', 'garbagecollector'],
  }, ac.signal);
  try {
    const client = api.client;
    void (async () => {
      while (!kubelet.signal.aborted) {
        await markReady(client).catch(() => undefined);
        await finishTerminating(client).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    for (const name of ['fg', 'keep']) {
      await client.create<Deployment>(Deployments, {
        metadata: { name, namespace: 'default' },
        spec: { replicas: 2, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
      }, 'default');
    }
    const podsOf = async (app: string): Promise<Pod[]> => (await client.list<Pod>(Pods, { namespace: 'default', labelSelector: `app=${app}` })).items;
    await waitFor('both deployments available', async () => {
      const ds = (await client.list<Deployment>(Deployments, { namespace: 'default' })).items;
      return ds.length === 2 && ds.every((d) => d.status?.availableReplicas === 2);
    }, 20_000);

    await client.delete(Deployments, 'fg', 'default', { propagationPolicy: 'Foreground' });
    await waitFor('foreground cascade', async () =>
      (await client.tryGet(Deployments, 'fg', 'default')) === undefined
      && (await client.list(ReplicaSets, { namespace: 'default', labelSelector: 'app=fg' })).items.length === 0
      && (await podsOf('fg')).length === 0, 20_000);

    await client.delete(Deployments, 'keep', 'default', { propagationPolicy: 'Orphan' });
    await waitFor('deployment gone, RS orphaned', async () => {
      if ((await client.tryGet(Deployments, 'keep', 'default')) !== undefined) return false;
      const rs = (await client.list<ReplicaSet>(ReplicaSets, { namespace: 'default', labelSelector: 'app=keep' })).items;
      return rs.length === 1 && (rs[0].metadata?.ownerReferences ?? []).length === 0;
    }, 20_000);
    // Give the GC a moment to (wrongly) act; the orphaned RS and its pods must stay.
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await podsOf('keep')).length, 2);
    assert.equal((await client.list(ReplicaSets, { namespace: 'default', labelSelector: 'app=keep' })).items.length, 1);
  } finally {
    kubelet.abort();
    ac.abort();
    await cm.catch(() => undefined);
    await api.stop();
  }
});

test('adoption against the real API server: an RS adopts a matching orphan pod, a Deployment adopts a matching orphan RS', { timeout: 120_000 }, async (t) => {
  const api = await startApiServerOrSkip(t);
  if (!api) return;
  const ac = new AbortController();
  let cm: Promise<void> | undefined;
  try {
    const client = api.client;
    // Both exist before the controllers start, so their first list holds both. (Created while
    // running, the RS event may beat the pod's — separate watches have no common order, in
    // Kubernetes too — and the RS would briefly create a pod of its own before adopting.)
    const orphan = await client.create<Pod>(Pods, { metadata: { name: 'stray', namespace: 'default', labels: { app: 'adopt' } }, spec: { containers: [{ name: 'c', image: 'x' }] } }, 'default');
    const rs = await client.create<ReplicaSet>(ReplicaSets, {
      metadata: { name: 'handmade', namespace: 'default', labels: { app: 'adopt' } },
      spec: { replicas: 1, selector: { matchLabels: { app: 'adopt' } }, template: { metadata: { labels: { app: 'adopt' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
    }, 'default');
    cm = runControllerManager({
      apiUrl: api.url, clusterCIDR: '10.244.0.0/16', nodeCIDRMaskSize: 24, healthzPort: 0, log: quietLogger('cm'),
      controllers: ['deployment', 'replicaset', 'garbagecollector'],
    }, ac.signal);
    await waitFor('pod adopted by the RS', async () => (await client.get<Pod>(Pods, 'stray', 'default')).metadata?.ownerReferences?.[0]?.uid === rs.metadata?.uid, 20_000);
    await new Promise((r) => setTimeout(r, 300));
    const pods = (await client.list<Pod>(Pods, { namespace: 'default' })).items;
    assert.deepEqual(pods.map((p) => p.metadata?.uid), [orphan.metadata?.uid], 'the adopted pod counts: no extra pod created');

    const d = await client.create<Deployment>(Deployments, {
      metadata: { name: 'adopt', namespace: 'default' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'adopt' } }, template: { metadata: { labels: { app: 'adopt', v: '2' } }, spec: { containers: [{ name: 'c', image: 'y' }] } } },
    }, 'default');
    await waitFor('RS adopted by the deployment', async () => (await client.get<ReplicaSet>(ReplicaSets, 'handmade', 'default')).metadata?.ownerReferences?.[0]?.uid === d.metadata?.uid, 20_000);
    // The deployment creates its own RS for the new template after adopting; wait for it
    // rather than racing it, then check that nothing beyond those two exists.
    await waitFor('the deployment\'s new RS', async () => (await client.list<ReplicaSet>(ReplicaSets, { namespace: 'default' })).items.some((r) => r.metadata?.name !== 'handmade'), 20_000);
    const owned = (await client.list<ReplicaSet>(ReplicaSets, { namespace: 'default' })).items;
    assert.equal(owned.length, 2, `the adopted RS plus the deployment's new one, saw ${owned.map((r) => r.metadata?.name).join(', ')}`);
    assert.ok(owned.every((r) => r.metadata?.ownerReferences?.[0]?.uid === d.metadata?.uid), 'both ReplicaSets are owned by the deployment');
  } finally {
    ac.abort();
    await cm?.catch(() => undefined);
    await api.stop();
  }
});
