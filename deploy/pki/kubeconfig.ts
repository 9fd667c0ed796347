/**
 * Kubeconfigs that authenticate with a client cert: one cluster over https
 * with the CA embedded (`certificate-authority-data`), one user with the
 * client cert and key embedded (`client-certificate-data`,
 * `client-key-data`), one context. The admin kubeconfig is this with the
 * admin cert and `https://127.0.0.1:<port>`.
 */
import { stringify } from 'yaml';
import { writeFileAtomic } from './files.ts';
import { buildKubeconfig } from '../server/kubeconfig.ts';

/** Inputs of a client-cert kubeconfig. PEM texts, not paths. */
export interface CertKubeconfigOptions {
  /** e.g. https://127.0.0.1:6443 */
  server: string;
  caPem: string;
  certPem: string;
  keyPem: string;
  /** Default 'skiff'. */
  clusterName?: string;
  /** Default 'admin'. */
  userName?: string;
  /** Default 'skiff'. */
  contextName?: string;
}

/** base64 of a PEM text, as kubeconfig *-data fields hold it. Pure. */
function b64(pem: string): string {
  return Buffer.from(pem, 'utf8').toString('base64');
}

/** The kubeconfig (v1 Config) as a plain object: the server's kubeconfig shape with the CA and the client cert embedded. Pure. */
export function buildCertKubeconfig(o: CertKubeconfigOptions): Record<string, unknown> {
  return buildKubeconfig({
    server: o.server, clusterName: o.clusterName, userName: o.userName, contextName: o.contextName,
    cluster: { 'certificate-authority-data': b64(o.caPem) },
    user: { 'client-certificate-data': b64(o.certPem), 'client-key-data': b64(o.keyPem) },
  });
}

/** The admin kubeconfig's server URL for the API on loopback. Pure. */
export function loopbackServer(port: number): string {
  return `https://127.0.0.1:${port}`;
}

/** Writes the kubeconfig YAML to `path` atomically with mode 0600 (it holds a private key). Throws on I/O errors. */
export async function writeCertKubeconfig(path: string, o: CertKubeconfigOptions): Promise<void> {
  await writeFileAtomic(path, stringify(buildCertKubeconfig(o)));
}
