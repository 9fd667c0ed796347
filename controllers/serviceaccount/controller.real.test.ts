/**
 * The ServiceAccount controller against the real API server (real etcd): the
 * system namespaces and a new one get `default`; a deleted one comes back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceAccount } from 'kubernetes-types/core/v1';
import { createInformerFactory } from '../../apiserver/client/informer.ts';
import { createEventRecorder } from '../../apiserver/client/events.ts';
import { Namespaces, ServiceAccounts } from '../../apiserver/client/resources.ts';
import type { ControllerDeps } from '../deps.ts';
import { quietLogger, waitFor } from '../testing/harness.ts';
import { startApiServerOrSkip } from '../../testutil/real-api.ts';
import { startServiceAccountController } from './controller.ts';

test('ServiceAccount controller against a real API server', async (t) => {
  const api = await startApiServerOrSkip(t);
  if (!api) return;
  const log = quietLogger('sa-real');
  const informers = createInformerFactory(api.client, log);
  const deps: ControllerDeps = {
    client: api.client, informers, log, recorder: createEventRecorder(api.client, 'serviceaccount-controller', log),
    config: { clusterCIDR: '10.244.0.0/16', nodeCIDRMaskSize: 24 },
  };
  const ac = new AbortController();
  startServiceAccountController(deps, ac.signal);
  informers.start(ac.signal);
  const sa = (ns: string): Promise<ServiceAccount | undefined> => api.client.tryGet<ServiceAccount>(ServiceAccounts, 'default', ns);
  try {
    for (const ns of ['default', 'kube-system']) await waitFor(`default SA in ${ns}`, async () => (await sa(ns)) !== undefined, 10_000);
    await api.client.create(Namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'sa-real' } });
    await waitFor('default SA in sa-real', async () => (await sa('sa-real')) !== undefined, 10_000);
    const uid = (await sa('sa-real'))?.metadata?.uid;
    await api.client.delete(ServiceAccounts, 'default', 'sa-real');
    await waitFor('recreated', async () => { const s = await sa('sa-real'); return s !== undefined && s.metadata?.uid !== uid; }, 10_000);
    assert.notEqual((await sa('sa-real'))?.metadata?.uid, uid);
  } finally {
    ac.abort();
    await api.stop();
  }
});
