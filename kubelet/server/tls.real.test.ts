/**
 * The kubelet API over real TLS with the cluster PKI (deploy/pki): client
 * certs verified against the cluster CA, a SubjectAccessReview stand-in
 * deciding, and the real API server (plain HTTP, real etcd) proxying
 * pods/log to the TLS kubelet with its kube-apiserver-kubelet-client cert.
 * Loopback only.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { request } from 'node:https';
import { join } from 'node:path';
import type { SubjectAccessReview, SubjectAccessReviewStatus } from 'kubernetes-types/authorization/v1';
import type { Node, Pod } from 'kubernetes-types/core/v1';
import { readLeafPair } from '../../deploy/pki/read-leaf.ts';
import { usePKIs } from '../../testutil/pki.ts';
import { caPaths } from '../../deploy/pki/layout.ts';
import { CERT, type ClusterIdentity } from '../../deploy/pki/specs.ts';
import { Nodes, Pods } from '../../apiserver/client/resources.ts';
import { startApiServer } from '../../testutil/apiserver.ts';
import { quietLogger } from '../../testutil/log.ts';
import { createAuthenticator, type TokenReviewer } from './authn.ts';
import { alwaysAllow, createWebhookAuthorizer, type KubeletAuthorizer } from './authz.ts';
import { serveKubeletApi } from './server.ts';

const NODE = 'n1';
const cluster: ClusterIdentity = { hostname: 'srv1', serverIPs: ['127.0.0.1'], serviceCIDR: '10.96.0.0/12', nodes: [{ name: NODE, ips: ['127.0.0.1'] }] };
const pki = usePKIs('kubelet-tls', cluster);
let logPath = '';
before(async () => {
  await pki.ready();
  logPath = join(pki.dir, '0.log');
  await writeFile(logPath, '2026-01-01T00:00:00.1Z stdout F one\n2026-01-01T00:00:00.2Z stderr F two\n');
});

const read = (p: string): Promise<string> => readFile(p, 'utf8');
const pair = readLeafPair;
const clusterCA = (): Promise<string> => read(caPaths(pki.dataDir, 'cluster').cert);

/** A SubjectAccessReview stand-in: allows the listed users, records every review. */
function fakeSAR(allowedUsers: string[], fail = false): { review: (r: SubjectAccessReview) => Promise<SubjectAccessReviewStatus>; seen: SubjectAccessReview[] } {
  const seen: SubjectAccessReview[] = [];
  return {
    seen,
    review: async (r) => {
      seen.push(r);
      if (fail) throw new Error('connect ECONNREFUSED');
      return { allowed: allowedUsers.includes(r.spec.user ?? '') };
    },
  };
}

/** Starts the kubelet API in TLS mode with the n1 serving cert and the cluster CA as client CA. */
async function tlsKubelet(authorize: KubeletAuthorizer, reviewToken?: TokenReviewer): Promise<{ port: number; stop(): void }> {
  const ac = new AbortController();
  const serving = await pair(pki.dataDir, CERT.kubeletServing(NODE));
  const port = await serveKubeletApi({
    port: 0, host: '127.0.0.1', log: quietLogger('kubelet'),
    resolveLog: async (ns, pod, c) => (ns === 'default' && pod === 'web' && c === 'app' ? { path: logPath, running: async () => false } : undefined),
    tls: { ...serving, clientCA: await clusterCA() },
    auth: { authenticate: createAuthenticator(reviewToken ? { reviewToken } : {}), authorize, nodeName: NODE },
  }, ac.signal);
  return { port, stop: () => ac.abort() };
}

/** GET over https, verifying the kubelet's serving cert against the cluster CA; resolves code and body. */
function get(port: number, path: string, client?: { cert: string; key: string }, token?: string): Promise<{ code: number; body: string; type?: string }> {
  return new Promise((resolve, reject) => {
    void clusterCA().then((ca) => {
      const headers = token === undefined ? {} : { authorization: `Bearer ${token}` };
      const req = request({ host: '127.0.0.1', port, path, method: 'GET', ca, ...client, headers, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => { body += d; });
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body, type: res.headers['content-type'] }));
      });
      req.on('error', reject);
      req.end();
    }, reject);
  });
}

const LOGS = '/containerLogs/default/web/app';

test('kubelet TLS: 401 without a cert, with another CA\'s cert or a serving-only cert; 200 / 403 / 500 per the SubjectAccessReview', async () => {
  const sar = fakeSAR(['kube-apiserver-kubelet-client']);
  const k = await tlsKubelet(createWebhookAuthorizer({ review: sar.review, now: () => 0 }));
  try {
    const none = await get(k.port, LOGS);
    assert.deepEqual([none.code, none.body], [401, 'Unauthorized']);
    assert.match(String(none.type), /^text\/plain/);
    assert.equal((await get(k.port, LOGS, await pair(pki.otherDir, CERT.apiserverKubeletClient))).code, 401, 'a cert from another CA');
    assert.equal((await get(k.port, LOGS, await pair(pki.dataDir, CERT.apiserverServing))).code, 401, 'a serverAuth-only cert of the right CA');
    assert.equal(sar.seen.length, 0, 'nobody unauthenticated reached the authorizer');

    const apiserver = await get(k.port, `${LOGS}?tailLines=1`, await pair(pki.dataDir, CERT.apiserverKubeletClient));
    assert.deepEqual([apiserver.code, apiserver.body], [200, 'two\n']);
    assert.deepEqual(sar.seen[0], {
      apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview',
      spec: { user: 'kube-apiserver-kubelet-client', groups: ['system:masters'], resourceAttributes: { verb: 'get', group: '', version: 'v1', resource: 'nodes', subresource: 'proxy', name: NODE } },
    });

    const kubelet = await get(k.port, LOGS, await pair(pki.dataDir, CERT.kubeletClient(NODE)));
    assert.deepEqual([kubelet.code, kubelet.body], [403, `Forbidden (user=system:node:${NODE}, verb=get, resource=nodes, subresource(s)=[proxy])`]);
    const logs = await get(k.port, '/logs/syslog', await pair(pki.dataDir, CERT.kubeletClient(NODE)));
    assert.deepEqual([logs.code, logs.body], [403, `Forbidden (user=system:node:${NODE}, verb=get, resource=nodes, subresource(s)=[log])`]);
    assert.deepEqual(sar.seen.map((r) => [r.spec.user, r.spec.groups, r.spec.resourceAttributes?.subresource]), [
      ['kube-apiserver-kubelet-client', ['system:masters'], 'proxy'],
      [`system:node:${NODE}`, ['system:nodes'], 'proxy'],
      [`system:node:${NODE}`, ['system:nodes'], 'log'],
    ]);
  } finally {
    k.stop();
  }

  const down = await tlsKubelet(createWebhookAuthorizer({ review: fakeSAR([], true).review, now: () => 0 }));
  try {
    const r = await get(down.port, LOGS, await pair(pki.dataDir, CERT.apiserverKubeletClient));
    assert.deepEqual([r.code, r.body], [500, 'Authorization error (user=kube-apiserver-kubelet-client, verb=get, resource=nodes, subresource(s)=[proxy])']);
  } finally {
    down.stop();
  }
});

test('kubelet TLS with AlwaysAllow still authenticates', async () => {
  const k = await tlsKubelet(alwaysAllow);
  try {
    assert.equal((await get(k.port, LOGS)).code, 401);
    assert.deepEqual(await get(k.port, LOGS, await pair(pki.dataDir, CERT.kubeletClient(NODE))), { code: 200, body: 'one\ntwo\n', type: 'text/plain; charset=utf-8' });
  } finally {
    k.stop();
  }
});

test('kubelet TLS with the token webhook: a bearer token the TokenReview accepts is a user; a rejected one is 401', async () => {
  const sar = fakeSAR(['system:serviceaccount:monitoring:scraper']);
  const k = await tlsKubelet(createWebhookAuthorizer({ review: sar.review, now: () => 0 }), async (token) =>
    (token === 'good-token' ? { name: 'system:serviceaccount:monitoring:scraper', groups: ['system:serviceaccounts'], uid: 'u-1' } : undefined));
  try {
    assert.deepEqual(await get(k.port, LOGS, undefined, 'good-token'), { code: 200, body: 'one\ntwo\n', type: 'text/plain; charset=utf-8' });
    assert.deepEqual(sar.seen.at(-1)?.spec, {
      user: 'system:serviceaccount:monitoring:scraper', groups: ['system:serviceaccounts'], uid: 'u-1',
      resourceAttributes: { verb: 'get', group: '', version: 'v1', resource: 'nodes', subresource: 'proxy', name: NODE },
    });
    assert.deepEqual((await get(k.port, LOGS, undefined, 'forged')).body, 'Unauthorized');
    assert.deepEqual(await get(k.port, '/stats/summary', undefined, 'good-token'), { code: 404, body: '404 page not found\n', type: 'text/plain' }, 'authorized on nodes/stats; Skiff serves no stats');
    assert.equal(sar.seen.at(-1)?.spec.resourceAttributes?.subresource, 'stats');
  } finally {
    k.stop();
  }
});

/** GET over plain http; resolves code and body. */
function plainGet(url: string): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    httpGet(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

test('end to end: the real API server (plain HTTP) reads pods/log from the TLS kubelet with its kubelet client cert', async () => {
  const sar = fakeSAR(['kube-apiserver-kubelet-client']);
  const k = await tlsKubelet(createWebhookAuthorizer({ review: sar.review, now: () => 0 }));
  const ca = await clusterCA();
  const good = await startApiServer({ kubeletClient: { ca, ...(await pair(pki.dataDir, CERT.apiserverKubeletClient)) } });
  const wrongIdentity = await startApiServer({ kubeletClient: { ca, ...(await pair(pki.dataDir, CERT.kubeletClient(NODE))) } });
  const plain = await startApiServer();
  try {
    for (const api of [good, wrongIdentity, plain]) {
      await api.client.create<Node>(Nodes, { metadata: { name: NODE } });
      await api.client.updateStatus<Node>(Nodes, {
        metadata: { name: NODE },
        status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: k.port } } },
      });
      await api.client.create<Pod>(Pods, { metadata: { name: 'web', namespace: 'default' }, spec: { nodeName: NODE, containers: [{ name: 'app', image: 'busybox' }] } }, 'default');
    }
    const path = '/api/v1/namespaces/default/pods/web/log';
    assert.deepEqual(await plainGet(`${good.url}${path}`), { code: 200, body: 'one\ntwo\n' });
    assert.deepEqual(await plainGet(`${good.url}${path}?tailLines=1&timestamps=true`), { code: 200, body: '2026-01-01T00:00:00.2Z two\n' });

    const denied = await plainGet(`${wrongIdentity.url}${path}`);
    assert.equal(denied.code, 403);
    const status = JSON.parse(denied.body) as { kind: string; reason: string; message: string };
    assert.deepEqual([status.kind, status.reason, status.message],
      ['Status', 'Forbidden', `Forbidden (user=system:node:${NODE}, verb=get, resource=nodes, subresource(s)=[proxy]) ( pods/log web)`]);

    const noTLS = await plainGet(`${plain.url}${path}`);
    assert.equal(noTLS.code, 500, 'plain HTTP to a TLS port fails as a Status, not a hang');
    assert.equal((JSON.parse(noTLS.body) as { kind: string }).kind, 'Status');
  } finally {
    k.stop();
    await Promise.all([good.stop(), wrongIdentity.stop(), plain.stop()]);
  }
});
