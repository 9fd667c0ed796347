import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, DeploymentStatus, ReplicaSet } from 'kubernetes-types/apps/v1';
import { computeDeploymentStatus, deploymentStatusChanged, getCondition, msUntilDeadline } from './status.ts';

const NOW = Date.parse('2024-01-01T01:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function deploy(replicas: number, status?: DeploymentStatus, generation = 2): Deployment {
  return {
    metadata: { name: 'web', namespace: 'default', generation },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: {}, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } },
    status,
  };
}
function rs(name: string, replicas: number, ready: number, available: number): ReplicaSet {
  return { metadata: { name }, spec: { replicas, selector: {} }, status: { replicas, readyReplicas: ready, availableReplicas: available } };
}

test('complete rollout: counts, Available True, Progressing NewReplicaSetAvailable (what kubectl rollout status waits for)', () => {
  const newRS = rs('web-abc', 3, 3, 3);
  const s = computeDeploymentStatus(deploy(3), newRS, [newRS, rs('web-old', 0, 0, 0)], NOW);
  assert.equal(s.observedGeneration, 2);
  assert.equal(s.replicas, 3);
  assert.equal(s.updatedReplicas, 3);
  assert.equal(s.readyReplicas, 3);
  assert.equal(s.availableReplicas, 3);
  assert.equal(s.unavailableReplicas, 0);
  assert.deepEqual(getCondition(s, 'Available'), { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.', lastUpdateTime: iso(NOW), lastTransitionTime: iso(NOW) });
  const p = getCondition(s, 'Progressing');
  assert.equal(p?.reason, 'NewReplicaSetAvailable');
  assert.equal(p?.message, 'ReplicaSet "web-abc" has successfully progressed.');
  assert.equal(msUntilDeadline(deploy(3), s, NOW), undefined);
});

test('new RS created, then progress keeps lastTransitionTime and refreshes lastUpdateTime', () => {
  const newRS: ReplicaSet = { metadata: { name: 'web-new' }, spec: { replicas: 1, selector: {} }, status: { replicas: 0 } };
  const old = rs('web-old', 3, 3, 3);
  const before: DeploymentStatus = { observedGeneration: 1, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 };
  const s1 = computeDeploymentStatus(deploy(3, before), newRS, [newRS, old], NOW, 'created');
  assert.equal(getCondition(s1, 'Progressing')?.reason, 'NewReplicaSetCreated');
  assert.equal(getCondition(s1, 'Progressing')?.message, 'Created new replica set "web-new"');
  assert.equal(s1.unavailableReplicas, 1);
  assert.equal(getCondition(s1, 'Available')?.status, 'True', '3 available >= 3 - 0');
  // later: the new pod exists and is ready → progress.
  const later = NOW + 5000;
  const newRS2 = rs('web-new', 1, 1, 1);
  const s2 = computeDeploymentStatus(deploy(3, { ...s1, updatedReplicas: 0 }), newRS2, [newRS2, old], later);
  const p2 = getCondition(s2, 'Progressing');
  assert.equal(p2?.reason, 'ReplicaSetUpdated');
  assert.equal(p2?.message, 'ReplicaSet "web-new" is progressing.');
  assert.equal(p2?.lastTransitionTime, iso(NOW));
  assert.equal(p2?.lastUpdateTime, iso(later));
  assert.equal(msUntilDeadline(deploy(3), s2, later), 600_000 + 1000);
  assert.equal(computeDeploymentStatus(deploy(3, before), newRS, [newRS, old], NOW, 'found').conditions?.find((c) => c.type === 'Progressing')?.reason, 'FoundNewReplicaSet');
});

test('no progress past progressDeadlineSeconds → ProgressDeadlineExceeded; too few available → MinimumReplicasUnavailable', () => {
  const stuckSince = iso(NOW - 601_000);
  const prev: DeploymentStatus = {
    observedGeneration: 2, replicas: 1, updatedReplicas: 1, readyReplicas: 0, availableReplicas: 0,
    conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: 'x', lastUpdateTime: stuckSince, lastTransitionTime: stuckSince }],
  };
  const newRS = rs('web-new', 1, 0, 0);
  const s = computeDeploymentStatus(deploy(1, prev), newRS, [newRS], NOW);
  const p = getCondition(s, 'Progressing');
  assert.equal(p?.status, 'False');
  assert.equal(p?.reason, 'ProgressDeadlineExceeded');
  assert.equal(p?.message, 'ReplicaSet "web-new" has timed out progressing.');
  assert.equal(getCondition(s, 'Available')?.reason, 'MinimumReplicasUnavailable');
  assert.equal(getCondition(s, 'Available')?.message, 'Deployment does not have minimum availability.');
  // still within the deadline: nothing changes.
  const recent = iso(NOW - 1000);
  const prev2 = { ...prev, conditions: [{ ...prev.conditions![0], lastUpdateTime: recent }] };
  assert.equal(getCondition(computeDeploymentStatus(deploy(1, prev2), newRS, [newRS], NOW), 'Progressing')?.reason, 'ReplicaSetUpdated');
});

test('deploymentStatusChanged ignores key order', () => {
  const a: DeploymentStatus = { replicas: 1, observedGeneration: 2 };
  const b: DeploymentStatus = { observedGeneration: 2, replicas: 1 };
  assert.equal(deploymentStatusChanged(a, b), false);
  assert.equal(deploymentStatusChanged(a, { ...b, replicas: 2 }), true);
});

test('pause and resume show in Progressing; no deadline while paused', () => {
  const newRS = rs('web-new', 1, 0, 0);
  const old = iso(NOW - 3_600_000);
  const prev: DeploymentStatus = { conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: 'x', lastUpdateTime: old, lastTransitionTime: old }] };
  const paused = deploy(1, prev);
  paused.spec = { ...paused.spec!, paused: true };
  const s1 = computeDeploymentStatus(paused, newRS, [newRS], NOW);
  assert.deepEqual([getCondition(s1, 'Progressing')?.status, getCondition(s1, 'Progressing')?.reason, getCondition(s1, 'Progressing')?.message], ['Unknown', 'DeploymentPaused', 'Deployment is paused']);
  const resumed = deploy(1, s1);
  const s2 = computeDeploymentStatus(resumed, newRS, [newRS], NOW + 1000);
  assert.equal(getCondition(s2, 'Progressing')?.reason, 'DeploymentResumed');
  assert.equal(getCondition(s2, 'Progressing')?.message, 'Deployment is resumed');
});

test('ReplicaFailure of a ReplicaSet is surfaced on the deployment and cleared with it', () => {
  const bad: ReplicaSet = { metadata: { name: 'web-new' }, spec: { replicas: 1, selector: {} }, status: { replicas: 0, conditions: [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'pods "x" is forbidden' }] } };
  const s1 = computeDeploymentStatus(deploy(1), bad, [bad], NOW);
  assert.deepEqual([getCondition(s1, 'ReplicaFailure')?.reason, getCondition(s1, 'ReplicaFailure')?.message], ['FailedCreate', 'pods "x" is forbidden']);
  const good = rs('web-new', 1, 1, 1);
  const s2 = computeDeploymentStatus(deploy(1, s1), good, [good], NOW);
  assert.equal(getCondition(s2, 'ReplicaFailure'), undefined);
});
