/**
 * What certs the cluster needs: a pure function from the cluster's shape
 * (hostname, server IPs, nodes, service CIDR) to one `LeafSpec` per cert.
 * Names, subjects and usages follow k3s (`pkg/daemons/control/deps/deps.go`:
 * file names under `tls/`) and Kubernetes' well-known identities
 * (`staging/src/k8s.io/apiserver/pkg/authentication/user/user.go`,
 * kubeadm `cmd/kubeadm/app/constants/constants.go`).
 */
import { firstAddress } from '../../apiserver/bootstrap.ts';

/** Which CA signs a cert: the cluster CA or the separate etcd CA. */
export type CAName = 'cluster' | 'etcd';

/** Extended key usages Skiff issues. */
export type Usage = 'serverAuth' | 'clientAuth';

/** One leaf cert to keep issued. */
export interface LeafSpec {
  /** Path under `<data-dir>/tls/` without extension, e.g. 'client-admin' or 'etcd/client'. */
  name: string;
  ca: CAName;
  commonName: string;
  /** Subject O values: Kubernetes groups for client certs. */
  organizations: string[];
  /** DNS SANs (empty for client-only certs). */
  dnsNames: string[];
  /** IP SANs, any textual form (compared canonically). */
  ipAddresses: string[];
  usages: Usage[];
}

/** A node the server issues kubelet certs for. */
export interface NodeIdentity {
  /** The Node object name (also its hostname SAN). */
  name: string;
  /** Addresses the kubelet serves on (InternalIP/ExternalIP). */
  ips: string[];
}

/** The cluster shape the cert set is derived from. */
export interface ClusterIdentity {
  /** This server's hostname (a SAN of the apiserver and etcd certs). */
  hostname: string;
  /** Every IP of this server (SANs of the apiserver and etcd certs). */
  serverIPs: string[];
  /** Nodes whose kubelets get a serving and a client cert. */
  nodes: NodeIdentity[];
  /** Service ClusterIP range; its first address is the `kubernetes` Service IP. */
  serviceCIDR: string;
  /** Default 'cluster.local'. */
  clusterDomain?: string;
}

/** Kubernetes' superuser group (user.SystemPrivilegedGroup). */
export const SYSTEM_MASTERS = 'system:masters';
/** The group of every kubelet identity (user.NodesGroup). */
export const SYSTEM_NODES = 'system:nodes';
/** The user prefix of kubelet identities, system:node:<nodeName>. */
export const NODE_USER_PREFIX = 'system:node:';

/** Cert names (k3s's file names) the rest of Skiff refers to. */
export const CERT = {
  apiserverServing: 'serving-kube-apiserver',
  admin: 'client-admin',
  scheduler: 'client-scheduler',
  controllerManager: 'client-controller',
  proxy: 'client-kube-proxy',
  dns: 'client-skiff-dns',
  apiserverKubeletClient: 'client-kube-apiserver',
  kubeletServing: (node: string): string => `serving-kubelet-${node}`,
  kubeletClient: (node: string): string => `client-kubelet-${node}`,
  etcdServer: 'etcd/server-client',
  etcdPeer: 'etcd/peer-server-client',
  etcdClient: 'etcd/client',
} as const;

/** Deduplicates, keeping first occurrence order. Pure. */
function uniq(xs: string[]): string[] {
  return [...new Set(xs)];
}

/**
 * The apiserver serving cert's SANs: hostname, the `kubernetes` Service DNS
 * names, localhost; IPs: 127.0.0.1, the `kubernetes` Service IP (first IP of
 * `serviceCIDR`, the same rule the apiserver's bootstrap uses) and every
 * server IP. Throws on a malformed `serviceCIDR`. Pure.
 */
export function apiserverSANs(c: ClusterIdentity): { dnsNames: string[]; ipAddresses: string[] } {
  const domain = c.clusterDomain ?? 'cluster.local';
  return {
    dnsNames: uniq([c.hostname, 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', `kubernetes.default.svc.${domain}`, 'localhost']),
    ipAddresses: uniq(['127.0.0.1', firstAddress(c.serviceCIDR), ...c.serverIPs]),
  };
}

/** A client-only spec (no SANs, usage clientAuth). Pure. */
function client(name: string, ca: CAName, commonName: string, organizations: string[] = []): LeafSpec {
  return { name, ca, commonName, organizations, dnsNames: [], ipAddresses: [], usages: ['clientAuth'] };
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Every leaf cert of the cluster, in a stable order. Client identities:
 * admin (system:admin in system:masters), scheduler, controller-manager,
 * proxy, the cluster DNS server (system:skiff-dns), the apiserver's kubelet client (kubeadm's CN
 * kube-apiserver-kubelet-client, in system:masters), and per node
 * system:node:<name> in system:nodes. etcd's server and peer certs are
 * serverAuth+clientAuth (etcd's peers dial each other), etcd's client cert
 * clientAuth. Throws on a malformed `serviceCIDR` or a node name that is not
 * a DNS-1123 subdomain (it becomes part of a file name). Pure.
 */
export function clusterLeafSpecs(c: ClusterIdentity): LeafSpec[] {
  for (const n of c.nodes) {
    if (n.name.length > 253 || !DNS1123_SUBDOMAIN.test(n.name)) throw new Error(`node name ${JSON.stringify(n.name)} is not a DNS-1123 subdomain`);
  }
  const api = apiserverSANs(c);
  const etcdSANs = { dnsNames: uniq(['localhost', c.hostname]), ipAddresses: uniq(['127.0.0.1', ...c.serverIPs]) };
  const specs: LeafSpec[] = [
    { name: CERT.apiserverServing, ca: 'cluster', commonName: 'kube-apiserver', organizations: [], ...api, usages: ['serverAuth'] },
    client(CERT.admin, 'cluster', 'system:admin', [SYSTEM_MASTERS]),
    client(CERT.scheduler, 'cluster', 'system:kube-scheduler'),
    client(CERT.controllerManager, 'cluster', 'system:kube-controller-manager'),
    client(CERT.proxy, 'cluster', 'system:kube-proxy'),
    client(CERT.dns, 'cluster', 'system:skiff-dns'),
    client(CERT.apiserverKubeletClient, 'cluster', 'kube-apiserver-kubelet-client', [SYSTEM_MASTERS]),
  ];
  for (const n of c.nodes) {
    specs.push({
      name: CERT.kubeletServing(n.name), ca: 'cluster', commonName: n.name, organizations: [],
      dnsNames: uniq([n.name, 'localhost']), ipAddresses: uniq(['127.0.0.1', ...n.ips]), usages: ['serverAuth'],
    });
    specs.push(client(CERT.kubeletClient(n.name), 'cluster', `${NODE_USER_PREFIX}${n.name}`, [SYSTEM_NODES]));
  }
  specs.push(
    { name: CERT.etcdServer, ca: 'etcd', commonName: 'etcd-server', organizations: [], ...etcdSANs, usages: ['serverAuth', 'clientAuth'] },
    { name: CERT.etcdPeer, ca: 'etcd', commonName: 'etcd-peer', organizations: [], ...etcdSANs, usages: ['serverAuth', 'clientAuth'] },
    client(CERT.etcdClient, 'etcd', 'etcd-client'),
  );
  return specs;
}
