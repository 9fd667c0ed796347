import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, Namespace } from 'kubernetes-types/core/v1';
import { ConfigMaps, Namespaces } from '../../apiserver/client/resources.ts';
import { fakeApiError } from '../../apiserver/testing/fake-client.ts';
import { harness, waitFor } from '../testing/harness.ts';
import { createRootCAPublisher, startRootCAPublisher } from './controller.ts';
import { DESCRIPTION, DESCRIPTION_ANNOTATION } from './decide.ts';

const PEM = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
const caOf = async (h: ReturnType<typeof harness>, ns: string): Promise<string | undefined> =>
  (await h.client.tryGet<ConfigMap>(ConfigMaps, 'kube-root-ca.crt', ns))?.data?.['ca.crt'];

test('publishes kube-root-ca.crt in every namespace and restores it after edits and deletes', async () => {
  const h = harness({ namespaces: ['team'] });
  h.deps.config = { ...h.deps.config, rootCA: PEM };
  const ac = new AbortController();
  startRootCAPublisher(h.deps, ac.signal);
  await h.start();
  try {
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'team']) await waitFor(`CA in ${ns}`, async () => (await caOf(h, ns)) === PEM);
    const cm = await h.client.get<ConfigMap>(ConfigMaps, 'kube-root-ca.crt', 'team');
    assert.equal(cm.metadata?.annotations?.[DESCRIPTION_ANNOTATION], DESCRIPTION);
    await h.client.create<Namespace>(Namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'late' } });
    await waitFor('CA in late', async () => (await caOf(h, 'late')) === PEM);
    await h.client.patch<ConfigMap>(ConfigMaps, 'kube-root-ca.crt', 'merge', { data: { 'ca.crt': 'tampered' } }, 'team');
    await waitFor('restored after edit', async () => (await caOf(h, 'team')) === PEM);
    await h.client.delete(ConfigMaps, 'kube-root-ca.crt', 'team');
    await waitFor('recreated after delete', async () => (await caOf(h, 'team')) === PEM);
  } finally {
    ac.abort();
    h.stop();
  }
});

test('no CA configured publishes an empty ca.crt; errors other than NotFound/Forbidden/AlreadyExists are retried', async () => {
  const h = harness({ namespaces: ['team'] });
  const c = createRootCAPublisher(h.deps);
  await h.start();
  try {
    h.client.failOn('create', 'configmaps', fakeApiError(500, 'InternalError', 'boom'));
    await assert.rejects(c.reconcile('team'), /boom/);
    assert.equal(await caOf(h, 'team'), undefined);
    await c.reconcile('team');
    assert.equal(await caOf(h, 'team'), '');
    h.client.clearActions();
    await c.reconcile('no-such-namespace');
    assert.equal(h.client.actions.filter((a) => a.verb !== 'get' && a.verb !== 'list' && a.verb !== 'watch').length, 0);
  } finally {
    h.stop();
  }
});
