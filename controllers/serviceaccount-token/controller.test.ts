import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { Secret, ServiceAccount } from 'kubernetes-types/core/v1';
import { verifyJws } from '../../apiserver/auth/authn/jws.ts';
import { Secrets, ServiceAccounts } from '../../apiserver/client/resources.ts';
import { fakeApiError } from '../../apiserver/testing/fake-client.ts';
import { harness, waitFor } from '../testing/harness.ts';
import { createTokensController, startTokensController } from './controller.ts';
import { SA_NAME_ANNOTATION, SA_TOKEN_SECRET_TYPE, SA_UID_ANNOTATION } from './decide.ts';

const PEM = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const unb64 = (v: string | undefined): string => Buffer.from(v ?? '', 'base64').toString('utf8');
const tokenSecret = (name: string, sa: string, extra: Partial<Secret> = {}): Secret => ({
  apiVersion: 'v1', kind: 'Secret', type: SA_TOKEN_SECRET_TYPE, metadata: { name, namespace: 'team', annotations: { [SA_NAME_ANNOTATION]: sa } }, ...extra,
});
const serviceAccount = (name: string): ServiceAccount => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: 'team' } });

test('fills token Secrets with a verifiable legacy token, deletes them with their ServiceAccount', async () => {
  const h = harness({ namespaces: ['team'] });
  h.deps.config = { ...h.deps.config, rootCA: PEM, serviceAccountKey: privateKey };
  const ac = new AbortController();
  startTokensController(h.deps, ac.signal);
  await h.start();
  try {
    const sa = await h.client.create<ServiceAccount>(ServiceAccounts, serviceAccount('build'), 'team');
    await h.client.create<Secret>(Secrets, tokenSecret('build-token', 'build'), 'team');
    await h.client.create<Secret>(Secrets, { apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: 'plain', namespace: 'team', annotations: { [SA_NAME_ANNOTATION]: 'gone' } } }, 'team');
    await waitFor('token filled', async () => (await h.client.get<Secret>(Secrets, 'build-token', 'team')).data?.token !== undefined);
    const s = await h.client.get<Secret>(Secrets, 'build-token', 'team');
    assert.equal(unb64(s.data?.['ca.crt']), PEM);
    assert.equal(unb64(s.data?.namespace), 'team');
    assert.equal(s.metadata?.annotations?.[SA_UID_ANNOTATION], sa.metadata?.uid);
    const v = verifyJws(unb64(s.data?.token), [createPublicKey(privateKey)]);
    assert.ok('claims' in v, JSON.stringify(v));
    assert.equal(v.claims.sub, 'system:serviceaccount:team:build');
    assert.equal(v.claims['kubernetes.io/serviceaccount/secret.name'], 'build-token');
    assert.equal(v.claims['kubernetes.io/serviceaccount/service-account.uid'], sa.metadata?.uid);

    await h.client.delete(ServiceAccounts, 'build', 'team');
    await waitFor('secret deleted with its SA', async () => (await h.client.tryGet<Secret>(Secrets, 'build-token', 'team')) === undefined);
    await h.client.create<Secret>(Secrets, tokenSecret('orphan-token', 'nobody'), 'team');
    await waitFor('secret of a missing SA deleted', async () => (await h.client.tryGet<Secret>(Secrets, 'orphan-token', 'team')) === undefined);
    assert.notEqual(await h.client.tryGet<Secret>(Secrets, 'plain', 'team'), undefined, 'other Secret types are left alone');
  } finally {
    ac.abort();
    h.stop();
  }
});

test('reconcile: a 409 on the update is thrown (retried), NotFound is not; a recreated SA deletes the old token', async () => {
  const h = harness({ namespaces: ['team'] });
  h.deps.config = { ...h.deps.config, serviceAccountKey: privateKey };
  const c = createTokensController(h.deps, privateKey);
  await h.start();
  try {
    await h.client.create<ServiceAccount>(ServiceAccounts, serviceAccount('build'), 'team');
    await h.client.create<Secret>(Secrets, tokenSecret('build-token', 'build'), 'team');
    h.client.failOn('update', 'secrets', fakeApiError(409, 'Conflict', 'the object has been modified'));
    await waitFor('cache sees the secret, reconcile rejects with the 409', async () => {
      try { await c.reconcile('team/build-token'); return false; } catch (e) { return /modified/.test(String(e)); }
    });
    h.client.failOn('update', 'secrets', fakeApiError(404, 'NotFound', 'secrets "build-token" not found'));
    await c.reconcile('team/build-token');
    await c.reconcile('team/build-token');
    const filled = await h.client.get<Secret>(Secrets, 'build-token', 'team');
    assert.notEqual(filled.data?.token, undefined, 'the failOn stubs were one-shot; the third reconcile filled it');
    assert.equal(filled.data?.['ca.crt'], undefined, 'no CA configured: no ca.crt');

    await h.client.delete(ServiceAccounts, 'build', 'team');
    await h.client.create<ServiceAccount>(ServiceAccounts, serviceAccount('build'), 'team');
    await waitFor('cache has the new secret version', async () => { await c.reconcile('team/build-token'); return (await h.client.tryGet<Secret>(Secrets, 'build-token', 'team')) === undefined; });
  } finally {
    h.stop();
  }
});

test('without a service account key the controller is not started and says so', () => {
  const h = harness();
  const lines: string[] = [];
  h.deps.log = { ...h.deps.log, info: (msg: string) => { lines.push(msg); } };
  startTokensController(h.deps, new AbortController().signal);
  assert.deepEqual(lines, ['service account token controller not started: no service account private key configured']);
});
