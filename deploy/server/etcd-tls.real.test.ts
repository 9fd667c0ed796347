/**
 * The embedded etcd with TLS from the cluster PKI, for real: Debian's etcd
 * 3.4 started with etcdChildSpec + etcdTLSFiles on free loopback ports, the
 * API server's etcd client with the etcd client cert, and the refusals of
 * every other client (plain http, no client cert, a stranger's cert, a
 * cluster-CA cert).
 */
import { stopChild } from '../../testutil/child.ts';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { createEtcdClient, readEtcdClientTLS, type EtcdClientTLS } from '../../apiserver/storage/etcd-client.ts';
import { runApiServer } from '../../apiserver/main.ts';
import { caPaths } from '../pki/layout.ts';
import { readLeafPair } from '../pki/read-leaf.ts';
import { CERT, type ClusterIdentity } from '../pki/specs.ts';
import { freePort } from '../../testutil/etcd.ts';
import { quietLogger } from '../../testutil/log.ts';
import { usePKIs } from '../../testutil/pki.ts';
import { etcdChildSpec, etcdClientUrl, waitForEtcd, type EtcdOptions } from './etcd.ts';
import { etcdTLSFiles } from './etcd-tls.ts';
import { httpReady } from './wait.ts';

const cluster: ClusterIdentity = { hostname: 'srv1', serverIPs: ['127.0.0.1'], serviceCIDR: '10.96.0.0/12', nodes: [{ name: 'srv1', ips: ['127.0.0.1'] }] };
const pki = usePKIs('etcd-tls', cluster);
const missing = process.getuid?.() !== 0 ? 'needs root' : !existsSync('/usr/bin/etcd') ? '/usr/bin/etcd missing (apt-get install etcd-server)' : undefined;

/** What the tests share once `before` has run. */
const s = { url: '', ours: undefined as EtcdClientTLS | undefined, child: undefined as ChildProcess | undefined, stderr: '' };
const ours = (): EtcdClientTLS => {
  assert.ok(s.ours);
  return s.ours;
};
/** etcd's handshake refusal of a missing or untrusted client cert (TLS alert 42), as grpc-js reports it. */
const BAD_CERT = /bad certificate/;
/** Call deadline of clients expected to be refused (ms): a refusal is immediate, this only bounds a hang. */
const REFUSED_CALL_MS = 5_000;

// In a describe, so its hooks run after usePKIs' root `before` (Node 20 runs a file's root hooks concurrently).
describe('embedded etcd with TLS', () => {
  before(async () => {
    if (missing) return;
    const opts: EtcdOptions = { dataDir: join(pki.dir, 'etcd'), clientPort: await freePort(), peerPort: await freePort(), tls: etcdTLSFiles(pki.dataDir).server };
    const spec = etcdChildSpec(opts);
    s.url = etcdClientUrl(opts);
    s.ours = await readEtcdClientTLS(etcdTLSFiles(pki.dataDir).client);
    const child = spawn(spec.command, spec.args, { stdio: ['ignore', 'ignore', 'pipe'] });
    s.child = child;
    child.stderr?.on('data', (d: Buffer) => { s.stderr = (s.stderr + d.toString()).slice(-4000); });
    const ac = new AbortController();
    child.once('exit', () => ac.abort());
    assert.equal(await waitForEtcd(s.url, 30_000, ac.signal, s.ours), true, `etcd healthy over mTLS; stderr: ${s.stderr}`);
  });

  after(() => stopChild(s.child));

  test('etcd listens on https on loopback, and the API server\'s etcd client with the etcd client cert can put and get', { skip: missing }, async () => {
    assert.match(s.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const etcd = createEtcdClient({ hosts: [s.url], tls: ours() });
    try {
      await etcd.put('/skiff-test/tls').value('over-mtls');
      assert.equal(await etcd.get('/skiff-test/tls').string(), 'over-mtls');
    } finally {
      etcd.close();
    }
  });

  test('a plain http client is refused: no /health, no gRPC put', { skip: missing }, async () => {
    const plainUrl = s.url.replace(/^https:/, 'http:');
    assert.equal(await httpReady(`${plainUrl}/health`, /"health"\s*:\s*"true"/), false);
    const plain = createEtcdClient({ hosts: [plainUrl], callTimeoutMs: REFUSED_CALL_MS });
    try {
      await assert.rejects(plain.put('/skiff-test/plain').value('x').exec(), /UNAVAILABLE/);
    } finally {
      plain.close();
    }
    await assertAbsent('/skiff-test/plain');
  });

  test('a TLS client that trusts the etcd CA but has no client cert is refused', { skip: missing }, async () => {
    assert.equal(await httpReady(`${s.url}/health`, undefined, { tls: { ca: ours().ca } }), false);
    const noCert = new Etcd3({ hosts: [s.url], credentials: { rootCertificate: Buffer.from(ours().ca) }, defaultCallOptions: { deadline: Date.now() + REFUSED_CALL_MS } });
    try {
      await assert.rejects(noCert.put('/skiff-test/no-cert').value('x').exec(), BAD_CERT);
    } finally {
      noCert.close();
    }
    await assertAbsent('/skiff-test/no-cert');
  });

  test('client certs etcd does not trust are refused: the other PKI\'s etcd client cert, and this cluster\'s admin cert (cluster CA, not etcd CA)', { skip: missing }, async () => {
    const stranger = await readLeafPair(pki.otherDir, CERT.etcdClient);
    const admin = await readLeafPair(pki.dataDir, CERT.admin);
    for (const [name, pair] of [['other PKI etcd/client', stranger], ['cluster admin', admin]] as const) {
      const tls = { ca: ours().ca, cert: pair.cert, key: pair.key };
      assert.equal(await httpReady(`${s.url}/health`, undefined, { tls }), false, name);
      const etcd = createEtcdClient({ hosts: [s.url], tls, callTimeoutMs: REFUSED_CALL_MS });
      try {
        await assert.rejects(etcd.put(`/skiff-test/${name}`).value('x').exec(), BAD_CERT, name);
      } finally {
        etcd.close();
      }
      await assertAbsent(`/skiff-test/${name}`);
    }
  });

  test('waitForEtcd resolves true with the etcd client cert, false without one or with a stranger\'s', { skip: missing }, async () => {
    const stranger = await readLeafPair(pki.otherDir, CERT.etcdClient);
    assert.equal(await waitForEtcd(s.url, 500, undefined, { ca: ours().ca }), false);
    assert.equal(await waitForEtcd(s.url, 500, undefined, { ca: ours().ca, ...stranger }), false);
    assert.equal(await waitForEtcd(s.url, 500), false, 'system roots, no client cert');
    assert.equal(await waitForEtcd(s.url, 5_000, undefined, ours()), true);
  });

  test('runApiServer with etcdTLS bootstraps over mTLS and serves https /healthz ok to a client that trusts the cluster CA', { skip: missing }, async () => {
    const port = await freePort();
    const serving = await readLeafPair(pki.dataDir, CERT.apiserverServing);
    const clusterCA = await readFile(caPaths(pki.dataDir, 'cluster').cert, 'utf8');
    const ac = new AbortController();
    let listening!: (url: string) => void;
    const ready = new Promise<string>((resolve) => { listening = resolve; });
    const running = runApiServer({
      etcdEndpoints: [s.url], etcdTLS: etcdTLSFiles(pki.dataDir).client,
      bindAddress: '127.0.0.1', port, serviceCIDR: cluster.serviceCIDR, log: quietLogger('apiserver'),
      tls: { cert: serving.cert, key: serving.key, clientCA: clusterCA }, onListening: listening,
    }, ac.signal);
    let timer: NodeJS.Timeout | undefined;
    try {
      const url = await Promise.race([
        ready,
        running.then(() => { throw new Error('API server exited before listening'); }),
        new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('API server did not listen within 30 s')), 30_000); }),
      ]);
      assert.equal(url, `https://127.0.0.1:${port}`);
      assert.equal(await httpReady(`${url}/healthz`, /^ok$/, { tls: { ca: clusterCA } }), true, 'CA only, no client cert');
      assert.equal(await httpReady(`${url}/healthz`, /^ok$/), false, 'system roots do not trust the cluster CA');
      // Bootstrap wrote through the TLS client: the default namespace is in etcd.
      const etcd = createEtcdClient({ hosts: [s.url], tls: ours() });
      try {
        assert.ok(await etcd.get('/registry/namespaces/default').string(), 'default namespace stored');
      } finally {
        etcd.close();
      }
    } finally {
      clearTimeout(timer);
      ac.abort();
      await running.catch(() => undefined);
    }
  });
});

/** Asserts, through a trusted client, that a refused client's write did not land. */
async function assertAbsent(key: string): Promise<void> {
  const etcd = createEtcdClient({ hosts: [s.url], tls: ours() });
  try {
    assert.equal(await etcd.get(key).string(), null, key);
  } finally {
    etcd.close();
  }
}
