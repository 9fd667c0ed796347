import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerStatus, Pod } from 'kubernetes-types/core/v1';
import { podCells, readinessGatesCell, restartsCell, summarizePod } from './podtable.ts';

const now = Date.parse('2026-01-01T01:00:00Z');

function pod(phase: string, statuses: ContainerStatus[], extra: Partial<Pod> = {}): Pod {
  return {
    metadata: { name: 'p', creationTimestamp: '2026-01-01T00:00:00Z', ...(extra.metadata ?? {}) },
    spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }].slice(0, Math.max(1, statuses.length)), ...(extra.spec ?? {}) },
    status: { phase, containerStatuses: statuses, ...(extra.status ?? {}) },
  };
}

const cs = (state: ContainerStatus['state'], ready = false, restartCount = 0, lastState: ContainerStatus['lastState'] = {}): ContainerStatus =>
  ({ name: 'a', image: 'x', imageID: '', ready, restartCount, state, lastState });

test('pod STATUS column follows kubectl reason logic', () => {
  const cases: Array<[string, Pod, string]> = [
    ['pending, no statuses', pod('Pending', []), 'Pending'],
    ['running and ready', pod('Running', [cs({ running: { startedAt: '2026-01-01T00:00:01Z' } }, true)]), 'Running'],
    ['creating', pod('Pending', [cs({ waiting: { reason: 'ContainerCreating' } })]), 'ContainerCreating'],
    ['pull error', pod('Pending', [cs({ waiting: { reason: 'ErrImagePull', message: 'x' } })]), 'ErrImagePull'],
    ['pull backoff', pod('Pending', [cs({ waiting: { reason: 'ImagePullBackOff' } })]), 'ImagePullBackOff'],
    ['crash loop', pod('Running', [cs({ waiting: { reason: 'CrashLoopBackOff' } }, false, 3)]), 'CrashLoopBackOff'],
    ['completed', pod('Succeeded', [cs({ terminated: { exitCode: 0, reason: 'Completed' } })]), 'Completed'],
    ['error exit', pod('Failed', [cs({ terminated: { exitCode: 2 } })]), 'ExitCode:2'],
    ['signal', pod('Failed', [cs({ terminated: { exitCode: 137, signal: 9 } })]), 'Signal:9'],
    ['oom', pod('Running', [cs({ terminated: { exitCode: 137, reason: 'OOMKilled' } })]), 'OOMKilled'],
    ['terminating', pod('Running', [cs({ running: {} }, true)], { metadata: { name: 'p', deletionTimestamp: '2026-01-01T00:59:00Z' } }), 'Terminating'],
    ['node lost', pod('Running', [], { metadata: { name: 'p', deletionTimestamp: '2026-01-01T00:59:00Z' }, status: { reason: 'NodeLost' } }), 'Unknown'],
    ['status.reason wins over phase', pod('Failed', [], { status: { reason: 'Evicted' } }), 'Evicted'],
  ];
  for (const [name, p, want] of cases) assert.equal(summarizePod(p).reason, want, name);
});

test('completed container next to a running one reads Running or NotReady', () => {
  const two: Pod = {
    metadata: { name: 'p' },
    spec: { containers: [{ name: 'a' }, { name: 'b' }] },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [cs({ running: {} }, true), { ...cs({ terminated: { exitCode: 0, reason: 'Completed' } }), name: 'b' }],
    },
  };
  assert.equal(summarizePod(two).reason, 'Running');
  two.status!.conditions = [{ type: 'Ready', status: 'False' }];
  assert.equal(summarizePod(two).reason, 'NotReady');
});

test('init containers give Init: reasons', () => {
  const p: Pod = {
    metadata: { name: 'p' },
    spec: { initContainers: [{ name: 'i1' }, { name: 'i2' }], containers: [{ name: 'a' }] },
    status: {
      phase: 'Pending',
      initContainerStatuses: [
        { ...cs({ terminated: { exitCode: 0 } }), name: 'i1' },
        { ...cs({ running: {} }), name: 'i2' },
      ],
      containerStatuses: [cs({ waiting: { reason: 'PodInitializing' } })],
    },
  };
  assert.equal(summarizePod(p).reason, 'Init:1/2');
  p.status!.initContainerStatuses![1] = { ...cs({ waiting: { reason: 'CrashLoopBackOff' } }), name: 'i2' };
  assert.equal(summarizePod(p).reason, 'Init:CrashLoopBackOff');
  p.status!.initContainerStatuses![1] = { ...cs({ terminated: { exitCode: 1, reason: 'Error' } }), name: 'i2' };
  assert.equal(summarizePod(p).reason, 'Init:Error');
});

test('ready count, restarts with last restart age, wide cells', () => {
  const p = pod('Running', [cs({ running: {} }, true, 2, { terminated: { exitCode: 1, finishedAt: '2026-01-01T00:57:00Z' } })], {
    spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }], nodeName: 'node-1' },
    status: { podIP: '10.244.0.5' },
  });
  const s = summarizePod(p);
  assert.equal(s.readyContainers, 1);
  assert.equal(s.totalContainers, 2);
  assert.equal(restartsCell(s, now), '2 (3m ago)');
  assert.deepEqual(podCells(p, now, '60m'), ['1/2', 'Running', '2 (3m ago)', '60m', '10.244.0.5', 'node-1', '<none>', '<none>']);
  assert.equal(restartsCell(summarizePod(pod('Pending', [])), now), '0');
});

test('readiness gates cell', () => {
  const p: Pod = { spec: { containers: [], readinessGates: [{ conditionType: 'x' }, { conditionType: 'y' }] }, status: { conditions: [{ type: 'x', status: 'True' }] } };
  assert.equal(readinessGatesCell(p), '1/2');
});
