/**
 * Integration: the whole kubelet (runKubelet, FakeRuntime) with
 * `--tls-cert-file`, `--tls-private-key-file`, `--client-ca-file` and
 * `--authorization-mode Webhook` from a deploy/pki PKI, against the real API
 * server. The SubjectAccessReview is the test hook (the API's
 * subjectaccessreviews endpoint is another engineer's work); the real
 * kubelet port is then probed over TLS.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SubjectAccessReview } from 'kubernetes-types/authorization/v1';
import type { Node } from 'kubernetes-types/core/v1';
import { Nodes } from '../apiserver/client/resources.ts';
import { ensurePKI } from '../deploy/pki/ensure.ts';
import { caPaths, leafPaths } from '../deploy/pki/layout.ts';
import { CERT } from '../deploy/pki/specs.ts';
import { freePort } from '../testutil/etcd.ts';
import { quietLogger, startApiServerOrSkip } from '../testutil/real-api.ts';
import { waitFor } from '../testutil/wait.ts';
import { FakeRuntime } from './cri/fake.ts';
import { runKubelet, type KubeletOptions } from './main.ts';

const log = quietLogger('kubelet');

/** GET https://127.0.0.1:port/path verifying the kubelet against `ca`; resolves code and body. */
function get(port: number, path: string, ca: string, client?: { cert: string; key: string }): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, ca, ...client, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('runKubelet serves its API over TLS with x509 authentication and Webhook authorization', { timeout: 90_000 }, async (t) => {
  const api = await startApiServerOrSkip(t);
  if (!api) return;
  const dir = await mkdtemp(join(tmpdir(), 'skiff-kubelet-tls-'));
  const dataDir = join(dir, 'data');
  await ensurePKI({ dataDir, cluster: { hostname: 'srv1', serverIPs: ['127.0.0.1'], serviceCIDR: '10.96.0.0/12', nodes: [{ name: 'node-t', ips: ['127.0.0.1'] }] }, crypto: globalThis.crypto, now: new Date() });
  const pem = async (name: string): Promise<{ cert: string; key: string }> => {
    const p = leafPaths(dataDir, name);
    return { cert: await readFile(p.cert, 'utf8'), key: await readFile(p.key, 'utf8') };
  };
  const ca = await readFile(caPaths(dataDir, 'cluster').cert, 'utf8');
  const serving = leafPaths(dataDir, CERT.kubeletServing('node-t'));
  const reviews: SubjectAccessReview[] = [];
  const port = await freePort();
  const opts: KubeletOptions = {
    apiUrl: api.url, nodeName: 'node-t', nodeIP: '127.0.0.1', containerdSocket: '/nonexistent.sock', rootDir: join(dir, 'kubelet'),
    cniBinDir: '/usr/lib/cni', cniConfDir: join(dir, 'net.d'), port, healthzPort: await freePort(), log,
    client: api.client, runtime: new FakeRuntime(), manageCgroups: false,
    tlsCertFile: serving.cert, tlsPrivateKeyFile: serving.key, clientCAFile: caPaths(dataDir, 'cluster').cert, authorizationMode: 'Webhook',
    reviewAccess: async (r) => {
      reviews.push(r);
      return { allowed: r.spec.user === 'kube-apiserver-kubelet-client' };
    },
  };
  const ac = new AbortController();
  await assert.rejects(runKubelet({ ...opts, tlsPrivateKeyFile: undefined }, ac.signal), /--tls-cert-file and --tls-private-key-file must be given together/);
  await assert.rejects(runKubelet({ ...opts, tlsCertFile: join(dir, 'missing.crt') }, ac.signal), /ENOENT/);
  assert.equal(await api.client.tryGet<Node>(Nodes, 'node-t'), undefined, 'unreadable TLS files stop the kubelet before it registers');
  const kubelet = runKubelet(opts, ac.signal);
  try {
    await waitFor(async () => (await api.client.tryGet<Node>(Nodes, 'node-t')) !== undefined, 20_000, 'node registered', 100);
    const probe = '/containerLogs/default/nope/app';
    const anon = await waitFor(async () => get(port, probe, ca).catch(() => undefined), 20_000, 'kubelet API up', 100);
    assert.deepEqual(anon, { code: 401, body: 'Unauthorized' });
    assert.deepEqual(await get(port, probe, ca, await pem(CERT.admin)), { code: 403, body: 'Forbidden (user=system:admin, verb=get, resource=nodes, subresource(s)=[proxy])' });
    const served = await get(port, probe, ca, await pem(CERT.apiserverKubeletClient));
    assert.equal(served.code, 404, 'authorized: the handler answers (no such pod)');
    assert.match(served.body, /container "app" in pod "nope"/);
    assert.deepEqual(reviews.map((r) => [r.spec.user, r.spec.resourceAttributes?.resource, r.spec.resourceAttributes?.subresource, r.spec.resourceAttributes?.name]), [
      ['system:admin', 'nodes', 'proxy', 'node-t'],
      ['kube-apiserver-kubelet-client', 'nodes', 'proxy', 'node-t'],
    ]);
  } finally {
    ac.abort();
    await kubelet.catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
});
