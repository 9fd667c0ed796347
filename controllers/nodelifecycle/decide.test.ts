import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lease } from 'kubernetes-types/coordination/v1';
import type { Node, NodeCondition, Taint, Toleration } from 'kubernetes-types/core/v1';
import { microTime, rfc3339 } from '../../apiserver/api/time.ts';
import {
  desiredTaints, evictionDecision, fullDisruption, observeHealth, tolerationStartMs, unknownConditions,
  type EvictionDecision, type HealthRecord,
} from './decide.ts';

const T0 = Date.parse('2026-12-01T10:00:00Z');
const s = (sec: number): number => T0 + sec * 1000;
const periods = { graceMs: 40_000, startupGraceMs: 60_000 };

const cond = (type: string, status: string, heartbeatSec = 0): NodeCondition => ({
  type, status, reason: 'Kubelet', message: 'm', lastHeartbeatTime: rfc3339(s(heartbeatSec)), lastTransitionTime: rfc3339(s(-100)),
});
const node = (conditions?: NodeCondition[], spec: Node['spec'] = {}): Node => ({
  apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', creationTimestamp: rfc3339(s(-10)) }, spec, status: conditions ? { conditions } : {},
});
const lease = (renewSec: number): Lease => ({ metadata: { name: 'n1', namespace: 'kube-node-lease' }, spec: { renewTime: microTime(s(renewSec)) } });
const healthy = (hb = 0): NodeCondition[] => [cond('MemoryPressure', 'False', hb), cond('DiskPressure', 'False', hb), cond('PIDPressure', 'False', hb), cond('Ready', 'True', hb)];

test('observeHealth: the probe time is local and moves only on a new heartbeat', () => {
  const cases: Array<{ name: string; prev?: HealthRecord; node: Node; lease?: Lease; now: number; probe: number }> = [
    { name: 'first sight with Ready: now', node: node(healthy()), now: s(5), probe: s(5) },
    { name: 'first sight, never posted: creationTimestamp', node: node(), now: s(5), probe: s(-10) },
    { name: 'first sight, never posted but a Lease: now', node: node(), lease: lease(1), now: s(5), probe: s(5) },
    { name: 'same heartbeat, same lease: unchanged', prev: { probeMs: s(1), readyHeartbeat: rfc3339(s(0)), leaseRenewMs: s(0) }, node: node(healthy(0)), lease: lease(0), now: s(30), probe: s(1) },
    { name: 'new Ready heartbeat: now', prev: { probeMs: s(1), readyHeartbeat: rfc3339(s(0)) }, node: node(healthy(10)), now: s(11), probe: s(11) },
    { name: 'renewed Lease: now', prev: { probeMs: s(1), readyHeartbeat: rfc3339(s(0)), leaseRenewMs: s(0) }, node: node(healthy(0)), lease: lease(10), now: s(12), probe: s(12) },
    { name: 'older Lease (skewed kubelet clock) does not count', prev: { probeMs: s(1), readyHeartbeat: rfc3339(s(0)), leaseRenewMs: s(10) }, node: node(healthy(0)), lease: lease(5), now: s(12), probe: s(1) },
    { name: 'lease renewTime in the future still counts as new, judged locally', prev: { probeMs: s(1), readyHeartbeat: rfc3339(s(0)), leaseRenewMs: s(0) }, node: node(healthy(0)), lease: lease(3600), now: s(12), probe: s(12) },
  ];
  for (const c of cases) assert.equal(observeHealth(c.prev, c.node, c.lease, c.now).probeMs, c.probe, c.name);
});

test('unknownConditions: after the grace period, monitored conditions go Unknown with kube reasons', () => {
  const rec: HealthRecord = { probeMs: s(0), readyHeartbeat: rfc3339(s(0)) };
  assert.equal(unknownConditions(node(healthy()), rec, s(40), periods), undefined, 'exactly at the deadline: not yet');
  const out = unknownConditions(node([...healthy(), cond('NetworkUnavailable', 'False')]), rec, s(41), periods);
  assert.ok(out);
  const ready = out.find((c) => c.type === 'Ready');
  assert.deepEqual(ready, { type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: rfc3339(s(0)), lastTransitionTime: rfc3339(s(41)) });
  assert.deepEqual(out.map((c) => `${c.type}=${c.status}`), ['MemoryPressure=Unknown', 'DiskPressure=Unknown', 'PIDPressure=Unknown', 'Ready=Unknown', 'NetworkUnavailable=False']);
  // Already Unknown: nothing to write (the transition time is not bumped).
  assert.equal(unknownConditions(node(out), rec, s(100), periods), undefined);
  // A node that never posted: the startup grace, then every monitored condition is added.
  const fresh: HealthRecord = { probeMs: s(-10), readyHeartbeat: '' };
  assert.equal(unknownConditions(node(), fresh, s(50), periods), undefined, 'within the 60 s startup grace');
  const never = unknownConditions(node(), fresh, s(51), periods);
  assert.deepEqual(never?.map((c) => [c.type, c.status, c.reason, c.message, c.lastHeartbeatTime]), [
    ['Ready', 'Unknown', 'NodeStatusNeverUpdated', 'Kubelet never posted node status.', rfc3339(s(-10))],
    ['MemoryPressure', 'Unknown', 'NodeStatusNeverUpdated', 'Kubelet never posted node status.', rfc3339(s(-10))],
    ['DiskPressure', 'Unknown', 'NodeStatusNeverUpdated', 'Kubelet never posted node status.', rfc3339(s(-10))],
    ['PIDPressure', 'Unknown', 'NodeStatusNeverUpdated', 'Kubelet never posted node status.', rfc3339(s(-10))],
  ]);
});

test('desiredTaints: table over the node conditions', () => {
  const foreign: Taint = { key: 'gpu', value: 'true', effect: 'NoSchedule' };
  const unreachableNE: Taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: rfc3339(s(1)) };
  const now = s(50);
  const at = rfc3339(now);
  const ready = (status: string): NodeCondition[] => [cond('Ready', status)];
  const cases: Array<{ name: string; n: Node; want: Taint[]; changed: boolean }> = [
    { name: 'healthy, no taints', n: node(healthy()), want: [], changed: false },
    { name: 'healthy keeps foreign taints', n: node(healthy(), { taints: [foreign] }), want: [foreign], changed: false },
    { name: 'Unknown → unreachable NoSchedule + NoExecute (timeAdded now)', n: node(ready('Unknown'), { taints: [foreign] }),
      want: [foreign, { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: at }], changed: true },
    { name: 'Unknown, already tainted: timeAdded kept, no change',
      n: node(ready('Unknown'), { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }, unreachableNE] }),
      want: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }, unreachableNE], changed: false },
    { name: 'False → not-ready; unreachable swapped out', n: node(ready('False'), { taints: [unreachableNE] }),
      want: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute', timeAdded: at }], changed: true },
    { name: 'Ready again → owned taints removed, foreign kept',
      n: node(healthy(), { taints: [foreign, { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }, unreachableNE] }), want: [foreign], changed: true },
    { name: 'no Ready condition yet: an existing NoExecute taint stays', n: node(undefined, { taints: [unreachableNE] }), want: [unreachableNE], changed: false },
    { name: 'cordoned and under memory pressure', n: node([cond('Ready', 'True'), cond('MemoryPressure', 'True')], { unschedulable: true }),
      want: [{ key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }], changed: true },
    { name: 'uncordoned: unschedulable taint removed', n: node(healthy(), { taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] }), want: [], changed: true },
    { name: 'a user NoExecute taint with a controller key but another effect is foreign',
      n: node(healthy(), { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'PreferNoSchedule' }] }), want: [{ key: 'node.kubernetes.io/unreachable', effect: 'PreferNoSchedule' }], changed: false },
  ];
  for (const c of cases) assert.deepEqual(desiredTaints(c.n, now), { taints: c.want, changed: c.changed }, c.name);
});

test('fullDisruption: no node Ready withholds NoExecute taints; the NoSchedule ones still follow the conditions', () => {
  assert.equal(fullDisruption([]), false);
  assert.equal(fullDisruption([node([cond('Ready', 'Unknown')]), node(healthy())]), false);
  assert.equal(fullDisruption([node([cond('Ready', 'Unknown')]), node([cond('Ready', 'False')]), node()]), true);
  const unreachableNE: Taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: rfc3339(s(1)) };
  const out = desiredTaints(node([cond('Ready', 'Unknown')], { taints: [unreachableNE] }), s(9), true);
  assert.deepEqual(out, { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }], changed: true });
});

test('evictionDecision: table over tolerations × taints', () => {
  const since = s(100);
  const unreachable: Taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' };
  const notReady: Taint = { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' };
  const tol = (key: string | undefined, seconds?: number, effect: string | undefined = 'NoExecute'): Toleration =>
    ({ key, operator: 'Exists', effect, ...(seconds !== undefined ? { tolerationSeconds: seconds } : {}) });
  const cases: Array<{ name: string; tolerations: Toleration[]; taints: Taint[]; want: EvictionDecision }> = [
    { name: 'no NoExecute taint', tolerations: [], taints: [], want: { kind: 'none' } },
    { name: 'no toleration → now', tolerations: [], taints: [unreachable], want: { kind: 'now' } },
    { name: 'toleration for another taint → now', tolerations: [tol('node.kubernetes.io/not-ready', 300)], taints: [unreachable], want: { kind: 'now' } },
    { name: 'default 300 s', tolerations: [tol('node.kubernetes.io/not-ready', 300), tol('node.kubernetes.io/unreachable', 300)], taints: [unreachable], want: { kind: 'at', atMs: since + 300_000 } },
    { name: 'toleration without seconds → never', tolerations: [tol('node.kubernetes.io/unreachable')], taints: [unreachable], want: { kind: 'never' } },
    { name: 'tolerate-everything → never', tolerations: [{ operator: 'Exists' }], taints: [unreachable, notReady], want: { kind: 'never' } },
    { name: 'zero seconds → now', tolerations: [tol('node.kubernetes.io/unreachable', 0)], taints: [unreachable], want: { kind: 'now' } },
    { name: 'negative seconds → now', tolerations: [tol('node.kubernetes.io/unreachable', -5)], taints: [unreachable], want: { kind: 'now' } },
    { name: 'two taints: the shortest matched toleration wins', tolerations: [tol('node.kubernetes.io/unreachable', 20), tol('node.kubernetes.io/not-ready', 5)], taints: [unreachable, notReady], want: { kind: 'at', atMs: since + 5_000 } },
    { name: 'one of two taints untolerated → now', tolerations: [tol('node.kubernetes.io/unreachable', 20)], taints: [unreachable, notReady], want: { kind: 'now' } },
    { name: 'first matching toleration per taint is used (kube GetMatchingTolerations)', tolerations: [tol('node.kubernetes.io/unreachable'), tol('node.kubernetes.io/unreachable', 2)], taints: [unreachable], want: { kind: 'never' } },
    { name: 'a NoSchedule toleration does not tolerate NoExecute', tolerations: [tol('node.kubernetes.io/unreachable', 300, 'NoSchedule')], taints: [unreachable], want: { kind: 'now' } },
    { name: 'empty effect tolerates NoExecute', tolerations: [tol('node.kubernetes.io/unreachable', 7, undefined)], taints: [unreachable], want: { kind: 'at', atMs: since + 7_000 } },
  ];
  for (const c of cases) assert.deepEqual(evictionDecision(c.tolerations, c.taints, since), c.want, c.name);
});

test('tolerationStartMs: earliest taint, not before the pod was bound', () => {
  const t = (sec?: number): Taint => ({ key: 'k', effect: 'NoExecute', ...(sec !== undefined ? { timeAdded: rfc3339(s(sec)) } : {}) });
  assert.equal(tolerationStartMs([t(10), t(4)], undefined, s(99)), s(4));
  assert.equal(tolerationStartMs([t(10)], rfc3339(s(2)), s(99)), s(10), 'bound before the taint');
  assert.equal(tolerationStartMs([t(10)], rfc3339(s(30)), s(99)), s(30), 'bound onto an already tainted node');
  assert.equal(tolerationStartMs([t()], undefined, s(99)), s(99), 'no timeAdded: now');
});
