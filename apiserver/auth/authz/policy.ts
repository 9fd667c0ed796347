/**
 * The default ClusterRoles and ClusterRoleBindings, after Kubernetes'
 * bootstrap policy (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go),
 * kept to the resources Skiff serves plus the standard ones kubectl expects.
 * Each object carries `kubernetes.io/bootstrapping: rbac-defaults` and the
 * autoupdate annotation. admin/edit/view are aggregated from the
 * system:aggregate-to-* roles through the aggregate-to-* labels. The
 * `system:controller:*` roles, their ServiceAccount bindings and Skiff's
 * aggregated `system:skiff:controller-manager` (the single controller-manager
 * identity's grant, a documented deviation) are in policy-controllers.ts.
 */
import type { ClusterRole, ClusterRoleBinding } from 'kubernetes-types/rbac/v1';
import { binding, core, eventsRule as kubeEventsRule, group, rbacGroup, read, readWrite, role, rule, urls, user, write } from './policy-helpers.ts';
import { controllerManagerRole, controllerRoleBindings, controllerRoles } from './policy-controllers.ts';
import { joinClusterRoleBindings, joinClusterRoles } from './policy-join.ts';
import { ingressClusterRoleBindings, ingressClusterRoles } from './policy-ingress.ts';

const eventsRule = kubeEventsRule();

const aggregateTo = (to: string): Record<string, string> => ({ [`rbac.authorization.k8s.io/aggregate-to-${to}`]: 'true' });

/** The default ClusterRoles (aggregated ones start with no rules: the aggregation loop fills them). */
export function defaultClusterRoles(): ClusterRole[] {
  return [
    role('cluster-admin', [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])]),
    role('system:discovery', [urls(['get'], ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'])]),
    role('system:public-info-viewer', [urls(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/'])]),
    // The apiserver's /metrics (and its health checks) for scrapers, as kube's system:monitoring.
    role('system:monitoring', [urls(['get'], ['/metrics', '/metrics/slis', '/livez', '/readyz', '/healthz', '/livez/*', '/readyz/*', '/healthz/*'])]),
    role('system:basic-user', [
      rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
      rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews']),
    ]),
    role('admin', [], {}, 'aggregate-to-admin'),
    role('edit', [], aggregateTo('admin'), 'aggregate-to-edit'),
    role('view', [], aggregateTo('edit'), 'aggregate-to-view'),
    role('system:aggregate-to-admin', [
      rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']),
      rule(readWrite, [rbacGroup], ['rolebindings', 'roles']),
    ], aggregateTo('admin')),
    role('system:aggregate-to-edit', [
      rule(write, [core], ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy']),
      rule(['create'], [core], ['pods/eviction']),
      rule(write, [core], ['configmaps', 'events', 'persistentvolumeclaims', 'replicationcontrollers', 'replicationcontrollers/scale', 'secrets', 'serviceaccounts', 'services', 'services/proxy']),
      rule(['create'], [core], ['serviceaccounts/token']),
      rule(write, ['apps'], ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'replicasets', 'replicasets/scale', 'statefulsets', 'statefulsets/scale']),
      rule(write, ['autoscaling'], ['horizontalpodautoscalers']),
      rule(write, ['batch'], ['cronjobs', 'jobs']),
      rule(write, ['policy'], ['poddisruptionbudgets']),
      rule(write, ['networking.k8s.io'], ['ingresses', 'networkpolicies']),
      rule(write, ['coordination.k8s.io'], ['leases']),
      rule(read, [core], ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy']),
      rule(['impersonate'], [core], ['serviceaccounts']),
    ], aggregateTo('edit')),
    role('system:aggregate-to-view', [
      rule(read, [core], ['configmaps', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status']),
      rule(read, [core], ['bindings', 'events', 'limitranges', 'namespaces/status', 'pods/log', 'pods/status', 'replicationcontrollers/status', 'resourcequotas', 'resourcequotas/status']),
      rule(read, [core], ['namespaces']),
      rule(read, ['discovery.k8s.io'], ['endpointslices']),
      rule(read, ['apps'], ['controllerrevisions', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'statefulsets', 'statefulsets/scale', 'statefulsets/status']),
      rule(read, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
      rule(read, ['batch'], ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status']),
      rule(read, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
      rule(read, ['networking.k8s.io'], ['ingresses', 'ingresses/status', 'networkpolicies']),
      rule(read, ['coordination.k8s.io'], ['leases']),
    ], aggregateTo('view')),
    // metrics-server's reader role (k3s bundles it): aggregated into view, edit and admin, so anyone who may view pods may `kubectl top` them.
    role('system:aggregated-metrics-reader', [rule(read, ['metrics.k8s.io'], ['pods', 'nodes'])], { ...aggregateTo('view'), ...aggregateTo('edit'), ...aggregateTo('admin') }),
    role('system:kube-scheduler', [
      eventsRule,
      rule(['create'], ['coordination.k8s.io'], ['leases']),
      rule(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-scheduler']),
      rule(['create'], [core], ['endpoints']),
      rule(['get', 'update'], [core], ['endpoints'], ['kube-scheduler']),
      rule(read, [core], ['nodes']),
      rule(['delete', 'get', 'list', 'watch'], [core], ['pods']),
      rule(['create'], [core], ['bindings', 'pods/binding']),
      rule(['patch', 'update'], [core], ['pods/status']),
      rule(read, [core], ['replicationcontrollers', 'services']),
      rule(read, ['apps', 'extensions'], ['replicasets']),
      rule(read, ['apps'], ['statefulsets']),
      rule(read, ['policy'], ['poddisruptionbudgets']),
      rule(read, [core], ['persistentvolumeclaims', 'persistentvolumes']),
      rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
      rule(read, [core], ['namespaces']),
    ]),
    role('system:kube-controller-manager', [
      eventsRule,
      rule(['create'], ['coordination.k8s.io'], ['leases']),
      rule(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-controller-manager']),
      rule(['create'], [core], ['secrets', 'serviceaccounts']),
      rule(['delete'], [core], ['secrets']),
      rule(['get'], [core], ['configmaps', 'namespaces', 'secrets', 'serviceaccounts']),
      rule(['update'], [core], ['secrets', 'serviceaccounts']),
      rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
      rule(['list', 'watch'], ['*'], ['*']),
      rule(['create'], [core], ['serviceaccounts/token']),
    ]),
    role('system:node-proxier', [
      rule(['list', 'watch'], [core], ['endpoints', 'services']),
      rule(read, [core], ['nodes']),
      eventsRule,
      rule(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
      // Skiff: the proxy also enforces NetworkPolicy (proxy/netpol), which reads pods, namespaces and policies.
      rule(['list', 'watch'], [core], ['namespaces', 'pods']),
      rule(['list', 'watch'], ['networking.k8s.io'], ['networkpolicies']),
    ]),
    // Skiff's cluster DNS server (proxy/dns): reads Services and EndpointSlices, nothing else.
    role('system:skiff:dns', [
      rule(['list', 'watch'], [core], ['services']),
      rule(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
    ]),
    role('system:node', [
      rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews', 'subjectaccessreviews']),
      rule(read, [core], ['services']),
      rule(['create', 'get', 'list', 'watch'], [core], ['nodes']),
      rule(['patch', 'update'], [core], ['nodes/status']),
      rule(['patch', 'update'], [core], ['nodes']),
      rule(['create', 'patch', 'update'], [core], ['events']),
      rule(read, [core], ['pods']),
      rule(['create', 'delete'], [core], ['pods']),
      rule(['patch', 'update'], [core], ['pods/status']),
      rule(['create'], [core], ['pods/eviction']),
      rule(read, [core], ['configmaps', 'secrets']),
      rule(['get'], [core], ['persistentvolumeclaims', 'persistentvolumes']),
      rule(['get'], [core], ['endpoints']),
      rule(['create', 'delete', 'get', 'patch', 'update'], ['coordination.k8s.io'], ['leases']),
      rule(['create'], [core], ['serviceaccounts/token']),
      // Kubelet certificate rotation and its serving cert (kube's NodeRules).
      rule(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests']),
    ]),
    ...controllerRoles(),
    controllerManagerRole(),
    ...joinClusterRoles(),
    ...ingressClusterRoles(),
  ];
}

/**
 * The default ClusterRoleBindings. system:node has no subjects, as in
 * Kubernetes since 1.8: kubelets are authorized by the Node authorizer.
 */
export function defaultClusterRoleBindings(): ClusterRoleBinding[] {
  return [
    binding('cluster-admin', [group('system:masters')]),
    binding('system:discovery', [group('system:authenticated')]),
    binding('system:basic-user', [group('system:authenticated')]),
    binding('system:public-info-viewer', [group('system:authenticated'), group('system:unauthenticated')]),
    binding('system:monitoring', [group('system:monitoring')]),
    binding('system:kube-scheduler', [user('system:kube-scheduler')]),
    binding('system:kube-controller-manager', [user('system:kube-controller-manager')]),
    binding('system:node-proxier', [user('system:kube-proxy')]),
    binding('system:skiff:dns', [user('system:skiff-dns')]),
    binding('system:node', []),
    ...controllerRoleBindings(),
    ...joinClusterRoleBindings(),
    ...ingressClusterRoleBindings(),
  ];
}
