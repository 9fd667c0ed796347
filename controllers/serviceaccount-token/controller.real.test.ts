/**
 * The token controller end to end: the cluster PKI (deploy/pki), real etcd,
 * the real API server over HTTPS with a P-256 service-account key, and the
 * controller manager (runControllerManager with --service-account-private-
 * key-file and --root-ca-file) reaching it with the admin cert. A token
 * Secret gets token, ca.crt and namespace; the token authenticates as its
 * ServiceAccount (SelfSubjectReview); deleting the SA deletes the Secret and
 * the token gets 401; a Secret naming a missing SA is deleted.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Secret, ServiceAccount } from 'kubernetes-types/core/v1';
import { loopbackServer, writeCertKubeconfig } from '../../deploy/pki/kubeconfig.ts';
import { caPaths, leafPaths } from '../../deploy/pki/layout.ts';
import { readLeafPair } from '../../deploy/pki/read-leaf.ts';
import { CERT, type ClusterIdentity } from '../../deploy/pki/specs.ts';
import { runApiServer } from '../../apiserver/main.ts';
import { RestClient } from '../../apiserver/client/rest.ts';
import type { ResourceRef } from '../../apiserver/client/resources.ts';
import { Secrets, ServiceAccounts } from '../../apiserver/client/resources.ts';
import { ApiError } from '../../apiserver/client/types.ts';
import { freePort, startEtcd, type TestEtcd } from '../../testutil/etcd.ts';
import { usePKIs } from '../../testutil/pki.ts';
import { etcdSkipReason, quietLogger } from '../../testutil/real-api.ts';
import { waitFor } from '../testing/harness.ts';
import { runControllerManager } from '../main.ts';
import { SA_NAME_ANNOTATION, SA_TOKEN_SECRET_TYPE, SA_UID_ANNOTATION } from './decide.ts';

const cluster: ClusterIdentity = { hostname: 'srv1', serverIPs: ['127.0.0.1'], serviceCIDR: '10.96.0.0/12', nodes: [{ name: 'srv1', ips: ['127.0.0.1'] }] };
const skip = etcdSkipReason();
const pki = usePKIs('satoken-real', cluster);
const SelfSubjectReviews: ResourceRef = { group: 'authentication.k8s.io', version: 'v1', resource: 'selfsubjectreviews', kind: 'SelfSubjectReview', namespaced: false };
let etcd: TestEtcd | undefined;

before(async () => {
  if (!skip) etcd = await startEtcd();
});
after(async () => {
  await etcd?.stop();
});

/** Whom the API server takes `token` for: the SelfSubjectReview username, or the HTTP code of the refusal. */
async function whoAmI(url: string, ca: string, token: string): Promise<string | number> {
  const c = new RestClient({ baseUrl: url, ca, token });
  try {
    const r = await c.create<{ apiVersion: string; kind: string; status?: { userInfo?: { username?: string } } }>(SelfSubjectReviews, { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
    return r.status?.userInfo?.username ?? '';
  } catch (e) {
    if (e instanceof ApiError) return e.code;
    throw e;
  } finally {
    c.close();
  }
}

test('token Secrets are filled with a working legacy token and deleted with their ServiceAccount', { skip }, async () => {
  const caFile = caPaths(pki.dataDir, 'cluster').cert;
  const caPem = await readFile(caFile, 'utf8');
  const serving = leafPaths(pki.dataDir, CERT.apiserverServing);
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1', privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const keyFile = join(pki.dir, 'sa.key');
  await writeFile(keyFile, privateKey, { mode: 0o600 });

  const port = await freePort();
  const url = loopbackServer(port);
  const ac = new AbortController();
  let listening!: () => void;
  const ready = new Promise<void>((resolve) => { listening = resolve; });
  const api = runApiServer({
    etcdEndpoints: [etcd!.endpoint], bindAddress: '127.0.0.1', port, serviceCIDR: cluster.serviceCIDR, log: quietLogger('apiserver'), compactionIntervalMs: 0,
    tls: { cert: serving.cert, key: serving.key, clientCA: caFile, serviceAccountKey: keyFile }, authorization: 'AlwaysAllow', onListening: () => listening(),
  }, ac.signal);
  const admin = await readLeafPair(pki.dataDir, CERT.admin);
  const kubeconfig = join(pki.dir, 'admin.kubeconfig');
  await writeCertKubeconfig(kubeconfig, { server: url, caPem, certPem: admin.cert, keyPem: admin.key });
  const client = new RestClient({ baseUrl: url, ca: caPem, cert: admin.cert, key: admin.key });
  let cm: Promise<void> | undefined;
  try {
    await Promise.race([ready, api.then(() => { throw new Error('API server exited before listening'); })]);
    cm = runControllerManager({
      apiUrl: url, kubeconfig, clusterCIDR: '10.244.0.0/16', nodeCIDRMaskSize: 24, healthzPort: 0, log: quietLogger('cm'),
      controllers: ['serviceaccount-token'], rootCAFile: caFile, serviceAccountKeyFile: keyFile,
    }, ac.signal);

    const sa = await client.create<ServiceAccount>(ServiceAccounts, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'build', namespace: 'default' } }, 'default');
    await client.create<Secret>(Secrets, { apiVersion: 'v1', kind: 'Secret', type: SA_TOKEN_SECRET_TYPE, metadata: { name: 'build-token', namespace: 'default', annotations: { [SA_NAME_ANNOTATION]: 'build' } } }, 'default');
    await waitFor('token filled', async () => (await client.get<Secret>(Secrets, 'build-token', 'default')).data?.token !== undefined, 20_000);
    const s = await client.get<Secret>(Secrets, 'build-token', 'default');
    const text = (k: string): string => Buffer.from(s.data?.[k] ?? '', 'base64').toString('utf8');
    assert.equal(text('ca.crt'), caPem);
    assert.equal(text('namespace'), 'default');
    assert.equal(s.metadata?.annotations?.[SA_UID_ANNOTATION], sa.metadata?.uid);
    const token = text('token');
    assert.equal(await whoAmI(url, caPem, token), 'system:serviceaccount:default:build');

    await client.delete(ServiceAccounts, 'build', 'default');
    await waitFor('secret deleted with its SA', async () => (await client.tryGet<Secret>(Secrets, 'build-token', 'default')) === undefined, 20_000);
    assert.equal(await whoAmI(url, caPem, token), 401);

    await client.create<Secret>(Secrets, { apiVersion: 'v1', kind: 'Secret', type: SA_TOKEN_SECRET_TYPE, metadata: { name: 'orphan-token', namespace: 'default', annotations: { [SA_NAME_ANNOTATION]: 'nobody' } } }, 'default');
    await waitFor('secret of a missing SA deleted', async () => (await client.tryGet<Secret>(Secrets, 'orphan-token', 'default')) === undefined, 20_000);
  } finally {
    ac.abort();
    await cm?.catch(() => undefined);
    await api.catch(() => undefined);
    client.close();
  }
});
