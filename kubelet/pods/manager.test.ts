import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Event, Pod, Service } from 'kubernetes-types/core/v1';
import { FakeClient } from '../../apiserver/testing/fake-client.ts';
import { createInformer } from '../../apiserver/client/informer.ts';
import { createEventRecorder } from '../../apiserver/client/events.ts';
import { ConfigMaps, Events, Pods, Services } from '../../apiserver/client/resources.ts';
import { FakeClock } from '../../apiserver/client/workqueue.ts';
import { FakeRuntime } from '../cri/fake.ts';
import type { KubeletMetricsSink, PodSyncOperation } from '../metrics.ts';
import { PodManager } from './manager.ts';
import { quietLogger } from '../../testutil/log.ts';

const NODE = 'node-1';
const quiet = quietLogger('test');

interface Harness {
  client: FakeClient;
  runtime: FakeRuntime;
  clock: FakeClock;
  manager: PodManager;
  stop(): Promise<void>;
  flush(): Promise<void>;
  /** Advances fake time in 1 s steps until `cond` holds (max `steps`). */
  until(what: string, cond: () => boolean | Promise<boolean>, steps?: number): Promise<void>;
  pod(name: string): Promise<Pod | undefined>;
}

async function harness(client = new FakeClient(), runtime = new FakeRuntime(), clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z')), metrics?: KubeletMetricsSink): Promise<Harness> {
  runtime.now = () => clock.now();
  const rootDir = mkdtempSync(join(tmpdir(), 'skiff-kubelet-unit-'));
  const ac = new AbortController();
  const pods = createInformer<Pod>(client, Pods, { fieldSelector: `spec.nodeName=${NODE}` }, quiet);
  const services = createInformer<Service>(client, Services, {}, quiet);
  const recorder = createEventRecorder(client, 'kubelet', quiet, { host: NODE, now: () => clock.now() });
  const manager = new PodManager({
    client, pods, services, runtime, recorder, log: quiet, clock, nodeName: NODE, hostIP: '192.168.50.2', rootDir,
    dns: { servers: [], searches: [], options: [] }, manageCgroups: false, metrics,
  });
  pods.start(ac.signal);
  services.start(ac.signal);
  const running = manager.run(ac.signal);
  const until = async (what: string, cond: () => boolean | Promise<boolean>, steps = 60): Promise<void> => {
    for (let i = 0; i < steps; i++) {
      await sleep(5);
      await manager.workers.idle();
      if (await cond()) return;
      clock.advance(1000);
    }
    assert.fail(`timed out waiting for ${what}`);
  };
  return {
    client, runtime, clock, manager, until, flush: async () => { await Promise.race([recorder.flush(), sleep(1000)]); },
    pod: (name) => client.tryGet<Pod>(Pods, name, 'default'),
    stop: async () => { ac.abort(); clock.advance(2000); await running; await Promise.race([recorder.flush(), sleep(1000)]); rmSync(rootDir, { recursive: true, force: true }); },
  };
}

const mkPod = (name: string, restartPolicy: 'Always' | 'Never' | 'OnFailure' = 'Always', image = 'busybox:1.0'): Pod => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { nodeName: NODE, restartPolicy, containers: [{ name: 'app', image, command: ['sleep', '1000'] }] },
});

const eventReasons = async (client: FakeClient): Promise<string[]> =>
  (await client.list<Event>(Events, { namespace: 'default' })).items.map((e) => e.reason ?? '');

test('pod is started and its status reported; exits restart with CrashLoopBackOff', async () => {
  const h = await harness();
  try {
    await h.client.create(Pods, mkPod('web'), 'default');
    await h.until('Running', async () => (await h.pod('web'))?.status?.phase === 'Running');
    const p = (await h.pod('web'))!;
    assert.equal(h.runtime.sandboxes.size, 1);
    assert.equal(h.runtime.containers.size, 1);
    const cs = p.status!.containerStatuses![0];
    assert.equal(cs.ready, true);
    assert.ok(cs.state?.running?.startedAt);
    assert.match(cs.containerID ?? '', /^containerd:\/\/ctr/);
    assert.equal(p.status!.podIP, [...h.runtime.sandboxes.values()][0].ip);
    assert.equal(p.status!.hostIP, '192.168.50.2');
    const sb = [...h.runtime.sandboxes.values()][0];
    assert.equal(sb.config.labels['io.kubernetes.pod.uid'], p.metadata!.uid);
    assert.match(sb.config.log_directory, new RegExp(`/logs/default_web_${p.metadata!.uid}$`));
    await h.flush();
    const reasons = await eventReasons(h.client);
    for (const r of ['Pulling', 'Pulled', 'Created', 'Started']) assert.ok(reasons.includes(r), `event ${r} in ${reasons}`);

    // First exit: restarted at once with restartCount 1.
    const first = h.runtime.containersNamed('app')[0];
    h.runtime.exitContainer(first.id, 1);
    await h.until('restart 1', async () => (await h.pod('web'))?.status?.containerStatuses?.[0].restartCount === 1
      && (await h.pod('web'))?.status?.containerStatuses?.[0].state?.running !== undefined);
    const second = h.runtime.containersNamed('app').find((c) => c.state === 'CONTAINER_RUNNING')!;
    assert.equal(second.config.log_path, 'app/1.log');
    assert.equal(second.config.annotations['io.kubernetes.container.restartCount'], '1');
    // Second exit within the 10 s window: CrashLoopBackOff, no new container until it ends.
    h.runtime.exitContainer(second.id, 2);
    await h.until('CrashLoopBackOff', async () => (await h.pod('web'))?.status?.containerStatuses?.[0].state?.waiting?.reason === 'CrashLoopBackOff', 3);
    const st = (await h.pod('web'))!.status!.containerStatuses![0];
    assert.equal(st.lastState?.terminated?.exitCode, 2);
    assert.match(st.state!.waiting!.message!, /back-off 10s restarting failed container=app/);
    assert.equal(h.runtime.containersNamed('app').filter((c) => c.state === 'CONTAINER_RUNNING').length, 0);
    await h.until('restart 2 after back-off', async () => (await h.pod('web'))?.status?.containerStatuses?.[0].restartCount === 2, 15);
    await h.flush();
    assert.ok((await eventReasons(h.client)).includes('BackOff'));
    // Only the latest dead container is kept.
    assert.ok(h.runtime.containersNamed('app').length <= 2);
  } finally {
    await h.stop();
  }
});

test('image pull failure: ErrImagePull then ImagePullBackOff, never a crash', async () => {
  const h = await harness();
  try {
    h.runtime.pullFailures.set('nope:1', 'not found');
    await h.client.create(Pods, mkPod('bad', 'Always', 'nope:1'), 'default');
    // The failed pull reports ErrImagePull; the syncs inside the back-off window report ImagePullBackOff.
    await h.until('ImagePullBackOff', async () => (await h.pod('bad'))?.status?.containerStatuses?.[0].state?.waiting?.reason === 'ImagePullBackOff', 12);
    assert.equal((await h.pod('bad'))!.status!.phase, 'Pending');
    const pulls = h.runtime.calls.filter((c) => c === 'pullImage').length;
    h.clock.advance(5000);
    await sleep(5);
    await h.manager.workers.idle();
    assert.equal(h.runtime.calls.filter((c) => c === 'pullImage').length, pulls, 'no pull inside the 10 s window');
    h.runtime.pullFailures.delete('nope:1');
    await h.until('Running after pull works', async () => (await h.pod('bad'))?.status?.phase === 'Running', 40);
    await h.flush();
    const msgs = (await h.client.list<Event>(Events, { namespace: 'default' })).items.map((e) => e.message ?? '');
    assert.ok(msgs.includes('Error: ErrImagePull'), msgs.join('|'));
    assert.ok(msgs.includes('Error: ImagePullBackOff'), msgs.join('|'));
    assert.ok(msgs.some((m) => m.startsWith('Failed to pull image "nope:1": ')), msgs.join('|'));
  } finally {
    await h.stop();
  }
});

test('restartPolicy Never: exit 0 → Succeeded and the sandbox is stopped', async () => {
  const h = await harness();
  try {
    await h.client.create(Pods, mkPod('job', 'Never'), 'default');
    await h.until('Running', async () => (await h.pod('job'))?.status?.phase === 'Running');
    h.runtime.exitContainer(h.runtime.containersNamed('app')[0].id, 0);
    await h.until('Succeeded', async () => (await h.pod('job'))?.status?.phase === 'Succeeded');
    await h.until('sandbox stopped', () => [...h.runtime.sandboxes.values()].every((s) => s.state === 'SANDBOX_NOTREADY'));
    assert.equal(h.runtime.containersNamed('app').length, 1, 'not restarted');
    assert.equal((await h.pod('job'))!.status!.containerStatuses![0].state?.terminated?.reason, 'Completed');
  } finally {
    await h.stop();
  }
});

test('graceful deletion stops containers, removes the sandbox and deletes the pod', async () => {
  const h = await harness();
  try {
    await h.client.create(Pods, mkPod('gone'), 'default');
    await h.until('Running', async () => (await h.pod('gone'))?.status?.phase === 'Running');
    const uid = (await h.pod('gone'))!.metadata!.uid!;
    await h.client.delete(Pods, 'gone', 'default', { gracePeriodSeconds: 5 });
    assert.ok((await h.pod('gone'))?.metadata?.deletionTimestamp, 'graceful: deletionTimestamp set first');
    await h.until('pod deleted', async () => (await h.pod('gone')) === undefined);
    assert.equal(h.runtime.sandboxes.size, 0);
    assert.equal(h.runtime.containers.size, 0);
    const final = h.client.actions.filter((a) => a.verb === 'delete' && a.name === 'gone').at(-1);
    assert.deepEqual(final?.body, { gracePeriodSeconds: 0, preconditions: { uid } });
    await h.flush();
    assert.ok((await eventReasons(h.client)).includes('Killing'));
  } finally {
    await h.stop();
  }
});

test('a restarted kubelet adopts running pods without duplicates and removes orphans', async () => {
  const client = new FakeClient();
  const runtime = new FakeRuntime();
  const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
  const h1 = await harness(client, runtime, clock);
  await client.create(Pods, mkPod('keep'), 'default');
  await client.create(Pods, mkPod('orphan'), 'default');
  await h1.until('both Running', async () => (await h1.pod('keep'))?.status?.phase === 'Running' && (await h1.pod('orphan'))?.status?.phase === 'Running');
  await h1.stop();
  const before = { sandboxes: runtime.sandboxes.size, containers: runtime.containers.size };
  assert.deepEqual(before, { sandboxes: 2, containers: 2 });
  // While the kubelet is down, 'orphan' disappears from the API (force delete).
  await client.delete(Pods, 'orphan', 'default', { gracePeriodSeconds: 0 });
  assert.equal(await client.tryGet(Pods, 'orphan', 'default'), undefined);
  const runCalls = runtime.calls.filter((c) => c === 'runPodSandbox' || c === 'createContainer').length;
  // The restarted kubelet's first pod list fails: nothing may be torn down before its informer syncs.
  client.failOn('list', 'pods', new Error('connection refused'), { times: 2 });
  const h2 = await harness(client, runtime, clock);
  for (let i = 0; i < 3; i++) { clock.advance(1000); await sleep(5); await h2.manager.workers.idle(); }
  assert.equal(runtime.sandboxes.size, 2, 'no teardown before the informer synced');
  try {
    await h2.until('orphan removed', () => runtime.sandboxes.size === 1, 400);
    for (let i = 0; i < 5; i++) { clock.advance(1000); await sleep(5); await h2.manager.workers.idle(); }
    assert.equal(runtime.sandboxes.size, 1);
    assert.equal(runtime.containers.size, 1);
    assert.equal(runtime.calls.filter((c) => c === 'runPodSandbox' || c === 'createContainer').length, runCalls, 'nothing created again');
    const keep = (await h2.pod('keep'))!;
    assert.equal(keep.status?.phase, 'Running');
    assert.equal([...runtime.sandboxes.values()][0].config.metadata.uid, keep.metadata!.uid);
  } finally {
    await h2.stop();
  }
});

test('readiness probe gates Ready; liveness failure restarts the container', async () => {
  const h = await harness();
  try {
    let ready = false;
    let alive = true;
    h.runtime.execExitCode = (_id, cmd) => (cmd[0] === 'ready' ? (ready ? 0 : 1) : alive ? 0 : 1);
    const p = mkPod('probed');
    p.spec!.containers[0].readinessProbe = { exec: { command: ['ready'] }, periodSeconds: 1, failureThreshold: 1 };
    p.spec!.containers[0].livenessProbe = { exec: { command: ['alive'] }, periodSeconds: 1, failureThreshold: 2 };
    await h.client.create(Pods, p, 'default');
    await h.until('Running', async () => (await h.pod('probed'))?.status?.phase === 'Running');
    await h.until('a failed readiness attempt', () => h.runtime.calls.filter((c) => c === 'execSync').length >= 2);
    let st = (await h.pod('probed'))!.status!;
    assert.equal(st.containerStatuses![0].ready, false, 'unready until the probe succeeds');
    assert.equal(st.conditions!.find((c) => c.type === 'Ready')!.status, 'False');
    ready = true;
    await h.until('Ready', async () => (await h.pod('probed'))?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True');
    alive = false;
    await h.until('restart after liveness failure', async () => (await h.pod('probed'))?.status?.containerStatuses?.[0].restartCount === 1);
    await h.flush();
    const msgs = (await h.client.list<Event>(Events, { namespace: 'default' })).items.map((e) => `${e.reason}: ${e.message}`);
    assert.ok(msgs.includes('Killing: Container app failed liveness probe, will be restarted'), msgs.join('|'));
    assert.ok(msgs.some((m) => m.startsWith('Unhealthy: Liveness probe failed')), msgs.join('|'));
    st = (await h.pod('probed'))!.status!;
    assert.equal(st.containerStatuses![0].lastState?.terminated?.exitCode, 137);
  } finally {
    await h.stop();
  }
});

test('sandbox creation failure: FailedCreatePodSandBox event, ContainerCreating, retried', async () => {
  const h = await harness();
  try {
    h.runtime.sandboxFailure = 'failed to setup network for sandbox: cni broken';
    await h.client.create(Pods, mkPod('nonet'), 'default');
    await h.until('ContainerCreating status', async () => (await h.pod('nonet'))?.status?.containerStatuses?.[0].state?.waiting?.reason === 'ContainerCreating');
    assert.equal((await h.pod('nonet'))!.status!.phase, 'Pending');
    await h.flush();
    const ev = (await h.client.list<Event>(Events, { namespace: 'default' })).items.find((e) => e.reason === 'FailedCreatePodSandBox');
    assert.match(ev?.message ?? '', /cni broken/);
    h.runtime.sandboxFailure = undefined;
    await h.until('Running after the retry', async () => (await h.pod('nonet'))?.status?.phase === 'Running');
    assert.equal(h.runtime.sandboxes.size, 1);
  } finally {
    await h.stop();
  }
});

test('init containers run in order before the app container', async () => {
  const h = await harness();
  try {
    const p = mkPod('inits');
    p.spec!.initContainers = [{ name: 'first', image: 'busybox:1.0' }, { name: 'second', image: 'busybox:1.0' }];
    await h.client.create(Pods, p, 'default');
    await h.until('first init running', () => h.runtime.containersNamed('first').some((c) => c.state === 'CONTAINER_RUNNING'));
    assert.equal(h.runtime.containersNamed('second').length, 0);
    assert.equal(h.runtime.containersNamed('app').length, 0);
    assert.equal((await h.pod('inits'))!.status!.phase, 'Pending');
    h.runtime.exitContainer(h.runtime.containersNamed('first')[0].id, 0);
    await h.until('second init running', () => h.runtime.containersNamed('second').some((c) => c.state === 'CONTAINER_RUNNING'));
    assert.equal(h.runtime.containersNamed('app').length, 0);
    // A failing init container is restarted (restartPolicy Always) and the app still waits.
    h.runtime.exitContainer(h.runtime.containersNamed('second')[0].id, 1);
    await h.until('second init restarted', () => h.runtime.containersNamed('second').some((c) => c.state === 'CONTAINER_RUNNING' && c.config.metadata.attempt === 1));
    h.runtime.exitContainer(h.runtime.containersNamed('second').find((c) => c.state === 'CONTAINER_RUNNING')!.id, 0);
    await h.until('Running', async () => (await h.pod('inits'))?.status?.phase === 'Running');
    const st = (await h.pod('inits'))!.status!;
    assert.deepEqual(st.initContainerStatuses!.map((x) => [x.name, x.ready, x.state?.terminated?.exitCode]), [['first', true, 0], ['second', true, 0]]);
    assert.equal(st.conditions!.find((c) => c.type === 'Initialized')!.status, 'True');
    assert.equal(h.runtime.containersNamed('first').length, 1, 'completed init containers are not rerun');
  } finally {
    await h.stop();
  }
});

test('ConfigMap env and volume; a missing ConfigMap waits with CreateContainerConfigError', async () => {
  const h = await harness();
  try {
    const p = mkPod('cfg');
    p.spec!.containers[0].env = [{ name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'settings', key: 'greeting' } } }];
    p.spec!.containers[0].volumeMounts = [{ name: 'conf', mountPath: '/etc/app' }];
    p.spec!.volumes = [{ name: 'conf', configMap: { name: 'settings' } }];
    await h.client.create(Pods, p, 'default');
    await h.until('CreateContainerConfigError', async () => {
      const w = (await h.pod('cfg'))?.status?.containerStatuses?.[0].state?.waiting;
      return w?.reason === 'ContainerCreating' || w?.reason === 'CreateContainerConfigError';
    });
    assert.equal(h.runtime.containers.size, 0);
    await h.client.create(ConfigMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'default' }, data: { greeting: 'hello' } }, 'default');
    await h.until('Running', async () => (await h.pod('cfg'))?.status?.phase === 'Running', 30);
    const c = h.runtime.containersNamed('app')[0];
    assert.deepEqual(c.config.envs, [{ key: 'GREETING', value: 'hello' }]);
    assert.equal(c.config.mounts[0].container_path, '/etc/app');
    assert.equal(c.config.mounts[0].readonly, true);
  } finally {
    await h.stop();
  }
});

test('a name still reserved by a killed kubelet is retried quickly, without back-off or events', async () => {
  const h = await harness();
  try {
    let reserved = 2;
    const orig = h.runtime.runPodSandbox.bind(h.runtime);
    h.runtime.runPodSandbox = async (cfg) => {
      if (reserved-- > 0) throw new Error('RunPodSandbox: failed to reserve sandbox name "p_default_u_0": name "p_default_u_0" is reserved for "abc"');
      return orig(cfg);
    };
    await h.client.create(Pods, mkPod('resv'), 'default');
    await h.until('Running', async () => (await h.pod('resv'))?.status?.phase === 'Running', 5);
    await h.flush();
    assert.equal((await eventReasons(h.client)).includes('FailedCreatePodSandBox'), false);
  } finally {
    await h.stop();
  }
});

test('containers get the service env vars of their namespace', async () => {
  const client = new FakeClient();
  await client.create(Services, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'kubernetes', namespace: 'default' }, spec: { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443 }] } }, 'default');
  const h = await harness(client);
  try {
    await h.client.create(Pods, mkPod('envs'), 'default');
    await h.until('Running', async () => (await h.pod('envs'))?.status?.phase === 'Running');
    const env = new Map(h.runtime.containersNamed('app')[0].config.envs.map((e) => [e.key, e.value]));
    assert.equal(env.get('KUBERNETES_SERVICE_HOST'), '10.96.0.1');
    assert.equal(env.get('KUBERNETES_SERVICE_PORT'), '443');
  } finally {
    await h.stop();
  }
});

/** A KubeletMetricsSink that keeps the observed pod start durations (seconds) and the operations of finished syncs. */
const startSink = (): KubeletMetricsSink & { starts: number[]; syncs: PodSyncOperation[] } => {
  const starts: number[] = [];
  const syncs: PodSyncOperation[] = [];
  return { starts, syncs, podStarted: (s) => starts.push(s), podSynced: (op) => syncs.push(op) };
};

test('pod start duration: observed once, from first sight to Running, not again when a container restarts', async () => {
  const sink = startSink();
  const h = await harness(undefined, undefined, undefined, sink);
  try {
    h.runtime.sandboxFailure = 'failed to setup network for sandbox: cni broken';
    const createdAt = h.clock.now();
    await h.client.create(Pods, mkPod('web'), 'default');
    await h.until('Pending', async () => (await h.pod('web'))?.status?.containerStatuses?.[0].state?.waiting?.reason === 'ContainerCreating');
    assert.deepEqual(sink.starts, []);
    h.clock.advance(5000);
    h.runtime.sandboxFailure = undefined;
    await h.until('Running', async () => (await h.pod('web'))?.status?.phase === 'Running');
    assert.equal(sink.starts.length, 1);
    assert.ok(sink.starts[0] >= 5 && sink.starts[0] <= (h.clock.now() - createdAt) / 1000, `start took ${sink.starts[0]} s of fake time`);
    await h.until('counts relisted', () => h.manager.runtimeCounts().runningPods === 1);
    assert.deepEqual(h.manager.runtimeCounts(), { runningPods: 1, containers: { created: 0, running: 1, exited: 0, unknown: 0 } });
    const [id] = [...h.runtime.containers.keys()];
    h.runtime.exitContainer(id, 1);
    await h.until('restarted', async () => (await h.pod('web'))?.status?.containerStatuses?.[0].restartCount === 1 &&
      (await h.pod('web'))?.status?.containerStatuses?.[0].state?.running !== undefined);
    assert.equal(sink.starts.length, 1, 'a container restart is no pod start');
  } finally {
    await h.stop();
  }
});

test('pod start duration: a restarted kubelet does not observe pods that were already Running', async () => {
  const client = new FakeClient();
  const runtime = new FakeRuntime();
  const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
  const first = startSink();
  const h1 = await harness(client, runtime, clock, first);
  await client.create(Pods, mkPod('old'), 'default');
  await h1.until('old Running', async () => (await h1.pod('old'))?.status?.phase === 'Running');
  await h1.stop();
  assert.equal(first.starts.length, 1);
  const second = startSink();
  const h2 = await harness(client, runtime, clock, second);
  try {
    const oldUid = (await h2.pod('old'))!.metadata!.uid!;
    await client.create(Pods, mkPod('new'), 'default');
    await h2.until('old synced again and new Running', async () => h2.manager.statuses.get(oldUid) !== undefined && (await h2.pod('new'))?.status?.phase === 'Running');
    assert.equal(second.starts.length, 1, 'only the new pod started under this kubelet');
    assert.equal(first.syncs[0], 'create');
    assert.ok(second.syncs.filter((op) => op === 'create').length >= 2, 'the adopted and the new pod each had a first sync under this kubelet');
  } finally {
    await h2.stop();
  }
});
