/**
 * Agent join against the real thing: real etcd, the real apiserver over
 * TLS with Node,RBAC, the controller-manager running only its CSR
 * controllers (csrapproving, csrsigning with the cluster CA), and the join
 * token the server publishes. The agent bootstrap ends with a kubeconfig
 * whose cert authenticates as system:node:<name> in system:nodes and a
 * kubelet serving cert for its addresses, a kube-proxy kubeconfig that
 * authenticates as system:kube-proxy, and holds no admin credential; a
 * token with the wrong secret and a token whose CA hash belongs to another
 * cluster are both refused with nothing written in the agent's data dir.
 */
import { setMaxListeners } from 'node:events';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1';
import { CertificateSigningRequests, type ResourceRef } from '../../apiserver/client/resources.ts';
import { loadKubeconfig } from '../../apiserver/client/kubeconfig.ts';
import { RestClient } from '../../apiserver/client/rest.ts';
import { runApiServer } from '../../apiserver/main.ts';
import { runControllerManager } from '../../controllers/main.ts';
import { writeCertKubeconfig } from '../pki/kubeconfig.ts';
import { caPaths, leafPaths } from '../pki/layout.ts';
import { CERT, type ClusterIdentity } from '../pki/specs.ts';
import { x509 } from '../pki/x509.ts';
import { ensureJoinToken } from '../join/server-token.ts';
import { formatJoinToken, parseJoinToken } from '../join/token.ts';
import { freePort, startEtcd } from '../../testutil/etcd.ts';
import { usePKIs } from '../../testutil/pki.ts';
import { etcdSkipReason, quietLogger } from '../../testutil/real-api.ts';
import { bootstrapAgent } from './bootstrap.ts';
import { createCSRPem } from '../pki/csr.ts';
import { generateKeyPair } from '../pki/keys.ts';
import { kubectlBin } from '../../testutil/kubectl.ts';
import { waitFor } from '../../testutil/wait.ts';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

const cluster: ClusterIdentity = { hostname: 'srv1', serverIPs: ['127.0.0.1'], serviceCIDR: '10.96.0.0/12', nodes: [{ name: 'srv1', ips: ['127.0.0.1'] }] };
const pki = usePKIs('join', cluster);
const SelfSubjectReviews: ResourceRef = { group: 'authentication.k8s.io', version: 'v1', resource: 'selfsubjectreviews', kind: 'SelfSubjectReview', namespaced: false };

/** Every file under `dir` (recursively), or [] when it does not exist. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => join(d.parentPath, d.name));
}

test('an agent joins with the server\'s token: node client and serving certs via approved CSRs; bad tokens write nothing', { timeout: 120_000 }, async (t) => {
  const skip = etcdSkipReason();
  if (skip) {
    t.skip(skip);
    return;
  }
  const etcd = await startEtcd();
  const port = await freePort();
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  const caFile = caPaths(pki.dataDir, 'cluster').cert;
  const caPem = await readFile(caFile, 'utf8');
  const pair = async (name: string): Promise<{ cert: string; key: string }> => {
    const p = leafPaths(pki.dataDir, name);
    return { cert: await readFile(p.cert, 'utf8'), key: await readFile(p.key, 'utf8') };
  };
  const serving = leafPaths(pki.dataDir, CERT.apiserverServing);
  let listening!: (url: string) => void;
  const ready = new Promise<string>((resolve) => { listening = resolve; });
  const api = runApiServer({
    etcdEndpoints: [etcd.endpoint], bindAddress: '127.0.0.1', port, serviceCIDR: cluster.serviceCIDR, log: quietLogger('apiserver'),
    tls: { cert: serving.cert, key: serving.key, clientCA: caFile }, authorization: 'Node,RBAC', onListening: listening,
  }, stop.signal);
  const running: Array<Promise<void>> = [api];
  try {
    const url = await Promise.race([ready, api.then(() => { throw new Error('apiserver exited before listening'); })]);
    const admin = new RestClient({ baseUrl: url, ca: caPem, ...(await pair(CERT.admin)) });
    const cmKubeconfig = join(pki.dir, 'controller.kubeconfig');
    const cm = await pair(CERT.controllerManager);
    await writeCertKubeconfig(cmKubeconfig, { server: url, caPem, certPem: cm.cert, keyPem: cm.key });
    running.push(runControllerManager({
      apiUrl: '', kubeconfig: cmKubeconfig, clusterCIDR: '10.244.0.0/16', nodeCIDRMaskSize: 24, healthzPort: 0, log: quietLogger('controller-manager'),
      controllers: ['csrapproving', 'csrsigning'], clusterSigningCertFile: caFile, clusterSigningKeyFile: caPaths(pki.dataDir, 'cluster').key,
    }, stop.signal));

    // The server's side: the token file and its bootstrap Secret; a second run keeps the same token.
    const first = await ensureJoinToken(pki.dataDir, caFile, admin);
    const tokenText = readFileSync(first.path, 'utf8');
    assert.equal(first.created, true);
    assert.equal((await ensureJoinToken(pki.dataDir, caFile, admin)).created, false);
    assert.equal(readFileSync(first.path, 'utf8'), tokenText);
    assert.equal((await import('node:fs')).statSync(first.path).mode & 0o777, 0o600);
    const token = parseJoinToken(tokenText);
    assert.ok(!('error' in token));

    // A token whose secret is wrong: the hash matches, the API refuses it (401), nothing is written.
    const wrongDir = join(pki.dir, 'agent-wrong');
    const wrong = await bootstrapAgent({
      server: url, token: formatJoinToken(caPem, { id: token.id, secret: 'aaaaaaaaaaaaaaaa' }), dataDir: wrongDir, nodeName: 'agent-1', nodeIP: '127.0.0.1',
      wait: { timeoutMs: 20_000, pollMs: 200 },
    });
    assert.ok('error' in wrong && /401/.test(wrong.error), JSON.stringify(wrong));
    assert.deepEqual(filesUnder(wrongDir), []);

    // A token of another cluster (its CA's hash): refused before any credential is sent, nothing written.
    const otherCA = await readFile(caPaths(pki.otherDir, 'cluster').cert, 'utf8');
    const strangerDir = join(pki.dir, 'agent-stranger');
    const stranger = await bootstrapAgent({ server: url, token: formatJoinToken(otherCA, token), dataDir: strangerDir, nodeName: 'agent-1', wait: { timeoutMs: 20_000, pollMs: 200 } });
    assert.ok('error' in stranger && /does not match the token/.test(stranger.error), JSON.stringify(stranger));
    assert.deepEqual(filesUnder(strangerDir), []);

    // The real join.
    const agentDir = join(pki.dir, 'agent');
    const joined = await bootstrapAgent({ server: url, token: tokenText, dataDir: agentDir, nodeName: 'agent-1', nodeIP: '127.0.0.1', wait: { timeoutMs: 30_000, pollMs: 200 } });
    assert.ok(!('error' in joined), JSON.stringify(joined));
    assert.equal(joined.issued, true);
    const node = new RestClient({ ...loadKubeconfig(joined.paths.kubeletKubeconfig), userAgent: 'test' });
    try {
      const me = await node.create<{ status?: { userInfo?: { username?: string; groups?: string[] } } } & { apiVersion: string; kind: string }>(
        SelfSubjectReviews, { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
      assert.equal(me.status?.userInfo?.username, 'system:node:agent-1');
      assert.ok(me.status?.userInfo?.groups?.includes('system:nodes'));
    } finally {
      node.close();
    }
    const proxyClient = new RestClient({ ...loadKubeconfig(joined.paths.proxyKubeconfig), userAgent: 'test' });
    try {
      const me = await proxyClient.create<{ status?: { userInfo?: { username?: string } } } & { apiVersion: string; kind: string }>(
        SelfSubjectReviews, { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
      assert.equal(me.status?.userInfo?.username, 'system:kube-proxy');
    } finally {
      proxyClient.close();
    }
    const dnsClient = new RestClient({ ...loadKubeconfig(joined.paths.dnsKubeconfig), userAgent: 'test' });
    try {
      const me = await dnsClient.create<{ status?: { userInfo?: { username?: string } } } & { apiVersion: string; kind: string }>(
        SelfSubjectReviews, { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
      assert.equal(me.status?.userInfo?.username, 'system:skiff-dns');
    } finally {
      dnsClient.close();
    }
    const servingCert = new x509.X509Certificate(readFileSync(joined.paths.servingCert, 'utf8'));
    assert.equal(servingCert.subjectName.getField('CN')[0], 'system:node:agent-1');
    const sans = servingCert.getExtension(x509.SubjectAlternativeNameExtension)?.names.items.map((n) => `${n.type}:${n.value}`) ?? [];
    assert.deepEqual(sans.sort(), ['dns:agent-1', 'dns:localhost', 'ip:127.0.0.1']);
    assert.ok(await servingCert.verify({ publicKey: new x509.X509Certificate(caPem).publicKey, signatureOnly: true }, globalThis.crypto));
    assert.equal(readFileSync(joined.paths.caFile, 'utf8'), caPem);

    // Both CSRs were approved by the controller and carry their certificates.
    const csrs = (await admin.list<CertificateSigningRequest>(CertificateSigningRequests)).items;
    const bySigner = (s: string): CertificateSigningRequest[] => csrs.filter((c) => c.spec?.signerName === s && c.status?.certificate);
    assert.equal(bySigner('kubernetes.io/kube-apiserver-client-kubelet').length, 1);
    assert.equal(bySigner('kubernetes.io/kubelet-serving').length, 1);
    assert.equal(bySigner('kubernetes.io/kube-apiserver-client').length, 2, 'kube-proxy and cluster DNS');
    const clientCSR = bySigner('kubernetes.io/kube-apiserver-client-kubelet')[0];
    assert.equal(clientCSR?.spec?.username, `system:bootstrap:${token.id}`);
    assert.ok(clientCSR?.status?.conditions?.some((c) => c.type === 'Approved' && c.reason === 'AutoApproved'));

    // The agent holds no admin credential: neither the admin cert nor its key appears in any of its files.
    const adminPair = await pair(CERT.admin);
    for (const f of filesUnder(agentDir)) {
      const text = readFileSync(f, 'utf8');
      assert.ok(!text.includes(adminPair.key.trim()) && !text.includes(adminPair.cert.trim()), f);
      const b64 = readFileSync(f, 'utf8');
      assert.ok(!b64.includes(Buffer.from(adminPair.key).toString('base64')) && !b64.includes(Buffer.from(adminPair.cert).toString('base64')), f);
    }

    // kubectl: `get csr` shows them issued; `certificate approve` approves a request no rule auto-approves, and the signer issues it.
    const kubectl = kubectlBin(33);
    if (existsSync(kubectl)) {
      const adminKubeconfig = join(pki.dir, 'admin.kubeconfig');
      const ap = await pair(CERT.admin);
      await writeCertKubeconfig(adminKubeconfig, { server: url, caPem, certPem: ap.cert, keyPem: ap.key });
      const kc = (...args: string[]) => exec(kubectl, ['--kubeconfig', adminKubeconfig, ...args], { timeout: 30_000, env: { ...process.env, HOME: pki.dir } });
      const listed = await kc('get', 'csr');
      assert.match(listed.stdout, /^NAME\s+AGE\s+SIGNERNAME\s+REQUESTOR\s+REQUESTEDDURATION\s+CONDITION/m);
      assert.match(listed.stdout, /kubernetes\.io\/kube-apiserver-client-kubelet\s+system:bootstrap:\w+\s+<none>\s+Approved,Issued/);
      const keys = await generateKeyPair(globalThis.crypto);
      const alice = Buffer.from(await createCSRPem(globalThis.crypto, keys, { commonName: 'alice', organizations: ['devs'] })).toString('base64');
      await admin.create<CertificateSigningRequest>(CertificateSigningRequests, {
        apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'alice' },
        spec: { request: alice, signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'], expirationSeconds: 3600 },
      });
      // kubectl ≥ 1.32 PUTs the approval as protobuf, with the object's managedFields (ObjectMeta field 17).
      await kc('certificate', 'approve', 'alice');
      const issued = await waitFor(async () => (await admin.get<CertificateSigningRequest>(CertificateSigningRequests, 'alice')).status?.certificate, 20_000, 'alice issued', 200);
      const aliceCert = new x509.X509Certificate(Buffer.from(issued, 'base64').toString('utf8'));
      assert.equal(aliceCert.subject, 'O=devs, CN=alice');
      assert.ok(aliceCert.notAfter.getTime() - aliceCert.notBefore.getTime() <= 3600_000 + (Date.now() - aliceCert.notBefore.getTime()) + 5_000, 'expirationSeconds honoured');
    }

    // A restart with the same token reuses the credentials.
    const again = await bootstrapAgent({ server: url, token: tokenText, dataDir: agentDir, nodeName: 'agent-1' });
    assert.ok(!('error' in again) && again.issued === false);
    admin.close();
  } finally {
    stop.abort();
    await Promise.allSettled(running);
    await etcd.stop();
  }
});
