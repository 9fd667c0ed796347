/**
 * The PKI against real TLS stacks: Node's https with client-cert auth,
 * Debian's openssl verify, kubectl with the admin kubeconfig, and Debian's
 * etcd 3.4 with client-cert auth and an etcd3 client. Loopback only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Etcd3 } from 'etcd3';
import { freePort } from '../../testutil/etcd.ts';
import { readLeafPair } from './read-leaf.ts';
import { usePKIs } from '../../testutil/pki.ts';
import { writeCertKubeconfig, loopbackServer } from './kubeconfig.ts';
import { caPaths, leafPaths } from './layout.ts';
import { CERT, clusterLeafSpecs, type ClusterIdentity } from './specs.ts';

const run = promisify(execFile);
const cluster: ClusterIdentity = { hostname: 'srv1', serverIPs: ['127.0.0.1'], serviceCIDR: '10.96.0.0/12', nodes: [{ name: 'srv1', ips: ['127.0.0.1'] }] };
const pki = usePKIs('pki-real', cluster);

const read = (p: string): Promise<string> => readFile(p, 'utf8');
const pair = readLeafPair;

/** What the server saw of a client: its cert subject, or why it is not trusted. */
interface Peer { CN?: string; O?: string; authorizationError?: string }

/**
 * An https server with the apiserver serving cert that asks for a client
 * cert from the cluster CA and answers with what it saw of the peer.
 * `rejectUnauthorized` true: untrusted clients are cut off in the handshake;
 * false (what an apiserver does to answer 401): they get through, marked.
 */
async function mtlsServer(rejectUnauthorized = true): Promise<{ server: Server; port: number; peers: Peer[] }> {
  const serving = await pair(pki.dataDir, CERT.apiserverServing);
  const peers: Peer[] = [];
  const server = createServer({ ...serving, ca: await read(caPaths(pki.dataDir, 'cluster').cert), requestCert: true, rejectUnauthorized }, (req, res) => {
    const sock = req.socket as TLSSocket;
    const subject = sock.getPeerCertificate().subject as Record<string, string> | undefined;
    const peer: Peer = sock.authorized
      ? { CN: String(subject?.CN), ...(subject?.O ? { O: String(subject.O) } : {}) }
      : { authorizationError: String(sock.authorizationError) };
    peers.push(peer);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(peer));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const addr = server.address();
  return { server, port: typeof addr === 'object' && addr ? addr.port : 0, peers };
}

/** GET https://127.0.0.1:port/ with the given TLS options; resolves the body or rejects with the TLS error. */
function get(port: number, tls: { ca: string; cert?: string; key?: string; servername?: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', method: 'GET', ...tls, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => resolve(body));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

test('https with client certs: the admin cert is accepted and the server sees system:admin in system:masters', async () => {
  const { server, port, peers } = await mtlsServer();
  try {
    const ca = await read(caPaths(pki.dataDir, 'cluster').cert);
    const admin = await pair(pki.dataDir, CERT.admin);
    assert.deepEqual(JSON.parse(await get(port, { ca, ...admin })), { CN: 'system:admin', O: 'system:masters' });
    // The serving cert also answers to the in-cluster name.
    const kubelet = await pair(pki.dataDir, CERT.kubeletClient('srv1'));
    assert.deepEqual(JSON.parse(await get(port, { ca, ...kubelet, servername: 'kubernetes.default.svc' })), { CN: 'system:node:srv1', O: 'system:nodes' });
    assert.deepEqual(peers, [{ CN: 'system:admin', O: 'system:masters' }, { CN: 'system:node:srv1', O: 'system:nodes' }]);
  } finally {
    server.close();
  }
});

test('https with client certs: no cert, or a cert from another CA, is refused in the handshake', async () => {
  const { server, port, peers } = await mtlsServer();
  try {
    const ca = await read(caPaths(pki.dataDir, 'cluster').cert);
    const refusals: string[] = [];
    server.on('tlsClientError', (e: Error & { code?: string }) => refusals.push(`${e.code ?? ''} ${e.message}`));
    await assert.rejects(get(port, { ca }));
    await assert.rejects(get(port, { ca, ...(await pair(pki.otherDir, CERT.admin)) }));
    // A client that trusts only the other CA refuses our server.
    await assert.rejects(get(port, { ca: await read(caPaths(pki.otherDir, 'cluster').cert), ...(await pair(pki.otherDir, CERT.admin)) }), /unable to verify|self.signed|UNABLE_TO_VERIFY/i);
    assert.deepEqual(peers, []);
    assert.ok(refusals.some((c) => /PEER_DID_NOT_RETURN_A_CERTIFICATE/.test(c)), refusals.join(','));
  } finally {
    server.close();
  }
});

test('with rejectUnauthorized off (the apiserver will answer 401 itself), the server tells our cert from another CA\'s and from none', async () => {
  const { server, port, peers } = await mtlsServer(false);
  try {
    const ca = await read(caPaths(pki.dataDir, 'cluster').cert);
    await get(port, { ca, ...(await pair(pki.dataDir, CERT.scheduler)) });
    await get(port, { ca, ...(await pair(pki.otherDir, CERT.admin)) });
    await get(port, { ca });
    assert.deepEqual(peers, [
      { CN: 'system:kube-scheduler' },
      { authorizationError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' },
      { authorizationError: 'UNABLE_TO_GET_ISSUER_CERT' },
    ]);
  } finally {
    server.close();
  }
});

test('kubectl accepts the admin kubeconfig: verifies the server by the embedded CA and presents the admin cert', async () => {
  const { server, port, peers } = await mtlsServer();
  try {
    const kc = join(pki.dir, 'admin.kubeconfig');
    const admin = await pair(pki.dataDir, CERT.admin);
    await writeCertKubeconfig(kc, { server: loopbackServer(port), caPem: await read(caPaths(pki.dataDir, 'cluster').cert), certPem: admin.cert, keyPem: admin.key });
    const { stdout } = await run('/usr/lib/google-cloud-sdk/bin/kubectl.1.33', ['--kubeconfig', kc, 'get', '--raw', '/'], { timeout: 30000 });
    assert.deepEqual(JSON.parse(stdout), { CN: 'system:admin', O: 'system:masters' });
    assert.ok(peers.length >= 1);
  } finally {
    server.close();
  }
});

test('openssl verify accepts every leaf against its own CA with the right purpose, and refuses it against the other CA', async () => {
  for (const spec of clusterLeafSpecs(cluster)) {
    const ca = caPaths(pki.dataDir, spec.ca).cert;
    const wrong = caPaths(pki.dataDir, spec.ca === 'cluster' ? 'etcd' : 'cluster').cert;
    const cert = leafPaths(pki.dataDir, spec.name).cert;
    for (const u of spec.usages) {
      const purpose = u === 'serverAuth' ? 'sslserver' : 'sslclient';
      const { stdout } = await run('openssl', ['verify', '-purpose', purpose, '-CAfile', ca, cert]);
      assert.equal(stdout.trim(), `${cert}: OK`, `${spec.name} ${purpose}`);
    }
    if (!spec.usages.includes('serverAuth')) {
      await assert.rejects(run('openssl', ['verify', '-purpose', 'sslserver', '-CAfile', ca, cert]), /unsuitable certificate purpose/, spec.name);
    }
    await assert.rejects(run('openssl', ['verify', '-CAfile', wrong, cert]), /unable to get local issuer certificate/, spec.name);
  }
});

/** Resolves once etcd's /health answers true to a client with the etcd client cert; rejects if etcd exits or after 20 s. */
async function waitEtcdHealthy(port: number, tls: { ca: string; cert: string; key: string }, exited: () => string | undefined): Promise<void> {
  const deadline = Date.now() + 20000;
  let last = '';
  while (Date.now() < deadline) {
    const gone = exited();
    if (gone !== undefined) throw new Error(`etcd exited: ${gone}`);
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/health', ...tls, agent: false }, (res) => {
          let b = '';
          res.on('data', (d: Buffer) => { b += d.toString(); });
          res.on('end', () => resolve(b));
        });
        req.on('error', reject);
        req.end();
      });
      if (body.includes('"true"')) return;
      last = body;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`etcd not healthy: ${last}`);
}

test('Debian etcd serves with the etcd certs and client-cert auth on loopback; an etcd3 client with the client cert can put and get', async () => {
  const clientPort = await freePort();
  const peerPort = await freePort();
  const client = `https://127.0.0.1:${clientPort}`;
  const peer = `https://127.0.0.1:${peerPort}`;
  const etcdCA = caPaths(pki.dataDir, 'etcd').cert;
  const server = leafPaths(pki.dataDir, CERT.etcdServer);
  const peerCert = leafPaths(pki.dataDir, CERT.etcdPeer);
  const child = spawn('/usr/bin/etcd', [
    '--name', 'pki', '--data-dir', join(pki.dir, 'etcd'),
    '--listen-client-urls', client, '--advertise-client-urls', client,
    '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', `pki=${peer}`,
    '--cert-file', server.cert, '--key-file', server.key, '--trusted-ca-file', etcdCA, '--client-cert-auth',
    '--peer-cert-file', peerCert.cert, '--peer-key-file', peerCert.key, '--peer-trusted-ca-file', etcdCA, '--peer-client-cert-auth',
    '--log-level', 'error', '--logger', 'zap',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let exit: string | undefined;
  child.stderr.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
  child.once('exit', (code, sig) => { exit = `${code ?? sig}: ${stderr}`; });
  const etcdClient = await pair(pki.dataDir, CERT.etcdClient);
  const ca = await read(etcdCA);
  const etcd = new Etcd3({
    hosts: client,
    credentials: { rootCertificate: Buffer.from(ca), privateKey: Buffer.from(etcdClient.key), certChain: Buffer.from(etcdClient.cert) },
  });
  try {
    await waitEtcdHealthy(clientPort, { ca, ...etcdClient }, () => exit);
    await etcd.put('/skiff/pki-test').value('over-mtls');
    assert.equal(await etcd.get('/skiff/pki-test').string(), 'over-mtls');
    // Without a client cert, or with the cluster CA's admin cert, etcd refuses the handshake.
    await assert.rejects(new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: clientPort, path: '/health', ca, agent: false }, resolve);
      req.on('error', reject);
      req.end();
    }));
    const admin = await pair(pki.dataDir, CERT.admin);
    await assert.rejects(new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: clientPort, path: '/health', ca, ...admin, agent: false }, resolve);
      req.on('error', reject);
      req.end();
    }));
  } finally {
    etcd.close();
    if (exit === undefined) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  }
});
