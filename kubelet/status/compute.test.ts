import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1';
import { computePodStatus } from './compute.ts';
import { rfc3339 } from '../../apiserver/api/time.ts';
import type { ContainerRecord, PodRuntimeState } from '../pods/runtime-state.ts';

const T = Date.parse('2026-01-01T00:00:00Z');
const pod = (restartPolicy: 'Always' | 'OnFailure' | 'Never', names = ['app']): Pod => ({
  metadata: { name: 'p', namespace: 'default', uid: 'u1' },
  spec: { restartPolicy, containers: names.map((name) => ({ name, image: 'busybox' })) },
});
const ctr = (name: string, state: ContainerRecord['state'], over: Partial<ContainerRecord> = {}): ContainerRecord => ({
  id: `${name}-${over.restartCount ?? 0}`, sandboxId: 'sb1', name, attempt: over.restartCount ?? 0, restartCount: 0, state,
  createdAt: T, startedAt: state === 'CONTAINER_CREATED' ? 0 : T + 1000, finishedAt: state === 'CONTAINER_EXITED' ? T + 5000 : 0,
  exitCode: 0, reason: state === 'CONTAINER_EXITED' ? 'Completed' : '', message: '', image: 'busybox', imageRef: 'sha256:abc', logPath: '', ...over,
});
const rs = (containers: ContainerRecord[], ip = '10.244.0.5'): PodRuntimeState => ({
  uid: 'u1', sandboxes: [{ id: 'sb1', state: 'SANDBOX_READY', attempt: 0, createdAt: T, ip, labels: {} }], containers,
});

test('phase and container state table', () => {
  const cases: { name: string; pod: Pod; state: PodRuntimeState; waiting?: Record<string, { reason: string; message?: string }>; phase: string; cstate: string; ready: boolean; restarts?: number }[] = [
    { name: 'no sandbox yet', pod: pod('Always'), state: { uid: 'u1', sandboxes: [], containers: [] }, phase: 'Pending', cstate: 'waiting:ContainerCreating', ready: false },
    { name: 'image pull backoff', pod: pod('Always'), state: rs([]), waiting: { app: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "x"' } }, phase: 'Pending', cstate: 'waiting:ImagePullBackOff', ready: false },
    { name: 'created not started', pod: pod('Always'), state: rs([ctr('app', 'CONTAINER_CREATED')]), phase: 'Pending', cstate: 'waiting:ContainerCreating', ready: false },
    { name: 'running', pod: pod('Always'), state: rs([ctr('app', 'CONTAINER_RUNNING')]), phase: 'Running', cstate: 'running', ready: true },
    { name: 'exited 0 Never', pod: pod('Never'), state: rs([ctr('app', 'CONTAINER_EXITED')]), phase: 'Succeeded', cstate: 'terminated:Completed', ready: false },
    { name: 'exited 1 Never', pod: pod('Never'), state: rs([ctr('app', 'CONTAINER_EXITED', { exitCode: 1, reason: 'Error' })]), phase: 'Failed', cstate: 'terminated:Error', ready: false },
    { name: 'exited 1 OnFailure', pod: pod('OnFailure'), state: rs([ctr('app', 'CONTAINER_EXITED', { exitCode: 1, reason: 'Error' })]), phase: 'Running', cstate: 'terminated:Error', ready: false },
    { name: 'exited 0 OnFailure', pod: pod('OnFailure'), state: rs([ctr('app', 'CONTAINER_EXITED')]), phase: 'Succeeded', cstate: 'terminated:Completed', ready: false },
    { name: 'crashloop', pod: pod('Always'), state: rs([ctr('app', 'CONTAINER_EXITED', { exitCode: 2, reason: 'Error', restartCount: 3 })]), waiting: { app: { reason: 'CrashLoopBackOff', message: 'back-off 40s' } }, phase: 'Running', cstate: 'waiting:CrashLoopBackOff', ready: false, restarts: 3 },
    { name: 'one running one creating', pod: pod('Always', ['a', 'b']), state: rs([ctr('a', 'CONTAINER_RUNNING')]), phase: 'Pending', cstate: 'running', ready: true },
    { name: 'OOMKilled', pod: pod('Never'), state: rs([ctr('app', 'CONTAINER_EXITED', { exitCode: 137, reason: 'OOMKilled' })]), phase: 'Failed', cstate: 'terminated:OOMKilled', ready: false },
  ];
  for (const c of cases) {
    const st = computePodStatus({ pod: c.pod, state: c.state, waiting: c.waiting ?? {}, hostIP: '192.168.1.2', now: T + 10_000 });
    assert.equal(st.phase, c.phase, c.name);
    const cs = st.containerStatuses![0];
    const s = cs.state!;
    const got = s.running ? 'running' : s.terminated ? `terminated:${s.terminated.reason}` : `waiting:${s.waiting?.reason}`;
    assert.equal(got, c.cstate, c.name);
    assert.equal(cs.ready, c.ready, c.name);
    assert.equal(cs.restartCount, c.restarts ?? 0, c.name);
  }
});

test('full status of a running pod', () => {
  const st = computePodStatus({ pod: pod('Always'), state: rs([ctr('app', 'CONTAINER_RUNNING', { restartCount: 1, id: 'new' }), ctr('app', 'CONTAINER_EXITED', { exitCode: 3, reason: 'Error', id: 'old' })]), waiting: {}, hostIP: '192.168.1.2', now: T + 10_000 });
  assert.equal(st.podIP, '10.244.0.5');
  assert.deepEqual(st.podIPs, [{ ip: '10.244.0.5' }]);
  assert.equal(st.hostIP, '192.168.1.2');
  assert.equal(st.startTime, rfc3339(T + 10_000));
  assert.equal(st.qosClass, 'BestEffort');
  const cs = st.containerStatuses![0];
  assert.deepEqual(cs, {
    name: 'app', image: 'busybox', imageID: 'sha256:abc', containerID: 'containerd://new', ready: true, started: true, restartCount: 1,
    state: { running: { startedAt: '2026-01-01T00:00:01Z' } },
    lastState: { terminated: { exitCode: 3, reason: 'Error', startedAt: '2026-01-01T00:00:01Z', finishedAt: '2026-01-01T00:00:05Z', containerID: 'containerd://old' } },
  });
  const types = Object.fromEntries(st.conditions!.map((c) => [c.type, c.status]));
  assert.deepEqual(types, { PodReadyToStartContainers: 'True', Initialized: 'True', Ready: 'True', ContainersReady: 'True', PodScheduled: 'True' });
  const noSandbox = computePodStatus({ pod: pod('Always'), state: { uid: 'u1', sandboxes: [], containers: [] }, waiting: {}, hostIP: 'h', now: T });
  assert.equal(noSandbox.conditions!.find((c) => c.type === 'PodReadyToStartContainers')!.status, 'False');
});

test('conditions keep lastTransitionTime while unchanged; terminal phase sticks', () => {
  const p = pod('Always');
  const first = computePodStatus({ pod: p, state: rs([ctr('app', 'CONTAINER_RUNNING')]), waiting: {}, hostIP: 'h', now: T });
  const later = computePodStatus({ pod: { ...p, status: first }, state: rs([ctr('app', 'CONTAINER_RUNNING')]), waiting: {}, hostIP: 'h', now: T + 60_000 });
  assert.deepEqual(later.conditions, first.conditions);
  assert.equal(later.startTime, first.startTime);
  const notReady = computePodStatus({ pod: { ...p, status: first }, state: rs([]), waiting: {}, hostIP: 'h', now: T + 60_000 });
  const ready = notReady.conditions!.find((c) => c.type === 'Ready')!;
  assert.equal(ready.status, 'False');
  assert.equal(ready.reason, 'ContainersNotReady');
  assert.equal(ready.message, 'containers with unready status: [app]');
  assert.equal(ready.lastTransitionTime, rfc3339(T + 60_000));
  const done = computePodStatus({ pod: { ...p, status: { phase: 'Succeeded' } }, state: rs([ctr('app', 'CONTAINER_RUNNING')]), waiting: {}, hostIP: 'h', now: T });
  assert.equal(done.phase, 'Succeeded');
});

test('init containers: Pending while initializing, then Running; Never + failure → Failed', () => {
  const withInit = (restartPolicy: 'Always' | 'Never'): Pod => ({ ...pod(restartPolicy), spec: { ...pod(restartPolicy).spec!, initContainers: [{ name: 'init', image: 'busybox' }] } });
  const initRunning = computePodStatus({ pod: withInit('Always'), state: rs([ctr('init', 'CONTAINER_RUNNING')]), waiting: {}, hostIP: 'h', now: T });
  assert.equal(initRunning.phase, 'Pending');
  assert.equal(initRunning.initContainerStatuses![0].state?.running !== undefined, true);
  assert.equal(initRunning.containerStatuses![0].state?.waiting?.reason, 'PodInitializing');
  const cond = initRunning.conditions!.find((c) => c.type === 'Initialized')!;
  assert.deepEqual([cond.status, cond.reason, cond.message], ['False', 'ContainersNotInitialized', 'containers with incomplete status: [init]']);
  const done = computePodStatus({ pod: withInit('Always'), state: rs([ctr('app', 'CONTAINER_RUNNING'), ctr('init', 'CONTAINER_EXITED')]), waiting: {}, hostIP: 'h', now: T });
  assert.equal(done.phase, 'Running');
  assert.equal(done.initContainerStatuses![0].ready, true);
  assert.equal(done.initContainerStatuses![0].state?.terminated?.reason, 'Completed');
  assert.equal(done.conditions!.find((c) => c.type === 'Initialized')!.status, 'True');
  const failedNever = computePodStatus({ pod: withInit('Never'), state: rs([ctr('init', 'CONTAINER_EXITED', { exitCode: 1, reason: 'Error' })]), waiting: {}, hostIP: 'h', now: T });
  assert.equal(failedNever.phase, 'Failed');
  const failedAlways = computePodStatus({ pod: withInit('Always'), state: rs([ctr('init', 'CONTAINER_EXITED', { exitCode: 1, reason: 'Error' })]), waiting: { init: { reason: 'CrashLoopBackOff' } }, hostIP: 'h', now: T });
  assert.equal(failedAlways.phase, 'Pending');
  assert.equal(failedAlways.initContainerStatuses![0].state?.waiting?.reason, 'CrashLoopBackOff');
});

test('hostNetwork pods report the node IP as pod IP', () => {
  const p = pod('Always');
  p.spec!.hostNetwork = true;
  const st = computePodStatus({ pod: p, state: rs([ctr('app', 'CONTAINER_RUNNING')], ''), waiting: {}, hostIP: '192.168.1.2', now: T });
  assert.equal(st.podIP, '192.168.1.2');
});
