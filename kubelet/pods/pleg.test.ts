import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runtimeCounts } from './pleg.ts';
import { LABEL_POD_UID } from './runtime-state.ts';

const of = (uid: string | undefined, state: string): { state: string; labels: Record<string, string> } => ({ state, labels: uid ? { [LABEL_POD_UID]: uid } : {} });

test('runtimeCounts: pods with a ready sandbox, containers per state, only CRI objects of pods', () => {
  const sandboxes = [of('a', 'SANDBOX_READY'), of('a', 'SANDBOX_NOTREADY'), of('b', 'SANDBOX_NOTREADY'), of('c', 'SANDBOX_READY'), of(undefined, 'SANDBOX_READY')];
  const containers = [of('a', 'CONTAINER_RUNNING'), of('a', 'CONTAINER_EXITED'), of('c', 'CONTAINER_CREATED'), of('c', 'CONTAINER_RUNNING'), of('b', 'CONTAINER_UNKNOWN'), of(undefined, 'CONTAINER_RUNNING')];
  assert.deepEqual(runtimeCounts(sandboxes, containers), { runningPods: 2, containers: { created: 1, running: 2, exited: 1, unknown: 1 } });
  assert.deepEqual(runtimeCounts([], []), { runningPods: 0, containers: { created: 0, running: 0, exited: 0, unknown: 0 } });
});
