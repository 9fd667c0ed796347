/**
 * The kube-dns Service every cluster has (kube-system/kube-dns), so tools
 * that look for the cluster DNS find it: ClusterIP = the 10th address of
 * the service CIDR (10.96.0.10 for 10.96.0.0/12, the kubeadm and k3s
 * default), ports dns 53/UDP and dns-tcp 53/TCP. It has no selector: Skiff
 * runs the DNS server in every node's proxy, and the kube-dns controller
 * (controllers/kubedns) lists every node's InternalIP:10053 in its
 * EndpointSlice; internalTrafficPolicy Local sends each pod to its own
 * node's server (proxy/dns/README.md, "Reachability").
 */
import ipaddr from 'ipaddr.js';
import type { Service } from 'kubernetes-types/core/v1';

/** Where the Service lives. */
export const KUBE_DNS_NAMESPACE = 'kube-system';
export const KUBE_DNS_NAME = 'kube-dns';
/** The port every node's DNS server listens on (the Service's targetPort); must equal proxy/dns DEFAULT_DNS_PORT. */
export const KUBE_DNS_TARGET_PORT = 10053;

/** The `n`th address of a CIDR ('10.96.0.0/12', 10 → '10.96.0.10'); throws on a bad CIDR or one too small. */
export function nthAddress(cidr: string, n: number): string {
  const [base, bits] = ipaddr.parseCIDR(cidr);
  const bytes = base.toByteArray();
  const size = bytes.length * 8 - bits;
  if (size < 31 && n >= 2 ** size) throw new Error(`${cidr} has no address #${n}`);
  let carry = n;
  for (let i = bytes.length - 1; i >= 0 && carry > 0; i--) {
    const sum = (bytes[i] ?? 0) + carry;
    bytes[i] = sum & 0xff;
    carry = Math.floor(sum / 256);
  }
  return ipaddr.fromByteArray(bytes).toString();
}

/** The cluster DNS address of a service CIDR: its 10th address (kubeadm's and k3s's rule). Throws as nthAddress. */
export function clusterDNSAddress(serviceCIDR: string): string {
  return nthAddress(serviceCIDR, 10);
}

/** The kube-dns Service for `serviceCIDR`. Pure; throws on a bad CIDR. */
export function kubeDNSService(serviceCIDR: string): Service {
  const ip = clusterDNSAddress(serviceCIDR);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: KUBE_DNS_NAME, namespace: KUBE_DNS_NAMESPACE,
      labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'SkiffDNS' },
    },
    spec: {
      type: 'ClusterIP',
      clusterIP: ip,
      clusterIPs: [ip],
      internalTrafficPolicy: 'Local',
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: KUBE_DNS_TARGET_PORT },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: KUBE_DNS_TARGET_PORT },
      ],
      sessionAffinity: 'None',
    },
  };
}
