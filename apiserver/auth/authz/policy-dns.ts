/**
 * The namespaced grant of Skiff's cluster DNS server (proxy/dns/): read of
 * exactly one ConfigMap, `kube-system/kube-dns` (its stubDomains and
 * upstreamNameservers; proxy/dns/config.ts). A Role in kube-system with
 * `resourceNames`, as Kubernetes' bootstrap policy scopes its namespaced
 * grants (bootstrappolicy/namespace_policy.go, e.g. the
 * extension-apiserver-authentication-reader Role on one ConfigMap in
 * kube-system). list/watch are allowed by that name only when the request
 * names the object with a `metadata.name=kube-dns` field selector
 * (request-info.ts, as kube's RequestInfoFactory), which is how the DNS
 * informer asks. Bound to system:skiff-dns (the server's own identity,
 * `--dns-kubeconfig`) and to system:kube-proxy (a proxy run without
 * `--dns-kubeconfig` shares its identity with the DNS server). No other
 * ConfigMap, no other namespace, no writes. Pure.
 */
import type { Role, RoleBinding } from 'kubernetes-types/rbac/v1';
import { rbacGroup, read, rule, user, core } from './policy-helpers.ts';

/** Where the ConfigMap and the grant live. */
export const dnsConfigNamespace = 'kube-system';
/** The ConfigMap read (kube-dns's; Kubernetes docs "Customizing DNS Service"). */
export const dnsConfigMapName = 'kube-dns';
/** The Role and RoleBinding's name. */
export const dnsConfigRole = 'system:skiff:dns-config';

const meta = (name: string): Role['metadata'] => ({
  name, namespace: dnsConfigNamespace,
  labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' }, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
});

/** The default namespaced Roles (kube-system). */
export function defaultRoles(): Role[] {
  return [{ apiVersion: `${rbacGroup}/v1`, kind: 'Role', metadata: meta(dnsConfigRole), rules: [rule(read, [core], ['configmaps'], [dnsConfigMapName])] }];
}

/** Their RoleBindings. */
export function defaultRoleBindings(): RoleBinding[] {
  return [{
    apiVersion: `${rbacGroup}/v1`, kind: 'RoleBinding', metadata: meta(dnsConfigRole),
    roleRef: { apiGroup: rbacGroup, kind: 'Role', name: dnsConfigRole },
    subjects: [user('system:skiff-dns'), user('system:kube-proxy')],
  }];
}
