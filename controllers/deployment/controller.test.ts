import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event, Pod } from 'kubernetes-types/core/v1';
import type { Deployment, DeploymentStrategy, ReplicaSet } from 'kubernetes-types/apps/v1';
import { Deployments, Events, Pods, ReplicaSets } from '../../apiserver/client/resources.ts';
import type { FakeClient } from '../../apiserver/testing/fake-client.ts';
import { startReplicaSetController } from '../replicaset/controller.ts';
import { startDeploymentController } from './controller.ts';
import { podTemplateHash } from './hash.ts';
import { harness, waitFor } from '../testing/harness.ts';

function deployment(replicas: number, image: string, strategy: DeploymentStrategy | undefined): Deployment {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      strategy,
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } },
    },
  };
}

/** Plays the kubelet: every pod that exists becomes Running and Ready. */
function fakeKubelet(client: FakeClient, signal: AbortSignal): void {
  const tick = async (): Promise<void> => {
    while (!signal.aborted) {
      const pods = (await client.list<Pod>(Pods, { namespace: 'default' })).items;
      for (const p of pods) {
        if (p.status?.phase === 'Running' || p.metadata?.deletionTimestamp) continue;
        await client.patch(Pods, p.metadata?.name ?? '', 'merge', {
          status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date().toISOString() }] },
        }, 'default', 'status').catch(() => undefined);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  void tick();
}

async function rolloutDone(client: FakeClient): Promise<boolean> {
  const d = await client.get<Deployment>(Deployments, 'web', 'default');
  const s = d.status ?? {};
  const want = d.spec?.replicas ?? 1;
  return (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) && s.updatedReplicas === want && s.replicas === want && s.availableReplicas === want;
}

/** Samples the live pods every few ms: the most pods ever present and the fewest ready ones. */
function monitor(client: FakeClient, signal: AbortSignal): { maxPods: number; minReady: number } {
  const seen = { maxPods: 0, minReady: Number.MAX_SAFE_INTEGER };
  void (async () => {
    while (!signal.aborted) {
      const pods = (await client.list<Pod>(Pods, { namespace: 'default' })).items.filter((p) => !p.metadata?.deletionTimestamp);
      seen.maxPods = Math.max(seen.maxPods, pods.length);
      seen.minReady = Math.min(seen.minReady, pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length);
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  return seen;
}

async function runScenario(strategy: DeploymentStrategy | undefined, bounds?: { maxPods: number; minReady: number }): Promise<void> {
  const h = harness();
  const ac = new AbortController();
  try {
    await h.client.create(Deployments, deployment(3, 'nginx:1', strategy));
    startReplicaSetController(h.deps, ac.signal);
    startDeploymentController(h.deps, ac.signal);
    await h.start();
    fakeKubelet(h.client, ac.signal);
    await waitFor('first rollout', () => rolloutDone(h.client), 5000);

    let d = await h.client.get<Deployment>(Deployments, 'web', 'default');
    const hash1 = podTemplateHash(d.spec?.template);
    const rs1 = await h.client.get<ReplicaSet>(ReplicaSets, `web-${hash1}`, 'default');
    assert.equal(rs1.metadata?.ownerReferences?.[0]?.uid, d.metadata?.uid);
    assert.equal(rs1.metadata?.ownerReferences?.[0]?.controller, true);
    assert.equal(rs1.metadata?.labels?.['pod-template-hash'], hash1);
    assert.equal(rs1.spec?.selector.matchLabels?.['pod-template-hash'], hash1);
    assert.equal(rs1.metadata?.annotations?.['deployment.kubernetes.io/revision'], '1');
    assert.equal(rs1.metadata?.annotations?.['deployment.kubernetes.io/desired-replicas'], '3');
    assert.equal(d.metadata?.annotations?.['deployment.kubernetes.io/revision'], '1');
    const prog = d.status?.conditions?.find((c) => c.type === 'Progressing');
    assert.equal(prog?.reason, 'NewReplicaSetAvailable');
    assert.equal(prog?.message, `ReplicaSet "web-${hash1}" has successfully progressed.`);
    assert.equal(d.status?.conditions?.find((c) => c.type === 'Available')?.status, 'True');
    let pods = (await h.client.list<Pod>(Pods, { namespace: 'default' })).items;
    assert.equal(pods.length, 3);
    assert.ok(pods.every((p) => p.metadata?.ownerReferences?.[0]?.uid === rs1.metadata?.uid));

    // Template change → a second ReplicaSet takes over.
    const mon = new AbortController();
    const seen = monitor(h.client, mon.signal);
    await h.client.patch(Deployments, 'web', 'merge', { spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx:2' }] } } } }, 'default');
    await waitFor('second rollout', async () => (await rolloutDone(h.client)) && (await h.client.list<Pod>(Pods, { namespace: 'default' })).items.length === 3, 8000);
    mon.abort();
    if (bounds) {
      assert.ok(seen.maxPods <= bounds.maxPods, `at most ${bounds.maxPods} pods during the rollout, saw ${seen.maxPods}`);
      assert.ok(seen.minReady >= bounds.minReady, `at least ${bounds.minReady} ready during the rollout, saw ${seen.minReady}`);
    }
    d = await h.client.get<Deployment>(Deployments, 'web', 'default');
    const hash2 = podTemplateHash(d.spec?.template);
    assert.notEqual(hash2, hash1);
    const rs2 = await h.client.get<ReplicaSet>(ReplicaSets, `web-${hash2}`, 'default');
    assert.equal(rs2.spec?.replicas, 3);
    assert.equal(rs2.metadata?.annotations?.['deployment.kubernetes.io/revision'], '2');
    assert.equal((await h.client.get<ReplicaSet>(ReplicaSets, `web-${hash1}`, 'default')).spec?.replicas, 0);
    pods = (await h.client.list<Pod>(Pods, { namespace: 'default' })).items;
    assert.ok(pods.every((p) => p.spec?.containers[0].image === 'nginx:2'));
    assert.equal(d.metadata?.annotations?.['deployment.kubernetes.io/revision'], '2');

    // Scale 3 → 5 resizes the single active RS.
    await h.client.patch(Deployments, 'web', 'merge', { spec: { replicas: 5 } }, 'default');
    await waitFor('scaled to 5', async () => (await rolloutDone(h.client)) && (await h.client.get<ReplicaSet>(ReplicaSets, `web-${hash2}`, 'default')).spec?.replicas === 5, 5000);

    await h.recorder.flush();
    const events = (await h.client.list<Event>(Events, { namespace: 'default' })).items.filter((e) => e.reason === 'ScalingReplicaSet').map((e) => e.message);
    assert.ok(events.includes(`Scaled up replica set web-${hash1} to 3 from 0`), JSON.stringify(events));
    assert.ok(events.some((m) => m?.startsWith(`Scaled down replica set web-${hash1} to `)), JSON.stringify(events));
    assert.ok(events.includes(`Scaled up replica set web-${hash2} to 5 from 3`), JSON.stringify(events));
  } finally {
    ac.abort();
    h.stop();
  }
}

test('deployment (RollingUpdate maxSurge 1 / maxUnavailable 0) creates its RS, rolls a template change to completion, scales', async () => {
  await runScenario({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }, { maxPods: 4, minReady: 3 });
});

test('deployment with default 25%/25% rolling parameters rolls out', async () => {
  // 25% of 3: surge 1, unavailable 0.
  await runScenario(undefined, { maxPods: 4, minReady: 3 });
});

test('deployment (Recreate) rolls a template change to completion', async () => {
  await runScenario({ type: 'Recreate' }, { maxPods: 3, minReady: 0 });
});

test('deployment RollingUpdate maxSurge 0 / maxUnavailable 1 never surges', async () => {
  await runScenario({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } }, { maxPods: 3, minReady: 2 });
});

test('revisionHistoryLimit prunes old ReplicaSets', async () => {
  const h = harness();
  const ac = new AbortController();
  try {
    const d0 = deployment(1, 'v0', { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    d0.spec = { ...d0.spec!, revisionHistoryLimit: 1 };
    await h.client.create(Deployments, d0);
    startReplicaSetController(h.deps, ac.signal);
    startDeploymentController(h.deps, ac.signal);
    await h.start();
    fakeKubelet(h.client, ac.signal);
    for (const v of ['v1', 'v2', 'v3']) {
      await waitFor(`rollout before ${v}`, () => rolloutDone(h.client), 5000);
      await h.client.patch(Deployments, 'web', 'merge', { spec: { template: { spec: { containers: [{ name: 'c', image: v }] } } } }, 'default');
    }
    await waitFor('history pruned to 1 old RS', async () => (await rolloutDone(h.client)) && (await h.client.list<ReplicaSet>(ReplicaSets, { namespace: 'default' })).items.length === 2, 5000);
    const revs = (await h.client.list<ReplicaSet>(ReplicaSets, { namespace: 'default' })).items.map((r) => r.metadata?.annotations?.['deployment.kubernetes.io/revision']).sort();
    assert.deepEqual(revs, ['3', '4']);
  } finally {
    ac.abort();
    h.stop();
  }
});

test('a paused deployment does not roll out a template change until resumed, but still scales', async () => {
  const h = harness();
  const ac = new AbortController();
  try {
    await h.client.create(Deployments, deployment(2, 'v1', { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }));
    startReplicaSetController(h.deps, ac.signal);
    startDeploymentController(h.deps, ac.signal);
    await h.start();
    fakeKubelet(h.client, ac.signal);
    await waitFor('first rollout', () => rolloutDone(h.client), 5000);
    await h.client.patch(Deployments, 'web', 'merge', { spec: { paused: true, replicas: 3, template: { spec: { containers: [{ name: 'c', image: 'v2' }] } } } }, 'default');
    await waitFor('paused condition and scale', async () => {
      const d = await h.client.get<Deployment>(Deployments, 'web', 'default');
      return d.status?.conditions?.find((c) => c.type === 'Progressing')?.reason === 'DeploymentPaused' && d.status?.availableReplicas === 3;
    }, 5000);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await h.client.list(ReplicaSets, { namespace: 'default' })).items.length, 1, 'no new RS while paused');
    await h.client.patch(Deployments, 'web', 'merge', { spec: { paused: false } }, 'default');
    await waitFor('rolled out after resume', async () => {
      const pods = (await h.client.list<Pod>(Pods, { namespace: 'default' })).items;
      return (await rolloutDone(h.client)) && pods.length === 3 && pods.every((p) => p.spec?.containers[0].image === 'v2');
    }, 5000);
  } finally {
    ac.abort();
    h.stop();
  }
});

test('a name collision on the new RS bumps status.collisionCount and uses the next hash', async () => {
  const h = harness();
  const ac = new AbortController();
  try {
    // The hash is of the template as stored, i.e. after the server's defaulting.
    const d = await h.client.create(Deployments, deployment(1, 'v1', undefined));
    const hash0 = podTemplateHash(d.spec?.template);
    // Someone else's RS already has our name (different template, not matching our selector).
    await h.client.create<ReplicaSet>(ReplicaSets, {
      metadata: { name: `web-${hash0}`, namespace: 'default', labels: { app: 'other' } },
      spec: { replicas: 0, selector: { matchLabels: { app: 'other' } }, template: { metadata: { labels: { app: 'other' } }, spec: { containers: [{ name: 'x', image: 'y' }] } } },
    });
    startReplicaSetController(h.deps, ac.signal);
    startDeploymentController(h.deps, ac.signal);
    await h.start();
    fakeKubelet(h.client, ac.signal);
    await waitFor('rollout despite the collision', () => rolloutDone(h.client), 5000);
    const got = await h.client.get<Deployment>(Deployments, 'web', 'default');
    assert.equal(got.status?.collisionCount, 1);
    const hash1 = podTemplateHash(d.spec?.template, 1);
    const rs = await h.client.get<ReplicaSet>(ReplicaSets, `web-${hash1}`, 'default');
    assert.equal(rs.metadata?.ownerReferences?.[0]?.uid, got.metadata?.uid);
    assert.equal((await h.client.get<ReplicaSet>(ReplicaSets, `web-${hash0}`, 'default')).metadata?.ownerReferences, undefined, 'the other RS is untouched');
  } finally {
    ac.abort();
    h.stop();
  }
});
