import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, PodStatus } from 'kubernetes-types/core/v1';
import { Pods } from '../../apiserver/client/resources.ts';
import { FakeClient } from '../../apiserver/testing/fake-client.ts';
import { quietLogger } from '../../testutil/log.ts';
import { conditionsDiffer, StatusManager } from './manager.ts';

const ready = (status: string): PodStatus => ({ phase: 'Running', conditions: [{ type: 'Ready', status, lastTransitionTime: '2026-12-01T10:00:00Z' }] });

test('conditionsDiffer: only condition types the kubelet computes, only their status', () => {
  assert.equal(conditionsDiffer(ready('True'), ready('True')), false);
  assert.equal(conditionsDiffer(ready('False'), ready('True')), true);
  assert.equal(conditionsDiffer({ conditions: [{ type: 'DisruptionTarget', status: 'True' }, { type: 'Ready', status: 'True' }] }, ready('True')), false);
  assert.equal(conditionsDiffer(undefined, ready('True')), false);
});

test('a Ready condition set False by another writer is written again; an unchanged status is not', async () => {
  const client = new FakeClient({ namespaces: ['ns'] });
  const pod = await client.create<Pod>(Pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x' }] } }, 'ns');
  const sm = new StatusManager(client, quietLogger('status'));
  await sm.set(pod, ready('True'));
  const writes = (): number => client.actions.filter((a) => a.verb === 'patch' && a.subresource === 'status').length;
  assert.equal(writes(), 1);
  await sm.set(await client.get<Pod>(Pods, 'p', 'ns'), ready('True'));
  assert.equal(writes(), 1, 'unchanged: no write');
  // The node lifecycle controller marks the pod not ready.
  await client.patch(Pods, 'p', 'strategic', { status: { conditions: [{ type: 'Ready', status: 'False' }] } }, 'ns', 'status');
  await sm.set(await client.get<Pod>(Pods, 'p', 'ns'), ready('True'));
  assert.equal(writes(), 3);
  assert.equal((await client.get<Pod>(Pods, 'p', 'ns')).status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
});
