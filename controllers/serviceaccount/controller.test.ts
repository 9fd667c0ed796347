import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Namespace, ServiceAccount } from 'kubernetes-types/core/v1';
import { Namespaces, ServiceAccounts } from '../../apiserver/client/resources.ts';
import { fakeApiError } from '../../apiserver/testing/fake-client.ts';
import { harness, waitFor } from '../testing/harness.ts';
import { createServiceAccountController, startServiceAccountController } from './controller.ts';

const hasDefault = async (h: ReturnType<typeof harness>, ns: string): Promise<boolean> =>
  (await h.client.tryGet<ServiceAccount>(ServiceAccounts, 'default', ns)) !== undefined;

test('every namespace gets a default ServiceAccount, recreated after deletion', async () => {
  const h = harness({ namespaces: ['team-a'] });
  const ac = new AbortController();
  startServiceAccountController(h.deps, ac.signal);
  await h.start();
  try {
    for (const ns of ['default', 'kube-system', 'kube-public', 'team-a']) await waitFor(`default SA in ${ns}`, () => hasDefault(h, ns));
    await h.client.create<Namespace>(Namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-b' } });
    await waitFor('default SA in team-b', () => hasDefault(h, 'team-b'));
    const before = (await h.client.get<ServiceAccount>(ServiceAccounts, 'default', 'team-b')).metadata?.uid;
    await h.client.delete(ServiceAccounts, 'default', 'team-b');
    await waitFor('default SA recreated', async () => {
      const sa = await h.client.tryGet<ServiceAccount>(ServiceAccounts, 'default', 'team-b');
      return sa !== undefined && sa.metadata?.uid !== before;
    });
  } finally {
    ac.abort();
    h.stop();
  }
});

test('reconcile: no create when present or namespace missing, AlreadyExists tolerated, other errors retried', async () => {
  const h = harness({ namespaces: ['team'] });
  const c = createServiceAccountController(h.deps);
  await h.start();
  try {
    await c.reconcile('team');
    assert.equal(await hasDefault(h, 'team'), true);
    h.client.clearActions();
    // The cache shows it now (or will): once it does, reconcile writes nothing.
    await waitFor('cache has the SA', async () => { h.client.clearActions(); await c.reconcile('team'); return h.client.actions.every((a) => a.verb !== 'create'); });
    await c.reconcile('missing-namespace');
    assert.equal(h.client.actions.filter((a) => a.verb === 'create').length, 0);

    h.client.failOn('create', 'serviceaccounts', fakeApiError(409, 'AlreadyExists', 'serviceaccounts "default" already exists'));
    await c.reconcile('kube-public');
    h.client.failOn('create', 'serviceaccounts', fakeApiError(500, 'InternalError', 'boom'));
    await assert.rejects(c.reconcile('kube-public'), /boom/);

  } finally {
    h.stop();
  }
});
