/**
 * The root CA publisher against the real API server (real etcd): published
 * into existing and new namespaces, restored after a delete.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap } from 'kubernetes-types/core/v1';
import { createInformerFactory } from '../../apiserver/client/informer.ts';
import { createEventRecorder } from '../../apiserver/client/events.ts';
import { ConfigMaps, Namespaces } from '../../apiserver/client/resources.ts';
import type { ControllerDeps } from '../deps.ts';
import { quietLogger, waitFor } from '../testing/harness.ts';
import { startApiServerOrSkip } from '../../testutil/real-api.ts';
import { startRootCAPublisher } from './controller.ts';

const PEM = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';

test('root CA publisher against a real API server', async (t) => {
  const api = await startApiServerOrSkip(t);
  if (!api) return;
  const log = quietLogger('rootca-real');
  const informers = createInformerFactory(api.client, log);
  const deps: ControllerDeps = {
    client: api.client, informers, log, recorder: createEventRecorder(api.client, 'root-ca-cert-publisher', log),
    config: { clusterCIDR: '10.244.0.0/16', nodeCIDRMaskSize: 24, rootCA: PEM },
  };
  const ac = new AbortController();
  startRootCAPublisher(deps, ac.signal);
  informers.start(ac.signal);
  const ca = async (ns: string): Promise<string | undefined> => (await api.client.tryGet<ConfigMap>(ConfigMaps, 'kube-root-ca.crt', ns))?.data?.['ca.crt'];
  try {
    await waitFor('CA in default', async () => (await ca('default')) === PEM, 10_000);
    await api.client.create(Namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'rootca-real' } });
    await waitFor('CA in rootca-real', async () => (await ca('rootca-real')) === PEM, 10_000);
    await api.client.delete(ConfigMaps, 'kube-root-ca.crt', 'rootca-real');
    await waitFor('CA recreated', async () => (await ca('rootca-real')) === PEM, 10_000);
    assert.equal(await ca('rootca-real'), PEM);
  } finally {
    ac.abort();
    await api.stop();
  }
});
