/**
 * The agent's TLS bootstrap (kubeadm join / k3s agent, issue 7): from a
 * server URL and a join token to the kubelet's own credentials, without
 * ever holding an admin credential.
 * 1. Parse the token (bad shape: error, nothing written).
 * 2. Fetch the server's CA and check it against the token's hash before
 *    trusting anything (cacerts.ts; mismatch: error, nothing written).
 * 3. With the bootstrap token as bearer, request the kubelet client cert
 *    (CN system:node:<name>, O system:nodes, signer
 *    kubernetes.io/kube-apiserver-client-kubelet, usages digital signature +
 *    client auth); the controller-manager approves (SubjectAccessReview
 *    nodeclient) and signs it. A refused token is a 401: error, nothing written.
 * 3b. With the bootstrap token too, request the service proxy's client cert
 *    (CN system:kube-proxy, signer kubernetes.io/kube-apiserver-client),
 *    approved after a SubjectAccessReview of kubeproxyclient (as k3s gives
 *    every agent that identity); likewise the cluster DNS server's
 *    (CN system:skiff-dns, SubjectAccessReview of skiffdnsclient).
 * 4. As the node itself, request the kubelet serving cert (signer
 *    kubernetes.io/kubelet-serving, SANs the node name, localhost, the node
 *    IP and 127.0.0.1), approved as k3s does (controllers/certificates).
 * 5. Only now write everything (agent layout.ts), keys 0600 in 0700 dirs,
 *    each file atomically.
 * A later start with the same token and complete files reuses them.
 * Nothing here logs a key or the token.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { RestClient } from '../../apiserver/client/rest.ts';
import { createCSRPem } from '../pki/csr.ts';
import { ensurePrivateDir, writeFileAtomic } from '../pki/files.ts';
import { generateKeyPair, privateKeyToPem, publicKeyDer } from '../pki/keys.ts';
import { writeCertKubeconfig } from '../pki/kubeconfig.ts';
import { x509, type CryptoProvider } from '../pki/x509.ts';
import { bearerOf, caHash, parseJoinToken } from '../join/token.ts';
import { fetchServerCA } from './cacerts.ts';
import { agentPaths, type AgentPaths } from './layout.ts';
import { requestCertificate, type WaitOptions } from './request-cert.ts';

/** Inputs of `bootstrapAgent`. */
export interface AgentBootstrapOptions {
  /** https://host:port of a server. */
  server: string;
  /** The join token text (K10…). */
  token: string;
  dataDir: string;
  nodeName: string;
  /** The node's address (an IP SAN of the serving cert); '' or undefined: only loopback and the name. */
  nodeIP?: string;
  /** Wait per certificate (default 120 s, polling every 500 ms). */
  wait?: Partial<WaitOptions>;
  crypto?: CryptoProvider;
}

/** Outcome: the written (or reused) credential files. */
export interface AgentCredentials {
  paths: AgentPaths;
  /** false: the files of an earlier bootstrap with the same CA were reused. */
  issued: boolean;
}

/** One cert and its key, in memory until everything succeeded. */
interface Pair { certPem: string; keyPem: string }

/** Whether the files of an earlier bootstrap are complete and belong to the token's CA. */
async function reusable(p: AgentPaths, expectedHash: string): Promise<boolean> {
  const files = [p.caFile, p.clientCert, p.clientKey, p.servingCert, p.servingKey, p.kubeletKubeconfig, p.proxyCert, p.proxyKey, p.proxyKubeconfig, p.dnsCert, p.dnsKey, p.dnsKubeconfig];
  if (!files.every((f) => existsSync(f))) return false;
  return caHash(await readFile(p.caFile)) === expectedHash;
}

/** Checks the issued cert names `commonName` and carries `keys`' public key. */
async function checkIssued(crypto: CryptoProvider, certPem: string, commonName: string, keys: CryptoKeyPair): Promise<string | undefined> {
  let cert: InstanceType<typeof x509.X509Certificate>;
  try {
    cert = new x509.X509Certificate(certPem);
  } catch (e) {
    return `the issued certificate does not parse: ${e instanceof Error ? e.message : String(e)}`;
  }
  if (cert.subjectName.getField('CN')[0] !== commonName) return `the issued certificate is for ${cert.subject}, not CN=${commonName}`;
  if (!Buffer.from(cert.publicKey.rawData).equals(await publicKeyDer(crypto, keys.publicKey))) return 'the issued certificate is not for the requested key';
  return undefined;
}

/** Makes a key, requests its cert through `client`, checks it. */
async function issue(
  crypto: CryptoProvider, client: RestClient, subject: Parameters<typeof createCSRPem>[2], signerName: string, usages: string[], wait: WaitOptions,
): Promise<Pair | { error: string }> {
  const keys = await generateKeyPair(crypto);
  const csrPem = await createCSRPem(crypto, keys, subject);
  const got = await requestCertificate(client, { csrPem, signerName, usages }, wait);
  if ('error' in got) return got;
  const bad = await checkIssued(crypto, got.certPem, subject.commonName, keys);
  if (bad) return { error: bad };
  return { certPem: got.certPem, keyPem: await privateKeyToPem(crypto, keys.privateKey) };
}

/**
 * Runs the bootstrap (see the file doc). Resolves the credentials, or an
 * error value with an operator-facing message; on any error nothing has
 * been written under `dataDir`. Throws only on local I/O errors while writing.
 */
export async function bootstrapAgent(o: AgentBootstrapOptions): Promise<AgentCredentials | { error: string }> {
  const crypto = o.crypto ?? globalThis.crypto;
  const token = parseJoinToken(o.token);
  if ('error' in token) return { error: `invalid --token: ${token.error}` };
  const paths = agentPaths(o.dataDir);
  if (await reusable(paths, token.caHash)) return { paths, issued: false };
  const ca = await fetchServerCA(o.server, token.caHash);
  if ('error' in ca) return ca;
  const wait: WaitOptions = { timeoutMs: 120_000, pollMs: 500, ...o.wait };
  const baseUrl = o.server.replace(/\/+$/, '');
  const user = `system:node:${o.nodeName}`;
  const bootstrap = new RestClient({ baseUrl, ca: ca.caPem, token: bearerOf(token), userAgent: 'skiff-agent-bootstrap' });
  let client: Pair | { error: string };
  let proxy: Pair | { error: string };
  let dns: Pair | { error: string };
  try {
    client = await issue(crypto, bootstrap, { commonName: user, organizations: ['system:nodes'] }, 'kubernetes.io/kube-apiserver-client-kubelet', ['digital signature', 'client auth'], wait);
    proxy = 'error' in client ? client
      : await issue(crypto, bootstrap, { commonName: 'system:kube-proxy', organizations: [] }, 'kubernetes.io/kube-apiserver-client', ['digital signature', 'client auth'], wait);
    dns = 'error' in proxy ? proxy
      : await issue(crypto, bootstrap, { commonName: 'system:skiff-dns', organizations: [] }, 'kubernetes.io/kube-apiserver-client', ['digital signature', 'client auth'], wait);
  } finally {
    bootstrap.close();
  }
  if ('error' in client) return client;
  if ('error' in proxy) return proxy;
  if ('error' in dns) return dns;
  const asNode = new RestClient({ baseUrl, ca: ca.caPem, cert: client.certPem, key: client.keyPem, userAgent: 'skiff-agent-bootstrap' });
  let serving: Pair | { error: string };
  try {
    const ips = [...new Set([o.nodeIP ?? '', '127.0.0.1'].filter((ip) => ip !== ''))];
    serving = await issue(crypto, asNode, { commonName: user, organizations: ['system:nodes'], dnsNames: [o.nodeName, 'localhost'], ipAddresses: ips },
      'kubernetes.io/kubelet-serving', ['digital signature', 'server auth'], wait);
  } finally {
    asNode.close();
  }
  if ('error' in serving) return serving;
  await ensurePrivateDir(paths.tlsDir);
  await ensurePrivateDir(paths.credDir);
  await writeFileAtomic(paths.clientKey, client.keyPem);
  await writeFileAtomic(paths.clientCert, client.certPem);
  await writeFileAtomic(paths.servingKey, serving.keyPem);
  await writeFileAtomic(paths.servingCert, serving.certPem);
  await writeFileAtomic(paths.proxyKey, proxy.keyPem);
  await writeFileAtomic(paths.proxyCert, proxy.certPem);
  await writeFileAtomic(paths.dnsKey, dns.keyPem);
  await writeFileAtomic(paths.dnsCert, dns.certPem);
  await writeCertKubeconfig(paths.kubeletKubeconfig, { server: baseUrl, caPem: ca.caPem, certPem: client.certPem, keyPem: client.keyPem, userName: user });
  await writeCertKubeconfig(paths.proxyKubeconfig, { server: baseUrl, caPem: ca.caPem, certPem: proxy.certPem, keyPem: proxy.keyPem, userName: 'system:kube-proxy' });
  await writeCertKubeconfig(paths.dnsKubeconfig, { server: baseUrl, caPem: ca.caPem, certPem: dns.certPem, keyPem: dns.keyPem, userName: 'system:skiff-dns' });
  // The CA last: its presence (with the rest) marks a complete bootstrap.
  await writeFileAtomic(paths.caFile, ca.caPem);
  return { paths, issued: true };
}
