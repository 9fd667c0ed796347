/**
 * The RBAC grant of Skiff's built-in Ingress controller (proxy/ingress/),
 * which runs in every node's `skiff proxy` process and so as that
 * process's identity, system:kube-proxy. Kept out of kube's
 * system:node-proxier so that role stays what kube defines:
 * `system:skiff:ingress-controller` may read (get, list, watch) ingresses,
 * ingressclasses, services, endpointslices and secrets, and update
 * ingresses/status; nothing more.
 *
 * Secret access: Kubernetes RBAC cannot narrow secrets by type, so this is
 * read access to every Secret in every namespace (as ingress-nginx's and
 * Traefik's ClusterRoles grant). The controller only caches
 * `type=kubernetes.io/tls` Secrets (field selector) and only serves the
 * ones its Ingresses name. Run `skiff proxy --disable-ingress` and delete
 * the binding to withdraw it. Pure.
 */
import type { ClusterRole, ClusterRoleBinding } from 'kubernetes-types/rbac/v1';
import { binding, core, read, role, rule, user } from './policy-helpers.ts';

/** The ClusterRole's name. */
export const ingressControllerRole = 'system:skiff:ingress-controller';

/** The Ingress controller's ClusterRole (see the file doc). */
export function ingressClusterRoles(): ClusterRole[] {
  return [
    role(ingressControllerRole, [
      rule(read, ['networking.k8s.io'], ['ingresses', 'ingressclasses']),
      rule(['update'], ['networking.k8s.io'], ['ingresses/status']),
      rule(read, [core], ['services', 'secrets']),
      rule(read, ['discovery.k8s.io'], ['endpointslices']),
    ]),
  ];
}

/** Its binding to the proxy's identity. */
export function ingressClusterRoleBindings(): ClusterRoleBinding[] {
  return [binding(ingressControllerRole, [user('system:kube-proxy')])];
}
