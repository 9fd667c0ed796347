/**
 * rbac.authorization.k8s.io/v1 Role, ClusterRole, RoleBinding and
 * ClusterRoleBinding: validation as Kubernetes' pkg/apis/rbac/validation
 * (ValidateRole, ValidateClusterRole, ValidateRoleBinding,
 * ValidateClusterRoleBinding and their Update forms: roleRef is immutable)
 * and kubectl's tables (pkg/printers/internalversion: NAME, CREATED AT for
 * roles; NAME, ROLE, AGE, wide USERS, GROUPS, SERVICEACCOUNTS for bindings).
 */
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, Subject } from 'kubernetes-types/rbac/v1';
import type { FieldCause } from '../../api/errors.ts';
import type { KubeObject } from '../../api/object.ts';
import { dns1123SubdomainErrors, invalidValue, required, unsupported } from '../../api/validation.ts';
import type { ResourceDef, TableConvertor } from '../types.ts';
import { ageCell, ageColumn, column, standardVerbs, validateMeta } from './common.ts';

/** The API group of RBAC (rbac.GroupName). */
export const rbacGroup = 'rbac.authorization.k8s.io';

/** Kubernetes' ValidatePathSegmentName: RBAC names may hold ':' but not '/' or '%', and are not '.' or '..'. */
export function pathSegmentNameErrors(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  const out: string[] = [];
  for (const bad of ['/', '%']) if (name.includes(bad)) out.push(`may not contain '${bad}'`);
  return out;
}

/**
 * One PolicyRule (Kubernetes ValidatePolicyRule): verbs required; a rule
 * with nonResourceURLs names no resources and is not allowed in a Role;
 * otherwise apiGroups and resources are required.
 */
export function validatePolicyRule(rule: PolicyRule, namespaced: boolean, path: string): FieldCause[] {
  const out: FieldCause[] = [];
  const len = (v: unknown[] | undefined): number => v?.length ?? 0;
  if (len(rule.verbs) === 0) out.push(required(`${path}.verbs`, 'verbs must contain at least one value'));
  if (len(rule.nonResourceURLs) > 0) {
    if (namespaced) out.push(invalidValue(`${path}.nonResourceURLs`, rule.nonResourceURLs, 'namespaced rules cannot apply to non-resource URLs'));
    if (len(rule.apiGroups) > 0 || len(rule.resources) > 0 || len(rule.resourceNames) > 0) {
      out.push(invalidValue(`${path}.nonResourceURLs`, rule.nonResourceURLs, 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return out;
  }
  if (len(rule.apiGroups) === 0) out.push(required(`${path}.apiGroups`, 'resource rules must supply at least one api group'));
  if (len(rule.resources) === 0) out.push(required(`${path}.resources`, 'resource rules must supply at least one resource'));
  return out;
}

/** ValidateRole / ValidateClusterRole: path-segment name, each rule, and a non-empty aggregationRule. */
export function validateRole(role: Role | ClusterRole, namespaced: boolean): FieldCause[] {
  const out = validateMeta(role.metadata, pathSegmentNameErrors);
  (role.rules ?? []).forEach((r, i) => out.push(...validatePolicyRule(r, namespaced, `rules[${i}]`)));
  const agg = (role as ClusterRole).aggregationRule;
  if (agg && (agg.clusterRoleSelectors ?? []).length === 0) {
    out.push(required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
  }
  return out;
}

/** One subject (Kubernetes ValidateRoleBindingSubject). */
export function validateSubject(s: Subject, path: string): FieldCause[] {
  const out: FieldCause[] = [];
  if (!s.name) out.push(required(`${path}.name`, ''));
  switch (s.kind) {
    case 'ServiceAccount':
      if (s.name) for (const d of dns1123SubdomainErrors(s.name)) out.push(invalidValue(`${path}.name`, s.name, d));
      if (s.apiGroup) out.push(unsupported(`${path}.apiGroup`, s.apiGroup, ['']));
      if (!s.namespace) out.push(required(`${path}.namespace`, ''));
      break;
    case 'User':
    case 'Group':
      if (s.apiGroup !== rbacGroup) out.push(unsupported(`${path}.apiGroup`, s.apiGroup ?? '', [rbacGroup]));
      break;
    default:
      out.push(unsupported(`${path}.kind`, s.kind, ['ServiceAccount', 'User', 'Group']));
  }
  return out;
}

/** ValidateRoleBinding / ValidateClusterRoleBinding: roleRef (apiGroup, kind, name) and every subject. */
export function validateBinding(b: RoleBinding | ClusterRoleBinding, namespaced: boolean): FieldCause[] {
  const out = validateMeta(b.metadata, pathSegmentNameErrors);
  const ref = b.roleRef ?? { apiGroup: '', kind: '', name: '' };
  if (ref.apiGroup !== rbacGroup) out.push(unsupported('roleRef.apiGroup', ref.apiGroup ?? '', [rbacGroup]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(ref.kind)) out.push(unsupported('roleRef.kind', ref.kind ?? '', kinds));
  if (!ref.name) out.push(required('roleRef.name', ''));
  else for (const d of pathSegmentNameErrors(ref.name)) out.push(invalidValue('roleRef.name', ref.name, d));
  (b.subjects ?? []).forEach((s, i) => out.push(...validateSubject(s, `subjects[${i}]`)));
  return out;
}

/** The Update form: as create, and roleRef may not change ("cannot change roleRef"). */
export function validateBindingUpdate(next: RoleBinding | ClusterRoleBinding, old: RoleBinding | ClusterRoleBinding, namespaced: boolean): FieldCause[] {
  const out = validateBinding(next, namespaced);
  if (JSON.stringify(next.roleRef) !== JSON.stringify(old.roleRef)) out.unshift(invalidValue('roleRef', next.roleRef, 'cannot change roleRef'));
  return out;
}

/** metav1.Time in RFC 3339 seconds, as kubectl's CREATED AT cell. */
function createdAt(o: KubeObject): string {
  const t = o.metadata?.creationTimestamp;
  return t ? new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z') : '';
}

/** The roles' table: NAME, CREATED AT (kubectl's roleColumnDefinitions). */
function roleTable<T extends KubeObject>(): TableConvertor<T> {
  return {
    columns: [column('Created At', 'Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON.', { type: 'date' })],
    cells: (r) => [createdAt(r)],
  };
}

/** USERS / GROUPS / SERVICEACCOUNTS cells (kubectl SubjectsStrings: "ns/name" for service accounts). */
export function subjectCells(subjects: Subject[] | undefined): [string, string, string] {
  const of = (kind: string): string => (subjects ?? []).filter((s) => s.kind === kind).map((s) => (kind === 'ServiceAccount' ? `${s.namespace ?? ''}/${s.name}` : s.name)).join(', ');
  return [of('User'), of('Group'), of('ServiceAccount')];
}

/** A binding's subjects and roleRef, the fields its table reads. */
type BindingLike = KubeObject & Pick<RoleBinding, 'roleRef' | 'subjects'>;

/** The bindings' table (kubectl's roleBindingsColumnDefinitions). */
function bindingTable<T extends BindingLike>(): TableConvertor<T> {
  return {
    columns: [
      column('Role', 'RoleRef is the reference to the role.'),
      ageColumn,
      column('Users', 'Users in the roleBinding', { priority: 1 }),
      column('Groups', 'Groups in the roleBinding', { priority: 1 }),
      column('ServiceAccounts', 'ServiceAccounts in the roleBinding', { priority: 1 }),
    ],
    cells: (b, now) => [`${b.roleRef?.kind ?? ''}/${b.roleRef?.name ?? ''}`, ageCell(b, now), ...subjectCells(b.subjects)],
  };
}

/** A definition in rbac.authorization.k8s.io/v1 with the standard verbs and path-segment names. */
function def<T extends KubeObject>(resource: string, kind: string, namespaced: boolean, d: Pick<ResourceDef<T>, 'strategy' | 'table'>): ResourceDef<T> {
  return {
    group: rbacGroup, version: 'v1', resource, kind, listKind: `${kind}List`, singular: kind.toLowerCase(),
    namespaced, shortNames: [], categories: [], verbs: standardVerbs, subresources: [], nameErrors: pathSegmentNameErrors, ...d,
  };
}

/** The roles definition (namespaced). */
export function rolesResource(): ResourceDef<Role> {
  return def<Role>('roles', 'Role', true, { strategy: { validate: (r) => validateRole(r, true), validateUpdate: (r) => validateRole(r, true) }, table: roleTable() });
}

/** The clusterroles definition. */
export function clusterRolesResource(): ResourceDef<ClusterRole> {
  return def<ClusterRole>('clusterroles', 'ClusterRole', false, { strategy: { validate: (r) => validateRole(r, false), validateUpdate: (r) => validateRole(r, false) }, table: roleTable() });
}

/** The rolebindings definition (namespaced). */
export function roleBindingsResource(): ResourceDef<RoleBinding> {
  return def<RoleBinding>('rolebindings', 'RoleBinding', true, { strategy: { validate: (b) => validateBinding(b, true), validateUpdate: (n, o) => validateBindingUpdate(n, o, true) }, table: bindingTable() });
}

/** The clusterrolebindings definition. */
export function clusterRoleBindingsResource(): ResourceDef<ClusterRoleBinding> {
  return def<ClusterRoleBinding>('clusterrolebindings', 'ClusterRoleBinding', false, { strategy: { validate: (b) => validateBinding(b, false), validateUpdate: (n, o) => validateBindingUpdate(n, o, false) }, table: bindingTable() });
}
