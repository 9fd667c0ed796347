/**
 * The RBAC grants of Skiff's built-in Ingress controller (proxy/ingress/),
 * which runs in every node's `skiff proxy` process and so as that
 * process's identity, system:kube-proxy. Kept out of kube's
 * system:node-proxier so that role stays what kube defines:
 * `system:skiff:ingress-controller` may read (get, list, watch) ingresses,
 * ingressclasses, services and endpointslices, and update
 * ingresses/status; nothing more.
 *
 * Secret access is NOT in it: every node holds this identity, and a
 * cluster-wide Secret read would undo the Node authorizer. Instead the
 * ingress-tls controller (controllers/ingresstls/, role
 * `system:controller:ingress-tls-controller` below) keeps a Role
 * `skiff:ingress-tls` in each namespace granting get/list/watch on exactly
 * the Secrets named by that namespace's Ingresses (`resourceNames`), bound
 * to system:kube-proxy. Pure.
 */
import type { ClusterRole, ClusterRoleBinding } from 'kubernetes-types/rbac/v1';
import { binding, eventsRule, rbacGroup, read, role, rule, user, core } from './policy-helpers.ts';

/** The ClusterRole's name. */
export const ingressControllerRole = 'system:skiff:ingress-controller';
/** The per-namespace Role and RoleBinding the ingress-tls controller owns (controllers/ingresstls/decide.ts). */
export const ingressTLSRoleName = 'skiff:ingress-tls';

/** The Ingress controller's ClusterRole (see the file doc). */
export function ingressClusterRoles(): ClusterRole[] {
  return [
    role(ingressControllerRole, [
      rule(read, ['networking.k8s.io'], ['ingresses', 'ingressclasses']),
      rule(['update'], ['networking.k8s.io'], ['ingresses/status']),
      rule(read, [core], ['services']),
      rule(read, ['discovery.k8s.io'], ['endpointslices']),
    ]),
  ];
}

/** Its binding to the proxy's identity. */
export function ingressClusterRoleBindings(): ClusterRoleBinding[] {
  return [binding(ingressControllerRole, [user('system:kube-proxy')])];
}

/**
 * The rules of `system:controller:ingress-tls-controller` (a Skiff
 * controller role, aggregated into the controller-manager's like kube's;
 * see policy-controllers.ts): read Ingresses and IngressClasses, create
 * Roles and RoleBindings, and update/patch/delete only those named
 * `skiff:ingress-tls`. `create` cannot be narrowed by name (a create has
 * no name in its attributes, as in kube). Escalation prevention
 * (escalation.ts) still requires the writer to hold the Secret read it
 * grants: the single controller-manager identity does (its
 * `system:kube-controller-manager` secrets get and list/watch on `*`),
 * so no `bind`/`escalate` verb is needed.
 */
export function ingressTLSControllerRules(): ClusterRole['rules'] {
  return [
    rule(read, ['networking.k8s.io'], ['ingresses', 'ingressclasses']),
    rule(read, [rbacGroup], ['roles', 'rolebindings']),
    rule(['create'], [rbacGroup], ['roles', 'rolebindings']),
    rule(['update', 'patch', 'delete'], [rbacGroup], ['roles', 'rolebindings'], [ingressTLSRoleName]),
    eventsRule(),
  ];
}
