/**
 * Authentication end to end: the cluster PKI from deploy/pki, real etcd,
 * the real API server in HTTPS mode on loopback, and real kubectl 1.33 and
 * 1.27 — admin cert, no credentials, a cert of another CA, a TokenRequest
 * token as a bearer token, TokenReview, and the anonymous public paths.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { ensurePKI } from '../../../deploy/pki/ensure.ts';
import { loopbackServer, writeCertKubeconfig } from '../../../deploy/pki/kubeconfig.ts';
import { caPaths, leafPaths } from '../../../deploy/pki/layout.ts';
import { CERT, type ClusterIdentity } from '../../../deploy/pki/specs.ts';
import { freePort, startEtcd, type TestEtcd } from '../../../testutil/etcd.ts';
import { etcdSkipReason, quietLogger } from '../../../testutil/real-api.ts';
import { runApiServer } from '../../main.ts';
import { readLeafPair } from '../../../deploy/pki/read-leaf.ts';

const run = promisify(execFile);
const kubectl = (minor: number): string => `/usr/lib/google-cloud-sdk/bin/kubectl.1.${minor}`;
const cluster: ClusterIdentity = { hostname: 'srv1', serverIPs: ['127.0.0.1'], serviceCIDR: '10.96.0.0/12', nodes: [{ name: 'srv1', ips: ['127.0.0.1'] }] };
const skip = etcdSkipReason();

let dir = '';
let etcd: TestEtcd | undefined;
let port = 0;
let caPem = '';
const ac = new AbortController();
let running: Promise<void> | undefined;
const kc = { admin: '', none: '', other: '', bare: '' };

/** Runs kubectl; resolves stdout, stderr and the exit code (never rejects on a non-zero exit). */
async function k(minor: number, args: string[], input?: string): Promise<{ out: string; err: string; code: number }> {
  const p = run(kubectl(minor), args, { timeout: 60000 });
  if (input !== undefined) p.child.stdin?.end(input);
  else p.child.stdin?.end();
  try {
    const { stdout, stderr } = await p;
    return { out: stdout, err: stderr, code: 0 };
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string; code?: number };
    return { out: x.stdout ?? '', err: x.stderr ?? '', code: typeof x.code === 'number' ? x.code : 1 };
  }
}

/** GET over https with the cluster CA and no client cert; resolves code and body. */
function anonymousGet(path: string): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', ca: caPem, servername: 'localhost', agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), 'skiff-authn-real-'));
  const dataDir = join(dir, 'data');
  const now = new Date();
  await ensurePKI({ dataDir, cluster, crypto: globalThis.crypto, now });
  await ensurePKI({ dataDir: join(dir, 'other'), cluster, crypto: globalThis.crypto, now });
  caPem = await readFile(caPaths(dataDir, 'cluster').cert, 'utf8');
  etcd = await startEtcd();
  port = await freePort();
  const serving = leafPaths(dataDir, CERT.apiserverServing);
  let listening!: () => void;
  const ready = new Promise<void>((resolve) => { listening = resolve; });
  running = runApiServer({
    etcdEndpoints: [etcd.endpoint], bindAddress: '127.0.0.1', port, serviceCIDR: '10.96.0.0/12', log: quietLogger('apiserver'),
    compactionIntervalMs: 0, tls: { cert: serving.cert, key: serving.key, clientCA: caPaths(dataDir, 'cluster').cert }, onListening: () => listening(),
  }, ac.signal);
  await Promise.race([ready, running.then(() => { throw new Error('API server exited before listening'); })]);
  const server = loopbackServer(port);
  const pair = async (d: string, name: string): Promise<{ certPem: string; keyPem: string }> => {
    const { cert, key } = await readLeafPair(d, name);
    return { certPem: cert, keyPem: key };
  };
  kc.admin = join(dir, 'admin.kubeconfig');
  await writeCertKubeconfig(kc.admin, { server, caPem, ...(await pair(dataDir, CERT.admin)) });
  kc.other = join(dir, 'other.kubeconfig');
  await writeCertKubeconfig(kc.other, { server, caPem, ...(await pair(join(dir, 'other'), CERT.admin)) });
  // kubectl prompts on stdin for a basic-auth user and password when a TLS config names no
  // credential at all; so "no credentials" is a user with basic-auth fields, which are no
  // credential to Skiff (nor to Kubernetes since 1.19). Raw requests below carry nothing at all.
  const noCert = (name: string, user: Record<string, string>): string => stringify({
    apiVersion: 'v1', kind: 'Config', preferences: {}, 'current-context': 'skiff',
    clusters: [{ name: 'skiff', cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    users: [{ name, user }], contexts: [{ name: 'skiff', context: { cluster: 'skiff', user: name } }],
  });
  kc.none = join(dir, 'none.kubeconfig');
  await writeFile(kc.none, noCert('nobody', { username: 'someone', password: 'secret' }), { mode: 0o600 });
  // No user credential: used with --token.
  kc.bare = join(dir, 'bare.kubeconfig');
  await writeFile(kc.bare, noCert('bare', {}), { mode: 0o600 });
});

after(async () => {
  ac.abort();
  await running?.catch(() => undefined);
  await etcd?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

for (const minor of [33, 27]) {
  test(`kubectl 1.${minor} with the admin cert lists namespaces`, { skip }, async () => {
    const r = await k(minor, ['--kubeconfig', kc.admin, 'get', 'ns', '-o', 'name']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /namespace\/kube-system/);
  });

  test(`kubectl 1.${minor} auth whoami shows system:admin and its groups`, { skip }, async () => {
    const r = await k(minor, ['--kubeconfig', kc.admin, 'auth', 'whoami']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Username\s+system:admin/);
    assert.match(r.out, /Groups\s+\[system:masters system:authenticated\]/);
  });

  test(`kubectl 1.${minor} without credentials, or with a cert of another CA, is Unauthorized`, { skip }, async () => {
    for (const config of [kc.none, kc.other]) {
      const r = await k(minor, ['--kubeconfig', config, 'get', 'ns']);
      assert.notEqual(r.code, 0);
      assert.match(r.err, /error: You must be logged in to the server \(Unauthorized\)/, JSON.stringify(r));
    }
  });
}

test('a TokenRequest token authenticates as its ServiceAccount; TokenReview says who it is', { skip }, async () => {
  const sa = await k(33, ['--kubeconfig', kc.admin, 'create', 'serviceaccount', 'robot', '-n', 'default']);
  assert.equal(sa.code, 0, JSON.stringify(sa));
  const tok = await k(33, ['--kubeconfig', kc.admin, 'create', 'token', 'robot', '-n', 'default', '--duration', '10m']);
  assert.equal(tok.code, 0, JSON.stringify(tok));
  const token = tok.out.trim();
  for (const minor of [33, 27]) {
    const who = await k(minor, ['--kubeconfig', kc.bare, '--token', token, 'auth', 'whoami']);
    assert.equal(who.code, 0, who.err);
    assert.match(who.out, /Username\s+system:serviceaccount:default:robot/);
    assert.match(who.out, /Groups\s+\[system:serviceaccounts system:serviceaccounts:default system:authenticated\]/);
    const ns = await k(minor, ['--kubeconfig', kc.bare, '--token', token, 'get', 'ns', '-o', 'name']);
    assert.equal(ns.code, 0, ns.err);
  }
  const review = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } });
  const r = await k(33, ['--kubeconfig', kc.admin, 'create', '-f', '-', '-o', 'json'], review);
  assert.equal(r.code, 0, r.err);
  const status = (JSON.parse(r.out) as { status: { authenticated?: boolean; user?: { username?: string } } }).status;
  assert.equal(status.authenticated, true);
  assert.equal(status.user?.username, 'system:serviceaccount:default:robot');
  // A token for another audience is not a credential for this API server.
  const other = await k(33, ['--kubeconfig', kc.admin, 'create', 'token', 'robot', '-n', 'default', '--audience', 'vault']);
  assert.equal(other.code, 0, other.err);
  const denied = await k(33, ['--kubeconfig', kc.bare, '--token', other.out.trim(), 'get', 'ns']);
  assert.match(denied.err, /Unauthorized/);
});

test('a bootstrap token Secret in kube-system authenticates system:bootstrap:<id> until it expires', { skip }, async () => {
  const secret = (name: string, id: string, expiration: string) => JSON.stringify({
    apiVersion: 'v1', kind: 'Secret', type: 'bootstrap.kubernetes.io/token', metadata: { name, namespace: 'kube-system' },
    stringData: { 'token-id': id, 'token-secret': '0123456789abcdef', 'usage-bootstrap-authentication': 'true', 'auth-extra-groups': 'system:bootstrappers:worker', expiration },
  });
  const later = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
  const past = new Date(Date.now() - 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
  assert.equal((await k(33, ['--kubeconfig', kc.admin, 'create', '-f', '-'], secret('bootstrap-token-abcdef', 'abcdef', later))).code, 0);
  assert.equal((await k(33, ['--kubeconfig', kc.admin, 'create', '-f', '-'], secret('bootstrap-token-zyxwvu', 'zyxwvu', past))).code, 0);
  const who = await k(33, ['--kubeconfig', kc.bare, '--token', 'abcdef.0123456789abcdef', 'auth', 'whoami']);
  assert.equal(who.code, 0, who.err);
  assert.match(who.out, /Username\s+system:bootstrap:abcdef/);
  assert.match(who.out, /Groups\s+\[system:bootstrappers system:bootstrappers:worker system:authenticated\]/);
  for (const bad of ['zyxwvu.0123456789abcdef', 'abcdef.ffffffffffffffff']) {
    const r = await k(33, ['--kubeconfig', kc.bare, '--token', bad, 'get', 'ns']);
    assert.match(r.err, /error: You must be logged in to the server \(Unauthorized\)/, bad);
  }
});

test('plain HTTP to the API port gets no answer', { skip }, async () => {
  const outcome = await new Promise<string>((resolve) => {
    const req = httpGet({ host: '127.0.0.1', port, path: '/api', agent: false }, (res) => resolve(`answered ${res.statusCode}`));
    req.on('error', (e) => resolve(`refused: ${e.message}`));
  });
  assert.match(outcome, /^refused: /);
});

test('/readyz, /livez, /healthz and /version (and subpaths) answer anonymously; /api is a 401 Status', { skip }, async () => {
  for (const p of ['/readyz', '/livez', '/healthz']) assert.deepEqual(await anonymousGet(p), { code: 200, body: 'ok' });
  const v = await anonymousGet('/version');
  assert.equal(v.code, 200);
  assert.match(v.body, /gitVersion/);
  // A subpath of a public path is past authentication (Skiff serves no /readyz/etcd yet: 404, not 401).
  assert.notEqual((await anonymousGet('/readyz/etcd')).code, 401);
  const api = await anonymousGet('/api/v1/namespaces');
  assert.equal(api.code, 401);
  assert.deepEqual(JSON.parse(api.body), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
});
