/**
 * The controller roles of the default RBAC policy, after Kubernetes'
 * plugin/pkg/auth/authorizer/rbac/bootstrappolicy/controller_policy.go
 * (buildControllerRoles, addControllerRole), for the controllers Skiff runs:
 * each `system:controller:<name>` ClusterRole with kube's rules, and a
 * ClusterRoleBinding of the same name to the ServiceAccount
 * `kube-system/<name>`, exactly as kube creates them.
 *
 * Deviation from Kubernetes: kube-controller-manager with
 * `--use-service-account-credentials` runs each controller with its own
 * ServiceAccount's token, so each is held to its own role. Skiff's
 * controller-manager (controllers/main.ts) runs every controller with ONE
 * client, authenticated as `system:kube-controller-manager` (no groups).
 * That identity is therefore granted every controller role at once through
 * one aggregated ClusterRole, `system:skiff:controller-manager`, whose
 * aggregationRule selects the label `rbac.skiff.dev/aggregate-to-controller-manager`
 * carried by each controller role, bound to User system:kube-controller-manager.
 * The per-controller roles and SA bindings are kept so a future
 * per-controller-credential mode (and `kubectl auth can-i --as
 * system:serviceaccount:kube-system:<name>`) behaves as in kube. The
 * informers of all controllers share the controller-manager's own client in
 * kube too, so their list/watch calls fall under system:kube-controller-manager
 * (its `list, watch` on `*`), not under the controller roles.
 *
 * Because the union of the roles includes generic-garbage-collector's
 * get/list/watch/patch/update/delete on every resource, the single identity
 * may patch/update/delete anything; only `create` (and subresources such as
 * pods/binding) stays narrowed to what some controller needs.
 */
import type { ClusterRole, ClusterRoleBinding } from 'kubernetes-types/rbac/v1';
import { aggregatedRules } from './aggregation.ts';
import { binding, core, eventsRule, role, rule, serviceAccount, user } from './policy-helpers.ts';
import { ingressTLSControllerRules } from './policy-ingress.ts';

/** Prefix of every controller role (kube's saRolePrefix). */
export const controllerRolePrefix = 'system:controller:';
/** The label each controller role carries and the controller-manager's aggregated role selects. */
export const controllerManagerAggregationLabel = 'rbac.skiff.dev/aggregate-to-controller-manager';
/** The aggregated ClusterRole (and its binding) of Skiff's single controller-manager identity. */
export const controllerManagerRoleName = 'system:skiff:controller-manager';
/** The controller-manager's user (deploy/pki clusterLeafSpecs). */
export const controllerManagerUser = 'system:kube-controller-manager';

const apps = 'apps';
const batch = 'batch';
const extensions = 'extensions';
const discovery = 'discovery.k8s.io';
const certificates = 'certificates.k8s.io';

/**
 * The kube controller role names each Skiff controller (controllers/main.ts
 * CONTROLLERS, by name) acts as. Skiff's endpointslice controller also
 * writes the Endpoints object kube's endpoint-controller owns; node IPAM is
 * kube's node-controller (kube starts it with the node-controller client), and
 * so are node lifecycle and taint eviction (kube's node-controller role
 * already grants their nodes, nodes/status, pods delete and pods/status calls).
 */
export const controllerRolesOf: Readonly<Record<string, readonly string[]>> = {
  deployment: ['deployment-controller'],
  replicaset: ['replicaset-controller'],
  job: ['job-controller'],
  'ttl-after-finished': ['ttl-after-finished-controller'],
  garbagecollector: ['generic-garbage-collector'],
  endpointslice: ['endpointslice-controller', 'endpoint-controller'],
  nodeipam: ['node-controller'],
  serviceaccount: ['service-account-controller'],
  'root-ca-cert-publisher': ['root-ca-cert-publisher'],
  disruption: ['disruption-controller'],
  nodelifecycle: ['node-controller'],
  'taint-eviction-controller': ['node-controller'],
  // kube runs the tokens controller with the controller-manager's own credentials (no
  // system:controller role): system:kube-controller-manager grants its secrets calls.
  'serviceaccount-token': [],
  csrapproving: ['certificate-controller'],
  csrsigning: ['certificate-controller'],
  // The ServiceLB controller does kube's service-controller's job (LoadBalancer status).
  servicelb: ['service-controller'],
  // Skiff's kube-dns controller writes one EndpointSlice (the node DNS servers), as the endpointslice controller does.
  'kube-dns': ['endpointslice-controller'],
  // Skiff's own: per-namespace Roles giving the built-in Ingress controller its TLS Secrets (policy-ingress.ts).
  'ingress-tls': ['ingress-tls-controller'],
};

function controllerRole(name: string, rules: ClusterRole['rules']): ClusterRole {
  return role(`${controllerRolePrefix}${name}`, rules ?? [], { [controllerManagerAggregationLabel]: 'true' });
}

/** The `system:controller:<name>` ClusterRoles, with kube's rules (controller_policy.go), in kube's order. */
export function controllerRoles(): ClusterRole[] {
  return [
    controllerRole('deployment-controller', [
      rule(['get', 'list', 'watch', 'update'], [extensions, apps], ['deployments']),
      rule(['update'], [extensions, apps], ['deployments/status']),
      rule(['update'], [extensions, apps], ['deployments/finalizers']),
      rule(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'], [apps, extensions], ['replicasets']),
      rule(['get', 'list', 'watch', 'update'], [core], ['pods']),
      eventsRule(),
    ]),
    controllerRole('disruption-controller', [
      rule(['get', 'list', 'watch'], [extensions, apps], ['deployments']),
      rule(['get', 'list', 'watch'], [apps, extensions], ['replicasets']),
      rule(['get', 'list', 'watch'], [core], ['replicationcontrollers']),
      rule(['get', 'list', 'watch'], ['policy'], ['poddisruptionbudgets']),
      rule(['get', 'list', 'watch'], [apps], ['statefulsets']),
      rule(['update'], ['policy'], ['poddisruptionbudgets/status']),
      rule(['get'], ['*'], ['*/scale']),
      rule(['patch', 'update'], [core], ['pods/status']),
      eventsRule(),
    ]),
    controllerRole('endpoint-controller', [
      rule(['get', 'list', 'watch'], [core], ['services', 'pods']),
      rule(['get', 'list', 'watch', 'create', 'update', 'delete'], [core], ['endpoints']),
      rule(['create'], [core], ['endpoints/restricted']),
      eventsRule(),
    ]),
    controllerRole('endpointslice-controller', [
      rule(['get', 'list', 'watch'], [core], ['services', 'pods', 'nodes']),
      rule(['update'], [core], ['services/finalizers']),
      rule(['get', 'list', 'watch', 'create', 'update', 'delete'], [discovery], ['endpointslices']),
      eventsRule(),
    ]),
    controllerRole('generic-garbage-collector', [
      rule(['get', 'list', 'watch', 'patch', 'update', 'delete'], ['*'], ['*']),
      eventsRule(),
    ]),
    controllerRole('job-controller', [
      rule(['get', 'list', 'watch', 'update', 'patch'], [batch], ['jobs']),
      rule(['update'], [batch], ['jobs/status']),
      rule(['update'], [batch], ['jobs/finalizers']),
      rule(['list', 'watch', 'create', 'delete', 'patch'], [core], ['pods']),
      eventsRule(),
    ]),
    controllerRole('node-controller', [
      rule(['get', 'list', 'watch', 'update', 'delete', 'patch'], [core], ['nodes']),
      rule(['patch', 'update'], [core], ['nodes/status']),
      rule(['patch', 'update'], [core], ['pods/status']),
      rule(['list', 'watch', 'get', 'delete'], [core], ['pods']),
      eventsRule(),
    ]),
    controllerRole('replicaset-controller', [
      rule(['get', 'list', 'watch', 'update'], [apps, extensions], ['replicasets']),
      rule(['update'], [apps, extensions], ['replicasets/status']),
      rule(['update'], [apps, extensions], ['replicasets/finalizers']),
      rule(['list', 'watch', 'patch', 'create', 'delete'], [core], ['pods']),
      eventsRule(),
    ]),
    controllerRole('service-account-controller', [
      rule(['create'], [core], ['serviceaccounts']),
      eventsRule(),
    ]),
    controllerRole('service-controller', [
      rule(['get', 'list', 'watch'], [core], ['services']),
      rule(['patch', 'update'], [core], ['services']),
      rule(['patch', 'update'], [core], ['services/status']),
      rule(['list', 'watch'], [core], ['nodes']),
      eventsRule(),
    ]),
    controllerRole('ttl-after-finished-controller', [
      rule(['get', 'list', 'watch', 'delete'], [batch], ['jobs']),
      eventsRule(),
    ]),
    controllerRole('root-ca-cert-publisher', [
      rule(['create', 'update'], [core], ['configmaps']),
      eventsRule(),
    ]),
    controllerRole('certificate-controller', [
      rule(['get', 'list', 'watch', 'delete'], [certificates], ['certificatesigningrequests']),
      rule(['update'], [certificates], ['certificatesigningrequests/status', 'certificatesigningrequests/approval']),
      // kube approves only kubelet client CSRs; Skiff also approves kubelet serving and kube-proxy client CSRs (as k3s issues them): see controllers/certificates.
      rule(['approve'], [certificates], ['signers'], ['kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kubelet-serving', 'kubernetes.io/kube-apiserver-client']),
      rule(['sign'], [certificates], ['signers'], ['kubernetes.io/legacy-unknown', 'kubernetes.io/kube-apiserver-client', 'kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kubelet-serving']),
      rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
      eventsRule(),
    ]),
    controllerRole('ingress-tls-controller', ingressTLSControllerRules()),
  ];
}

/**
 * The aggregated role of the single controller-manager identity. Its rules
 * are filled in here already (what the aggregation loop computes from
 * `controllerRoles()`), so the controller-manager is authorized from the
 * first request after bootstrap rather than after the loop's first pass;
 * the loop keeps it current when roles change or more roles get the label.
 */
export function controllerManagerRole(): ClusterRole {
  const r = role(controllerManagerRoleName, [], {}, controllerManagerAggregationLabel);
  r.rules = aggregatedRules(r, controllerRoles()) ?? [];
  return r;
}

/**
 * The ClusterRoleBindings: `system:controller:<name>` to ServiceAccount
 * kube-system/<name> for each controller role (addControllerRole), and
 * system:skiff:controller-manager to User system:kube-controller-manager.
 */
export function controllerRoleBindings(): ClusterRoleBinding[] {
  const out = controllerRoles().map((r) => {
    const name = r.metadata?.name ?? '';
    return binding(name, [serviceAccount('kube-system', name.slice(controllerRolePrefix.length))]);
  });
  out.push(binding(controllerManagerRoleName, [user(controllerManagerUser)]));
  return out;
}
