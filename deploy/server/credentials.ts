/**
 * Each component's credentials, from the cluster PKI (deploy/pki): the TLS
 * files the apiserver and kubelet serve with, and one kubeconfig per API
 * client — admin at `<data-dir>/admin.kubeconfig`, the others under
 * `<data-dir>/cred/` with k3s's names (scheduler, controller, kubelet,
 * kubeproxy) plus skiff-dns (the cluster DNS server in the proxy process). Kubeconfigs embed the CA and the client cert and key, so they
 * are rewritten on every start (after renewal) with mode 0600.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensurePrivateDir } from '../pki/files.ts';
import { writeCertKubeconfig } from '../pki/kubeconfig.ts';
import { caPaths, leafPaths, tlsDir, type PairPaths } from '../pki/layout.ts';
import { CERT } from '../pki/specs.ts';

/** Every credential file a `skiff server` component is pointed at. Absolute paths. */
export interface CredentialPaths {
  /** Cluster CA cert: client CA of the apiserver and kubelet, trust of every client, kube-root-ca.crt. */
  clusterCA: string;
  /** Cluster CA key: the controller-manager signs approved CSRs (joining agents' certs) with it. */
  clusterCAKey: string;
  apiserverServing: PairPaths;
  /** The apiserver's client identity towards kubelets. */
  apiserverKubeletClient: PairPaths;
  kubeletServing: PairPaths;
  /** ServiceAccount token signing key. */
  serviceAccountKey: string;
  kubeconfigs: { admin: string; scheduler: string; controllerManager: string; kubelet: string; proxy: string; dns: string };
}

/** The credential layout for `dataDir` and node `nodeName`. Pure. */
export function credentialPaths(dataDir: string, nodeName: string): CredentialPaths {
  const cred = join(dataDir, 'cred');
  return {
    clusterCA: caPaths(dataDir, 'cluster').cert,
    clusterCAKey: caPaths(dataDir, 'cluster').key,
    apiserverServing: leafPaths(dataDir, CERT.apiserverServing),
    apiserverKubeletClient: leafPaths(dataDir, CERT.apiserverKubeletClient),
    kubeletServing: leafPaths(dataDir, CERT.kubeletServing(nodeName)),
    serviceAccountKey: join(tlsDir(dataDir), 'service.key'),
    kubeconfigs: {
      admin: join(dataDir, 'admin.kubeconfig'),
      scheduler: join(cred, 'scheduler.kubeconfig'),
      controllerManager: join(cred, 'controller.kubeconfig'),
      kubelet: join(cred, 'kubelet.kubeconfig'),
      proxy: join(cred, 'kubeproxy.kubeconfig'),
      dns: join(cred, 'skiff-dns.kubeconfig'),
    },
  };
}

/**
 * Writes the six kubeconfigs for the API at `server` (e.g.
 * https://127.0.0.1:6443), each with the CA and its component's client
 * cert: admin (system:admin), scheduler, controller-manager, the node's
 * kubelet (system:node:<nodeName>), proxy, cluster DNS (system:skiff-dns). Throws on I/O errors (e.g. the
 * PKI was not ensured first).
 */
export async function writeComponentKubeconfigs(dataDir: string, nodeName: string, server: string): Promise<CredentialPaths> {
  const p = credentialPaths(dataDir, nodeName);
  await ensurePrivateDir(join(dataDir, 'cred'));
  const caPem = await readFile(p.clusterCA, 'utf8');
  const users: Array<[string, string, string]> = [
    [p.kubeconfigs.admin, CERT.admin, 'admin'],
    [p.kubeconfigs.scheduler, CERT.scheduler, 'system:kube-scheduler'],
    [p.kubeconfigs.controllerManager, CERT.controllerManager, 'system:kube-controller-manager'],
    [p.kubeconfigs.kubelet, CERT.kubeletClient(nodeName), `system:node:${nodeName}`],
    [p.kubeconfigs.proxy, CERT.proxy, 'system:kube-proxy'],
    [p.kubeconfigs.dns, CERT.dns, 'system:skiff-dns'],
  ];
  for (const [path, cert, userName] of users) {
    const leaf = leafPaths(dataDir, cert);
    await writeCertKubeconfig(path, {
      server, caPem, certPem: await readFile(leaf.cert, 'utf8'), keyPem: await readFile(leaf.key, 'utf8'), userName,
    });
  }
  return p;
}
