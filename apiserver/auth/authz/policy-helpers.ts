/**
 * Builders for the default RBAC policy (policy.ts, policy-controllers.ts),
 * after Kubernetes' rbacv1helpers (pkg/apis/rbac/v1/helpers.go) and
 * bootstrappolicy's addClusterRoleLabel / addDefaultMetadata: every default
 * object carries the `kubernetes.io/bootstrapping: rbac-defaults` label and
 * the `rbac.authorization.kubernetes.io/autoupdate: "true"` annotation. Pure.
 */
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Subject } from 'kubernetes-types/rbac/v1';

export const read = ['get', 'list', 'watch'];
export const write = ['create', 'delete', 'deletecollection', 'patch', 'update'];
export const readWrite = [...read, ...write];
/** The core ("legacy") API group. */
export const core = '';
export const rbacGroup = 'rbac.authorization.k8s.io';

/** A resource rule; `resourceNames` only when given. */
export function rule(verbs: string[], groups: string[], resources: string[], resourceNames?: string[]): PolicyRule {
  const r: PolicyRule = { apiGroups: groups, resources, verbs };
  if (resourceNames) r.resourceNames = resourceNames;
  return r;
}

/** A non-resource URL rule. */
export function urls(verbs: string[], nonResourceURLs: string[]): PolicyRule {
  return { nonResourceURLs, verbs };
}

/** Kubernetes' eventsRule(): create/update/patch of Events in core and events.k8s.io. */
export const eventsRule = (): PolicyRule => rule(['create', 'patch', 'update'], [core, 'events.k8s.io'], ['events']);

/** The default labels, plus `labels`. */
function defaultMeta(name: string, labels: Record<string, string>): ClusterRole['metadata'] {
  return { name, labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults', ...labels }, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' } };
}

/**
 * A default ClusterRole. `aggregateFrom` names a label selected by the
 * role's aggregationRule: a bare word `w` means `rbac.authorization.k8s.io/w`
 * (kube's aggregate-to-* labels), a key with a `/` is used as it is.
 */
export function role(name: string, rules: PolicyRule[], labels: Record<string, string> = {}, aggregateFrom?: string): ClusterRole {
  const r: ClusterRole = { apiVersion: `${rbacGroup}/v1`, kind: 'ClusterRole', metadata: defaultMeta(name, labels), rules };
  if (aggregateFrom) {
    const key = aggregateFrom.includes('/') ? aggregateFrom : `rbac.authorization.k8s.io/${aggregateFrom}`;
    r.aggregationRule = { clusterRoleSelectors: [{ matchLabels: { [key]: 'true' } }] };
  }
  return r;
}

export const group = (name: string): Subject => ({ apiGroup: rbacGroup, kind: 'Group', name });
export const user = (name: string): Subject => ({ apiGroup: rbacGroup, kind: 'User', name });
/** A ServiceAccount subject (no apiGroup, as rbacv1helpers.SAs writes it). */
export const serviceAccount = (namespace: string, name: string): Subject => ({ kind: 'ServiceAccount', namespace, name });

/** A default ClusterRoleBinding named `name` (default: the role's name) of ClusterRole `roleName` to `subjects` (none: no subjects field). */
export function binding(roleName: string, subjects: Subject[], name: string = roleName): ClusterRoleBinding {
  const b: ClusterRoleBinding = {
    apiVersion: `${rbacGroup}/v1`, kind: 'ClusterRoleBinding',
    metadata: { name, labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' }, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' } },
    roleRef: { apiGroup: rbacGroup, kind: 'ClusterRole', name: roleName },
  };
  if (subjects.length > 0) b.subjects = subjects;
  return b;
}
