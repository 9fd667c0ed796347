/**
 * Where a `skiff agent` keeps its state under its data dir (k3s's agent
 * layout, flattened): `tls/server-ca.crt` (the cluster CA, checked against
 * the join token), `tls/client-kubelet.{crt,key}` (system:node:<name>),
 * `tls/serving-kubelet.{crt,key}` (the kubelet's TLS API),
 * `tls/client-kube-proxy.{crt,key}` (system:kube-proxy),
 * `tls/client-skiff-dns.{crt,key}` (system:skiff-dns, the cluster DNS server), and
 * `cred/kubelet.kubeconfig`, `cred/kubeproxy.kubeconfig`, `cred/skiff-dns.kubeconfig` (client cert and CA embedded). Nothing here
 * is an admin credential: the agent never receives one.
 */
import { join } from 'node:path';

/** Absolute paths of the agent's credential files. */
export interface AgentPaths {
  tlsDir: string;
  credDir: string;
  caFile: string;
  clientCert: string;
  clientKey: string;
  servingCert: string;
  servingKey: string;
  kubeletKubeconfig: string;
  proxyCert: string;
  proxyKey: string;
  proxyKubeconfig: string;
  dnsCert: string;
  dnsKey: string;
  dnsKubeconfig: string;
}

/** The layout under `dataDir`. Pure. */
export function agentPaths(dataDir: string): AgentPaths {
  const tls = join(dataDir, 'tls');
  const cred = join(dataDir, 'cred');
  return {
    tlsDir: tls,
    credDir: cred,
    caFile: join(tls, 'server-ca.crt'),
    clientCert: join(tls, 'client-kubelet.crt'),
    clientKey: join(tls, 'client-kubelet.key'),
    servingCert: join(tls, 'serving-kubelet.crt'),
    servingKey: join(tls, 'serving-kubelet.key'),
    kubeletKubeconfig: join(cred, 'kubelet.kubeconfig'),
    proxyCert: join(tls, 'client-kube-proxy.crt'),
    proxyKey: join(tls, 'client-kube-proxy.key'),
    proxyKubeconfig: join(cred, 'kubeproxy.kubeconfig'),
    dnsCert: join(tls, 'client-skiff-dns.crt'),
    dnsKey: join(tls, 'client-skiff-dns.key'),
    dnsKubeconfig: join(cred, 'skiff-dns.kubeconfig'),
  };
}
