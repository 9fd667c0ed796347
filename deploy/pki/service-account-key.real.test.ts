/**
 * The ServiceAccount signing key that ensurePKI writes, in the real API
 * server over HTTPS on real etcd: a TokenRequest token signed with
 * `tls/service.key` (given as a path) still authenticates after the server
 * is stopped, ensurePKI is run again (it keeps the key) and a new server
 * starts on the same etcd — by a bearer request and by TokenReview. A server
 * with another key rejects the same token, so the key is what carries it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { ensurePKI } from './ensure.ts';
import { caPaths, leafPaths, serviceAccountKeyPath } from './layout.ts';
import { readLeafPair } from './read-leaf.ts';
import { CERT, type ClusterIdentity } from './specs.ts';
import type { ApiServerTLS } from '../../apiserver/auth/authn/tls-material.ts';
import { runApiServer } from '../../apiserver/main.ts';
import { freePort, startEtcd, type TestEtcd } from '../../testutil/etcd.ts';
import { usePKIs } from '../../testutil/pki.ts';
import { etcdSkipReason, quietLogger } from '../../testutil/real-api.ts';

const cluster: ClusterIdentity = { hostname: 'srv1', serverIPs: ['127.0.0.1'], serviceCIDR: '10.96.0.0/12', nodes: [{ name: 'srv1', ips: ['127.0.0.1'] }] };
const skip = etcdSkipReason();
const pki = usePKIs('sakey-real', cluster);
let etcd: TestEtcd | undefined;
let caPem = '';
let admin = { cert: '', key: '' };

before(async () => {
  await pki.ready();
  if (skip) return;
  etcd = await startEtcd();
  caPem = await readFile(caPaths(pki.dataDir, 'cluster').cert, 'utf8');
  admin = await readLeafPair(pki.dataDir, CERT.admin);
});
after(async () => {
  await etcd?.stop();
});

/** A running HTTPS API server on a fresh loopback port. */
interface Server { port: number; stop(): Promise<void> }

/** Starts runApiServer over HTTPS with the fixture's serving cert and `serviceAccountKey` (path; undefined: an in-memory key). */
async function startServer(serviceAccountKey: string | undefined): Promise<Server> {
  const port = await freePort();
  const serving = leafPaths(pki.dataDir, CERT.apiserverServing);
  const tls: ApiServerTLS = { cert: serving.cert, key: serving.key, clientCA: caPaths(pki.dataDir, 'cluster').cert, serviceAccountKey };
  const ac = new AbortController();
  let listening!: () => void;
  const ready = new Promise<void>((resolve) => { listening = resolve; });
  const running = runApiServer({
    etcdEndpoints: [etcd!.endpoint], bindAddress: '127.0.0.1', port, serviceCIDR: cluster.serviceCIDR, log: quietLogger('apiserver'),
    compactionIntervalMs: 0, tls, onListening: () => listening(),
  }, ac.signal);
  const stop = async (): Promise<void> => { ac.abort(); await running.catch(() => undefined); };
  try {
    await Promise.race([ready, running.then(() => { throw new Error('API server exited before listening'); })]);
  } catch (e) {
    await stop();
    throw e;
  }
  return { port, stop };
}

/** One HTTPS request to the server: with the admin cert, or with `bearer` and no cert. Resolves the status code and parsed body. */
function call(port: number, method: string, path: string, opts: { body?: unknown; bearer?: string } = {}): Promise<{ code: number; body: Record<string, unknown> }> {
  const who = opts.bearer !== undefined ? { headers: { authorization: `Bearer ${opts.bearer}` } } : { cert: admin.cert, key: admin.key, headers: {} };
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port, path, method, ca: caPem, servername: 'localhost', agent: false, cert: 'cert' in who ? who.cert : undefined, key: 'key' in who ? who.key : undefined,
      headers: { ...who.headers, ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => { text += d.toString(); });
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body: text ? JSON.parse(text) as Record<string, unknown> : {} }));
    });
    req.on('error', reject);
    req.end(opts.body !== undefined ? JSON.stringify(opts.body) : undefined);
  });
}

/** TokenReview of `token` as the admin: whether it authenticated and as whom. */
async function review(port: number, token: string): Promise<{ authenticated?: boolean; user?: { username?: string }; error?: string }> {
  const r = await call(port, 'POST', '/apis/authentication.k8s.io/v1/tokenreviews', { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } } });
  assert.equal(r.code, 201, JSON.stringify(r.body));
  return r.body.status as { authenticated?: boolean; user?: { username?: string }; error?: string };
}

test('a token signed with tls/service.key survives an apiserver restart on the same etcd; another key rejects it', { skip }, async () => {
  const keyPath = serviceAccountKeyPath(pki.dataDir);
  const keyBefore = await readFile(keyPath, 'utf8');
  const first = await startServer(keyPath);
  let token = '';
  try {
    assert.equal((await call(first.port, 'POST', '/api/v1/namespaces/default/serviceaccounts', { body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot' } } })).code, 201);
    const tr = await call(first.port, 'POST', '/api/v1/namespaces/default/serviceaccounts/robot/token', { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } } });
    assert.equal(tr.code, 201, JSON.stringify(tr.body));
    token = String((tr.body.status as { token?: string }).token);
    assert.equal((await call(first.port, 'GET', '/api/v1/namespaces/default/serviceaccounts/robot', { bearer: token })).code, 200);
  } finally {
    await first.stop();
  }

  // What a restart of `skiff server` does: ensurePKI again (keeps the key), then a new apiserver.
  const { report } = await ensurePKI({ dataDir: pki.dataDir, cluster, crypto: globalThis.crypto, now: new Date() });
  assert.equal(report.serviceAccountKey.outcome, 'kept');
  assert.equal(await readFile(keyPath, 'utf8'), keyBefore);
  const second = await startServer(keyPath);
  try {
    const got = await call(second.port, 'GET', '/api/v1/namespaces/default/serviceaccounts/robot', { bearer: token });
    assert.equal(got.code, 200, JSON.stringify(got.body));
    assert.deepEqual(await review(second.port, token).then((s) => [s.authenticated, s.user?.username]), [true, 'system:serviceaccount:default:robot']);
  } finally {
    await second.stop();
  }

  // Control: the same restart without the key file (an in-memory key) does not accept the token.
  const other = await startServer(undefined);
  try {
    assert.equal((await call(other.port, 'GET', '/api/v1/namespaces/default/serviceaccounts/robot', { bearer: token })).code, 401);
    const denied = await review(other.port, token);
    assert.notEqual(denied.authenticated, true, JSON.stringify(denied)); // false is omitted on the wire, as kube's omitempty
    assert.match(String(denied.error), /invalid/i);
  } finally {
    await other.stop();
  }
});
