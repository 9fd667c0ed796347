/**
 * The token split against the real thing: real etcd, the real apiserver
 * over TLS with Node,RBAC and the controller-manager's CSR controllers.
 * The server publishes both tokens and the server bootstrap data; then:
 * - the agent token's bearer gets 403 reading Secret
 *   kube-system/skiff-server-bootstrap, yet creates a node CSR, and
 *   `skiff agent`'s bootstrap with it ends with a node identity;
 * - the server token's bearer reads and opens the Secret (it also still
 *   joins agents: deploy/agent/bootstrap.real.test.ts);
 * - a server join with the agent token is refused with the reason, and
 *   nothing is written in the joiner's data dir;
 * - the cluster network settings ConfigMap: the node and the agent token
 *   read it, the node reads no other kube-system ConfigMap.
 */
import { setMaxListeners } from 'node:events';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1';
import type { ConfigMap, Secret } from 'kubernetes-types/core/v1';
import { CertificateSigningRequests, ConfigMaps, Secrets } from '../../apiserver/client/resources.ts';
import { loadKubeconfig } from '../../apiserver/client/kubeconfig.ts';
import { clusterNetworkOf, DEFAULT_NETWORK } from '../agent/agent.ts';
import { ensureClusterConfig, fetchClusterConfig } from './cluster-config.ts';
import { RestClient } from '../../apiserver/client/rest.ts';
import { ApiError } from '../../apiserver/client/types.ts';
import { runApiServer } from '../../apiserver/main.ts';
import { runControllerManager } from '../../controllers/main.ts';
import { bootstrapAgent } from '../agent/bootstrap.ts';
import { createCSRPem } from '../pki/csr.ts';
import { generateKeyPair } from '../pki/keys.ts';
import { writeCertKubeconfig } from '../pki/kubeconfig.ts';
import { caPaths, leafPaths } from '../pki/layout.ts';
import { CERT, type ClusterIdentity } from '../pki/specs.ts';
import { joinEmbedded } from '../server/server-join-embedded.ts';
import { freePort, startEtcd } from '../../testutil/etcd.ts';
import { usePKIs } from '../../testutil/pki.ts';
import { etcdSkipReason, quietLogger } from '../../testutil/real-api.ts';
import { ensureAgentToken } from './agent-token.ts';
import { BOOTSTRAP_NAMESPACE } from './bootstrap-secret.ts';
import { ensureServerBootstrapSecret, openServerBootstrapSecret, SERVER_BOOTSTRAP_SECRET } from './server-bootstrap-secret.ts';
import type { EmbeddedBootstrapData } from './server-bootstrap.ts';
import { ensureJoinToken } from './server-token.ts';
import { checkServerToken } from './token-kind.ts';
import { bearerOf, parseJoinToken } from './token.ts';

const cluster: ClusterIdentity = { hostname: 'srv1', serverIPs: ['127.0.0.1'], serviceCIDR: '10.96.0.0/12', nodes: [{ name: 'srv1', ips: ['127.0.0.1'] }] };
const pki = usePKIs('agenttoken', cluster);

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => join(d.parentPath, d.name));
}

test('the agent token creates node CSRs but cannot read the server bootstrap data; the server token can; a server join with the agent token is refused', { timeout: 120_000 }, async (t) => {
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
  const clients: RestClient[] = [];
  try {
    const url = await Promise.race([ready, api.then(() => { throw new Error('apiserver exited before listening'); })]);
    const admin = new RestClient({ baseUrl: url, ca: caPem, ...(await pair(CERT.admin)) });
    clients.push(admin);
    const cmKubeconfig = join(pki.dir, 'controller.kubeconfig');
    const cm = await pair(CERT.controllerManager);
    await writeCertKubeconfig(cmKubeconfig, { server: url, caPem, certPem: cm.cert, keyPem: cm.key });
    running.push(runControllerManager({
      apiUrl: '', kubeconfig: cmKubeconfig, clusterCIDR: '10.244.0.0/16', nodeCIDRMaskSize: 24, healthzPort: 0, log: quietLogger('controller-manager'),
      controllers: ['csrapproving', 'csrsigning'], clusterSigningCertFile: caFile, clusterSigningKeyFile: caPaths(pki.dataDir, 'cluster').key,
    }, stop.signal));

    // The server's side, as `skiff server` does it: both tokens, then the sealed bootstrap data.
    const serverReport = await ensureJoinToken(pki.dataDir, caFile, admin);
    const agentReport = await ensureAgentToken(pki.dataDir, caFile, admin);
    assert.ok(!('error' in agentReport), JSON.stringify(agentReport));
    const serverText = readFileSync(serverReport.path, 'utf8');
    const agentText = readFileSync(agentReport.path, 'utf8');
    const server = parseJoinToken(serverText);
    const agent = parseJoinToken(agentText);
    assert.ok(!('error' in server) && !('error' in agent));
    assert.notEqual(agent.id, server.id);
    const caKey = await readFile(caPaths(pki.dataDir, 'cluster').key, 'utf8');
    const data: EmbeddedBootstrapData = { 'server-ca.crt': caPem, 'server-ca.key': caKey, 'service.key': caKey, 'etcd/server-ca.crt': caPem, 'etcd/server-ca.key': caKey };
    await ensureServerBootstrapSecret(admin, data, ['https://127.0.0.1:2479'], bearerOf(server), randomBytes, bearerOf(agent));

    const asAgent = new RestClient({ baseUrl: url, ca: caPem, token: bearerOf(agent), userAgent: 'test-agent' });
    const asServer = new RestClient({ baseUrl: url, ca: caPem, token: bearerOf(server), userAgent: 'test-server' });
    clients.push(asAgent, asServer);

    // The agent token: 403 on the bootstrap Secret.
    const denied = await asAgent.tryGet<Secret>(Secrets, SERVER_BOOTSTRAP_SECRET, BOOTSTRAP_NAMESPACE).then(() => undefined, (e: unknown) => e);
    assert.ok(denied instanceof ApiError && denied.code === 403, String(denied));
    const check = await checkServerToken(asAgent, url);
    assert.ok('error' in check && /this is an agent token/.test(check.error), JSON.stringify(check));

    // ... yet it creates a node client CSR.
    const keys = await generateKeyPair(globalThis.crypto);
    const request = Buffer.from(await createCSRPem(globalThis.crypto, keys, { commonName: 'system:node:agent-x', organizations: ['system:nodes'] })).toString('base64');
    const csr = await asAgent.create<CertificateSigningRequest>(CertificateSigningRequests, {
      apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'agent-token-node-csr' },
      spec: { request, signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth'] },
    });
    assert.equal(csr.spec?.username, `system:bootstrap:${agent.id}`);

    // The server token reads and opens it, and passes the server-join check.
    const opened = await openServerBootstrapSecret(asServer, bearerOf(server));
    assert.ok(opened !== undefined && !('error' in opened));
    assert.equal(opened.data['server-ca.crt'], caPem);
    assert.equal(opened.agentToken, bearerOf(agent));
    assert.deepEqual(await checkServerToken(asServer, url), { ok: true });

    // `skiff agent` joins with the agent token: its CSRs are approved and signed.
    const agentDir = join(pki.dir, 'agent');
    const joined = await bootstrapAgent({ server: url, token: agentText, dataDir: agentDir, nodeName: 'agent-1', nodeIP: '127.0.0.1', wait: { timeoutMs: 30_000, pollMs: 200 } });
    assert.ok(!('error' in joined), JSON.stringify(joined));
    assert.equal(joined.issued, true);

    // The cluster network settings (cluster-config.ts): none yet → the defaults; once published, the
    // server's values, read as the node; the node gets nothing else of kube-system's ConfigMaps.
    assert.deepEqual(await clusterNetworkOf(joined.paths.kubeletKubeconfig, 600, stop.signal), { network: DEFAULT_NETWORK, fromServer: false });
    const net = { clusterCIDR: '10.42.0.0/16', serviceCIDR: '10.43.0.0/16' };
    assert.deepEqual(await ensureClusterConfig(admin, net), { stored: true });
    assert.deepEqual(await ensureClusterConfig(admin, net), { stored: false });
    assert.deepEqual(await clusterNetworkOf(joined.paths.kubeletKubeconfig, 5_000, stop.signal), { network: net, fromServer: true });
    assert.deepEqual(await fetchClusterConfig(asAgent), net, 'a joining agent reads it with its bootstrap token');
    await admin.create<ConfigMap>(ConfigMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'other', namespace: BOOTSTRAP_NAMESPACE }, data: { x: 'y' } }, BOOTSTRAP_NAMESPACE);
    const asNode = new RestClient({ ...loadKubeconfig(joined.paths.kubeletKubeconfig), userAgent: 'test-node' });
    clients.push(asNode);
    const other = await asNode.get<ConfigMap>(ConfigMaps, 'other', BOOTSTRAP_NAMESPACE).then(() => undefined, (e: unknown) => e);
    assert.ok(other instanceof ApiError && other.code === 403, String(other));
    const listed = await asNode.list<ConfigMap>(ConfigMaps, { namespace: BOOTSTRAP_NAMESPACE }).then(() => undefined, (e: unknown) => e);
    assert.ok(listed instanceof ApiError && listed.code === 403, String(listed));

    // A server join with the agent token: refused with the reason, nothing written.
    const joinerDir = join(pki.dir, 'joiner');
    const refused = await joinEmbedded(joinerDir, join(joinerDir, 'etcd'), { server: url, token: agentText }, 10_000);
    assert.ok('error' in refused && /agent token/.test(refused.error), JSON.stringify(refused));
    assert.deepEqual(filesUnder(joinerDir), []);
  } finally {
    for (const c of clients) c.close();
    stop.abort();
    await Promise.allSettled(running);
    await etcd.stop();
  }
});
