/**
 * Node IPAM against the real API server (real etcd): assignment, then a
 * restarted controller that must rebuild occupancy from the stored nodes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Node } from 'kubernetes-types/core/v1';
import { createInformerFactory } from '../../apiserver/client/informer.ts';
import { createEventRecorder } from '../../apiserver/client/events.ts';
import { Nodes } from '../../apiserver/client/resources.ts';
import type { ControllerDeps } from '../deps.ts';
import { quietLogger, waitFor } from '../testing/harness.ts';
import { startApiServerOrSkip } from '../../testutil/real-api.ts';
import { startNodeIpamController } from './controller.ts';

test('node IPAM against a real API server, across a controller restart', async (t) => {
  const api = await startApiServerOrSkip(t);
  if (!api) return;
  const runController = (): AbortController => {
    const log = quietLogger('nodeipam-real');
    const informers = createInformerFactory(api.client, log);
    const deps: ControllerDeps = {
      client: api.client, informers, log, recorder: createEventRecorder(api.client, 'node-ipam', log),
      config: { clusterCIDR: '10.244.0.0/16', nodeCIDRMaskSize: 24 },
    };
    const ac = new AbortController();
    startNodeIpamController(deps, ac.signal);
    informers.start(ac.signal);
    return ac;
  };
  const cidr = async (name: string): Promise<string | undefined> => (await api.client.get<Node>(Nodes, name)).spec?.podCIDR;
  try {
    await api.client.create(Nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a' } });
    const first = runController();
    await waitFor('node-a CIDR', async () => (await cidr('node-a')) !== undefined, 10_000);
    assert.equal(await cidr('node-a'), '10.244.0.0/24');
    assert.deepEqual((await api.client.get<Node>(Nodes, 'node-a')).spec?.podCIDRs, ['10.244.0.0/24']);
    await api.client.create(Nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-b' } });
    await waitFor('node-b CIDR', async () => (await cidr('node-b')) !== undefined, 10_000);
    assert.equal(await cidr('node-b'), '10.244.1.0/24');
    first.abort();

    // A new controller process: occupancy comes from the stored nodes, not memory.
    await api.client.create(Nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-c' } });
    const second = runController();
    try {
      await waitFor('node-c CIDR', async () => (await cidr('node-c')) !== undefined, 10_000);
      assert.equal(await cidr('node-c'), '10.244.2.0/24');
      assert.equal(await cidr('node-a'), '10.244.0.0/24');
    } finally {
      second.abort();
    }
  } finally {
    await api.stop();
  }
});
