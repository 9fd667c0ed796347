/**
 * Who may read the API server's /metrics, with real authentication: the
 * cluster PKI (deploy/pki), real etcd and the real API server over HTTPS
 * with x509 client certs and `authorization: 'RBAC'`. No credentials is 401;
 * an authenticated user without a grant is 403; a user in the
 * system:monitoring group (the default ClusterRole and binding of that name)
 * and the admin (system:masters) read it. The refusals are counted too.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePKI } from '../../deploy/pki/ensure.ts';
import { loadOrCreateCA } from '../../deploy/pki/ca.ts';
import { generateKeyPair, privateKeyToPem } from '../../deploy/pki/keys.ts';
import { issueLeaf } from '../../deploy/pki/leaf.ts';
import { caPaths, leafPaths } from '../../deploy/pki/layout.ts';
import { readLeafPair } from '../../deploy/pki/read-leaf.ts';
import { CERT, type ClusterIdentity } from '../../deploy/pki/specs.ts';
import { freePort, startEtcd, type TestEtcd } from '../../testutil/etcd.ts';
import { etcdSkipReason, quietLogger } from '../../testutil/real-api.ts';
import { waitFor } from '../../testutil/wait.ts';
import { runApiServer } from '../main.ts';
import { parseSamples, sampleSum } from './prom-text.test-helper.ts';

const cluster: ClusterIdentity = { hostname: 'srv1', serverIPs: ['127.0.0.1'], serviceCIDR: '10.96.0.0/12', nodes: [{ name: 'srv1', ips: ['127.0.0.1'] }] };
const skip = etcdSkipReason() ?? false;

/** A client cert and key (PEM). */
interface Client { cert: string; key: string }

let dir = '';
let etcd: TestEtcd | undefined;
let port = 0;
let caPem = '';
const ac = new AbortController();
let running: Promise<void> | undefined;
const clients: Record<'admin' | 'mallory' | 'scraper', Client> = { admin: { cert: '', key: '' }, mallory: { cert: '', key: '' }, scraper: { cert: '', key: '' } };

/** A client cert for CN=`user`, O=`groups` from the cluster CA. */
async function clientCert(dataDir: string, user: string, groups: string[]): Promise<Client> {
  const now = new Date();
  const { ca } = await loadOrCreateCA(globalThis.crypto, dataDir, 'cluster', now);
  const keys = await generateKeyPair(globalThis.crypto);
  const spec = { name: `test-${user}`, ca: 'cluster' as const, commonName: user, organizations: groups, dnsNames: [], ipAddresses: [], usages: ['clientAuth' as const] };
  const cert = await issueLeaf(globalThis.crypto, ca, spec, keys.publicKey, now);
  return { cert: cert.toString('pem'), key: await privateKeyToPem(globalThis.crypto, keys.privateKey) };
}

/** GET `path` over HTTPS as `client` (none: no credentials); resolves code and body. */
function get(path: string, client?: Client): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', ca: caPem, servername: 'localhost', agent: false, ...(client ?? {}) }, (res) => {
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
  dir = await mkdtemp(join(tmpdir(), 'skiff-metrics-rbac-'));
  const dataDir = join(dir, 'data');
  await ensurePKI({ dataDir, cluster, crypto: globalThis.crypto, now: new Date() });
  caPem = await readFile(caPaths(dataDir, 'cluster').cert, 'utf8');
  clients.admin = await readLeafPair(dataDir, CERT.admin);
  clients.mallory = await clientCert(dataDir, 'mallory', []);
  clients.scraper = await clientCert(dataDir, 'prometheus', ['system:monitoring']);
  etcd = await startEtcd();
  port = await freePort();
  const serving = leafPaths(dataDir, CERT.apiserverServing);
  let listening!: () => void;
  const ready = new Promise<void>((resolve) => { listening = resolve; });
  running = runApiServer({
    etcdEndpoints: [etcd.endpoint], bindAddress: '127.0.0.1', port, serviceCIDR: '10.96.0.0/12', log: quietLogger('apiserver'), compactionIntervalMs: 0,
    tls: { cert: serving.cert, key: serving.key, clientCA: caPaths(dataDir, 'cluster').cert }, authorization: 'RBAC', onListening: () => listening(),
  }, ac.signal);
  await Promise.race([ready, running.then(() => { throw new Error('API server exited before listening'); })]);
});

after(async () => {
  ac.abort();
  await running?.catch(() => undefined);
  await etcd?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('/metrics: the system:monitoring group and the admin may read it; no one else', { skip }, async () => {
  // The RBAC cache is fed by a watch: wait until the default binding is seen.
  const scraped = await waitFor(async (note) => {
    const r = await get('/metrics', clients.scraper);
    note(`${r.code} ${r.body.slice(0, 200)}`);
    return r.code === 200 && r;
  }, 20000, 'system:monitoring to read /metrics', 100);
  assert.match(scraped.body, /^# TYPE apiserver_request_total counter$/m);
  const admin = await get('/metrics', clients.admin);
  assert.equal(admin.code, 200);
  assert.equal((await get('/livez', clients.scraper)).code, 200);

  const anonymous = await get('/metrics');
  assert.equal(anonymous.code, 401);
  assert.deepEqual(pick(JSON.parse(anonymous.body)), { kind: 'Status', reason: 'Unauthorized', code: 401 });
  const mallory = await get('/metrics', clients.mallory);
  assert.equal(mallory.code, 403);
  const denied = JSON.parse(mallory.body) as { kind?: string; reason?: string; code?: number; message?: string };
  assert.deepEqual(pick(denied), { kind: 'Status', reason: 'Forbidden', code: 403 });
  assert.match(denied.message ?? '', /"mallory" cannot get path "\/metrics"/);

  const samples = parseSamples((await get('/metrics', clients.admin)).body);
  const counted = (code: string): number => sampleSum(samples, 'apiserver_request_total', { verb: 'GET', subresource: '/metrics', code });
  assert.ok(counted('401') >= 1 && counted('403') >= 1 && counted('200') >= 2, 'refusals and reads of /metrics are counted');
});

function pick(s: { kind?: string; reason?: string; code?: number }): { kind?: string; reason?: string; code?: number } {
  return { kind: s.kind, reason: s.reason, code: s.code };
}
