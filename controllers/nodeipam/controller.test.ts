import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event as CoreEvent, Node } from 'kubernetes-types/core/v1';
import { Events, Nodes } from '../../apiserver/client/resources.ts';
import { fakeApiError } from '../../apiserver/testing/fake-client.ts';
import { harness, waitFor } from '../testing/harness.ts';
import { createNodeIpamController, startNodeIpamController } from './controller.ts';

const node = (name: string, podCIDR?: string): Node => ({
  apiVersion: 'v1', kind: 'Node', metadata: { name },
  spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {},
});

async function cidrOf(h: ReturnType<typeof harness>, name: string): Promise<{ podCIDR?: string; podCIDRs?: string[] }> {
  const n = await h.client.get<Node>(Nodes, name);
  return { podCIDR: n.spec?.podCIDR, podCIDRs: n.spec?.podCIDRs };
}

test('assigns the lowest free /24 to new nodes, after rebuilding occupancy from existing ones', async () => {
  const h = harness();
  // Restart safety: node-a already holds 10.244.0.0/24, node-b holds 10.244.2.0/24.
  await h.client.create(Nodes, node('node-a', '10.244.0.0/24'));
  await h.client.create(Nodes, node('node-b', '10.244.2.0/24'));
  await h.client.create(Nodes, node('node-c'));
  const ac = new AbortController();
  startNodeIpamController(h.deps, ac.signal);
  await h.start();
  try {
    await waitFor('node-c CIDR', async () => (await cidrOf(h, 'node-c')).podCIDR !== undefined);
    assert.deepEqual(await cidrOf(h, 'node-c'), { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] });
    await h.client.create(Nodes, node('node-d'));
    await waitFor('node-d CIDR', async () => (await cidrOf(h, 'node-d')).podCIDR !== undefined);
    assert.equal((await cidrOf(h, 'node-d')).podCIDR, '10.244.3.0/24');
    // Existing assignments are never touched.
    assert.deepEqual(await cidrOf(h, 'node-a'), { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] });
    const patches = h.client.actions.filter((a) => a.verb === 'patch' && a.resource === 'nodes').map((a) => a.name);
    assert.deepEqual(patches, ['node-c', 'node-d']);
    // A deleted node's CIDR becomes free again.
    await h.client.delete(Nodes, 'node-a');
    await h.client.create(Nodes, node('node-e'));
    await waitFor('node-e CIDR', async () => (await cidrOf(h, 'node-e')).podCIDR !== undefined);
    assert.equal((await cidrOf(h, 'node-e')).podCIDR, '10.244.0.0/24');
  } finally {
    ac.abort();
    h.stop();
  }
});

test('a full cluster CIDR records CIDRNotAvailable and retries later; a failed patch frees the CIDR', async () => {
  const h = harness();
  h.deps.config = { clusterCIDR: '10.244.0.0/23', nodeCIDRMaskSize: 24 };
  await h.client.create(Nodes, node('n1', '10.244.0.0/24'));
  await h.client.create(Nodes, node('n2'));
  await h.client.create(Nodes, node('n3'));
  const c = createNodeIpamController(h.deps);
  await h.start();
  try {
    c.rebuild();
    h.client.failOn('patch', 'nodes', fakeApiError(500, 'InternalError', 'boom'));
    await assert.rejects(c.reconcile('n2'), /boom/);
    assert.equal(c.allocator.isUsed('10.244.1.0/24'), false, 'released after the failed patch');
    assert.equal(await c.reconcile('n2'), undefined);
    assert.equal((await cidrOf(h, 'n2')).podCIDR, '10.244.1.0/24');
    assert.deepEqual(await c.reconcile('n3'), { requeueAfterMs: 30_000 });
    assert.equal((await cidrOf(h, 'n3')).podCIDR, undefined);
    await h.recorder.flush();
    const reasons = (await h.client.list<CoreEvent>(Events)).items.map((e) => `${e.involvedObject?.name}:${e.reason}`);
    assert.ok(reasons.includes('n3:CIDRNotAvailable'), reasons.join(','));
    assert.ok(reasons.includes('n2:CIDRAssignmentSucceeded'), reasons.join(','));
    // Reconciling a node that already has a CIDR (or is gone) does nothing.
    h.client.clearActions();
    await c.reconcile('n1');
    await c.reconcile('missing');
    assert.equal(h.client.actions.filter((a) => a.verb === 'patch').length, 0);
  } finally {
    h.stop();
  }
});
