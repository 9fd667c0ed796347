/**
 * The default RBAC objects of node join (issue 7), after Kubernetes'
 * bootstrap policy (bootstrappolicy/policy.go: system:node-bootstrapper,
 * the certificatesigningrequests:nodeclient / selfnodeclient roles and the
 * signer approver roles) and kubeadm's bindings (cmd/kubeadm/app/phases/
 * bootstraptoken/node: kubeadm:kubelet-bootstrap, kubeadm:node-autoapprove-
 * bootstrap, kubeadm:node-autoapprove-certificate-rotation), renamed
 * `skiff:*` and bound to Skiff's token group
 * system:bootstrappers:skiff:default-node-token. Plus the Skiff role
 * `system:skiff:cacerts` letting everyone GET /cacerts (k3s serves it
 * outside kube-apiserver, unauthenticated), and the Skiff role
 * `system:skiff:certificatesigningrequests:kubeproxyclient` (create of the
 * virtual certificatesigningrequests/kubeproxyclient, checked by the CSR
 * approver before it approves a system:kube-proxy client cert; k3s gives
 * every agent that identity) bound to the token group, and likewise
 * `…:skiffdnsclient` for the cluster DNS server's system:skiff-dns. Pure.
 */
import type { ClusterRole, ClusterRoleBinding } from 'kubernetes-types/rbac/v1';
import { binding, group, role, rule, urls } from './policy-helpers.ts';

const certificates = 'certificates.k8s.io';
/** Skiff's join-token group (deploy/join/bootstrap-secret.ts NODE_TOKEN_GROUP). */
export const nodeTokenGroup = 'system:bootstrappers:skiff:default-node-token';
/** kube's nodeclient role: create of the virtual certificatesigningrequests/nodeclient, checked by the CSR approver. */
export const nodeClientRole = 'system:certificates.k8s.io:certificatesigningrequests:nodeclient';
/** kube's selfnodeclient role (certificate renewal by the node itself). */
export const selfNodeClientRole = 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient';
/** Skiff's kube-proxy client role (see the file doc). */
export const kubeProxyClientRole = 'system:skiff:certificatesigningrequests:kubeproxyclient';
/** Skiff's cluster DNS client role: lets a joining agent get the system:skiff-dns cert approved. */
export const dnsClientRole = 'system:skiff:certificatesigningrequests:skiffdnsclient';

/** The join ClusterRoles. */
export function joinClusterRoles(): ClusterRole[] {
  const approver = (name: string, signer: string): ClusterRole => role(name, [rule(['approve'], [certificates], ['signers'], [signer])]);
  return [
    role('system:node-bootstrapper', [rule(['create', 'get', 'list', 'watch'], [certificates], ['certificatesigningrequests'])]),
    role(nodeClientRole, [rule(['create'], [certificates], ['certificatesigningrequests/nodeclient'])]),
    role(selfNodeClientRole, [rule(['create'], [certificates], ['certificatesigningrequests/selfnodeclient'])]),
    approver('system:certificates.k8s.io:kube-apiserver-client-approver', 'kubernetes.io/kube-apiserver-client'),
    approver('system:certificates.k8s.io:kube-apiserver-client-kubelet-approver', 'kubernetes.io/kube-apiserver-client-kubelet'),
    approver('system:certificates.k8s.io:kubelet-serving-approver', 'kubernetes.io/kubelet-serving'),
    role(kubeProxyClientRole, [rule(['create'], [certificates], ['certificatesigningrequests/kubeproxyclient'])]),
    role(dnsClientRole, [rule(['create'], [certificates], ['certificatesigningrequests/skiffdnsclient'])]),
    role('system:skiff:cacerts', [urls(['get'], ['/cacerts'])]),
  ];
}

/** The join ClusterRoleBindings. */
export function joinClusterRoleBindings(): ClusterRoleBinding[] {
  return [
    binding('system:node-bootstrapper', [group(nodeTokenGroup)], 'skiff:kubelet-bootstrap'),
    binding(nodeClientRole, [group(nodeTokenGroup)], 'skiff:node-autoapprove-bootstrap'),
    binding(selfNodeClientRole, [group('system:nodes')], 'skiff:node-autoapprove-certificate-rotation'),
    binding(kubeProxyClientRole, [group(nodeTokenGroup)], 'skiff:kube-proxy-autoapprove-bootstrap'),
    binding(dnsClientRole, [group(nodeTokenGroup)], 'skiff:dns-autoapprove-bootstrap'),
    binding('system:skiff:cacerts', [group('system:authenticated'), group('system:unauthenticated')]),
  ];
}
