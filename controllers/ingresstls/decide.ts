/**
 * The rule of the ingress-tls controller: in each namespace whose Ingresses
 * of class `skiff` reference TLS Secrets (proxy/ingress/refs.ts), a Role
 * `skiff:ingress-tls` that may get, list and watch exactly those Secrets
 * (`resourceNames`), bound to `system:kube-proxy` (the identity the built-in
 * Ingress controller runs as in every node's proxy); in every other
 * namespace, neither (only objects carrying our managed-by label are
 * deleted). RBAC `resourceNames` allow a list or watch only with the field
 * selector `metadata.name=<name>` (Kubernetes RequestInfo, mirrored in
 * apiserver/auth/authz/request-info.ts), which is how the proxy reads them.
 * Pure.
 */
import type { PolicyRule, Role, RoleBinding } from 'kubernetes-types/rbac/v1';

/** Name of the Role and of the RoleBinding in each namespace. */
export const INGRESS_TLS_ROLE = 'skiff:ingress-tls';
/** The user bound: the proxy's identity (deploy/pki clusterLeafSpecs; agent proxies get the same CN). */
export const INGRESS_TLS_SUBJECT = 'system:kube-proxy';
/** Label marking the objects this controller owns. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'skiff-ingress-tls-controller';
const rbacGroup = 'rbac.authorization.k8s.io';

/** The rules of the Role for Secret `names` (sorted, non-empty). */
export function desiredRules(names: readonly string[]): PolicyRule[] {
  return [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'], resourceNames: [...names] }];
}

/** The Role of namespace `ns` for Secret `names`. */
export function desiredRole(ns: string, names: readonly string[]): Role {
  return {
    apiVersion: `${rbacGroup}/v1`, kind: 'Role',
    metadata: { name: INGRESS_TLS_ROLE, namespace: ns, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE } },
    rules: desiredRules(names),
  };
}

/** The RoleBinding of namespace `ns`: the Role to User system:kube-proxy. */
export function desiredBinding(ns: string): RoleBinding {
  return {
    apiVersion: `${rbacGroup}/v1`, kind: 'RoleBinding',
    metadata: { name: INGRESS_TLS_ROLE, namespace: ns, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE } },
    roleRef: { apiGroup: rbacGroup, kind: 'Role', name: INGRESS_TLS_ROLE },
    subjects: [{ apiGroup: rbacGroup, kind: 'User', name: INGRESS_TLS_SUBJECT }],
  };
}

/** One write the controller makes, in order. `update` carries the object with the stored resourceVersion. */
export type Action =
  | { op: 'create'; kind: 'Role'; obj: Role }
  | { op: 'create'; kind: 'RoleBinding'; obj: RoleBinding }
  | { op: 'update'; kind: 'Role'; obj: Role }
  | { op: 'update'; kind: 'RoleBinding'; obj: RoleBinding }
  | { op: 'delete'; kind: 'Role' | 'RoleBinding' };

const ours = (o: Role | RoleBinding | undefined): boolean => o?.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE;
/** Key-order-insensitive forms, so a stored object that round-tripped through the server compares equal. */
const rulesKey = (rules: readonly PolicyRule[] | undefined): string =>
  JSON.stringify((rules ?? []).map((r) => [r.apiGroups ?? [], r.resources ?? [], r.verbs, r.resourceNames ?? [], r.nonResourceURLs ?? []]));
const subjectsKey = (b: RoleBinding | undefined): string =>
  JSON.stringify((b?.subjects ?? []).map((x) => [x.kind, x.apiGroup ?? '', x.name, x.namespace ?? '']));
const roleRefKey = (b: RoleBinding): string => JSON.stringify([b.roleRef.apiGroup, b.roleRef.kind, b.roleRef.name]);

/** `current` with `want`'s label and `fields` (keeps resourceVersion and other metadata). */
function merged<T extends Role | RoleBinding>(current: T, want: T, fields: Partial<T>): T {
  return { ...current, ...fields, metadata: { ...current.metadata, labels: { ...current.metadata?.labels, ...want.metadata?.labels } } };
}

/**
 * The writes that bring namespace `ns` to its desired state, given the
 * Secret `names` its Ingresses reference (empty: none) and the stored Role
 * and RoleBinding `skiff:ingress-tls` (undefined: absent). Role before
 * binding on the way up, binding before Role on the way down. A binding
 * whose roleRef differs is deleted (roleRef is immutable) and recreated by
 * the next pass. Objects without our label are updated into ours when
 * needed, never deleted.
 */
export function decideNamespace(ns: string, names: readonly string[], role: Role | undefined, binding: RoleBinding | undefined): Action[] {
  if (names.length === 0) {
    const out: Action[] = [];
    if (binding && ours(binding)) out.push({ op: 'delete', kind: 'RoleBinding' });
    if (role && ours(role)) out.push({ op: 'delete', kind: 'Role' });
    return out;
  }
  const out: Action[] = [];
  const wantRole = desiredRole(ns, names);
  if (!role) out.push({ op: 'create', kind: 'Role', obj: wantRole });
  else if (rulesKey(role.rules) !== rulesKey(wantRole.rules) || !ours(role)) out.push({ op: 'update', kind: 'Role', obj: merged(role, wantRole, { rules: wantRole.rules }) });
  const wantBinding = desiredBinding(ns);
  if (!binding) out.push({ op: 'create', kind: 'RoleBinding', obj: wantBinding });
  else if (roleRefKey(binding) !== roleRefKey(wantBinding)) out.push({ op: 'delete', kind: 'RoleBinding' });
  else if (subjectsKey(binding) !== subjectsKey(wantBinding) || !ours(binding)) {
    out.push({ op: 'update', kind: 'RoleBinding', obj: merged(binding, wantBinding, { subjects: wantBinding.subjects }) });
  }
  return out;
}
