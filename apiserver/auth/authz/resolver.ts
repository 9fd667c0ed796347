/**
 * Gathers the RBAC rules that apply to a user in a namespace, as
 * Kubernetes' DefaultRuleResolver.VisitRulesFor
 * (pkg/registry/rbac/validation/rule.go): every ClusterRoleBinding whose
 * subjects include the user (by name, a group, or as a ServiceAccount), then,
 * for a namespaced request, the RoleBindings of that namespace; each binding
 * contributes its Role's or ClusterRole's rules. A binding to a missing role
 * is an error, reported alongside the rules found. Pure over a snapshot.
 */
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, Subject } from 'kubernetes-types/rbac/v1';
import type { UserInfo } from '../../api/user.ts';

/** What the resolver reads (an ObjectCache-backed index in the server, plain arrays in tests). */
export interface RbacSnapshot {
  clusterRoleBindings(): readonly ClusterRoleBinding[];
  roleBindings(namespace: string): readonly RoleBinding[];
  clusterRole(name: string): ClusterRole | undefined;
  role(namespace: string, name: string): Role | undefined;
}

/** The rules found and the errors met (e.g. `clusterrole.rbac.authorization.k8s.io "x" not found`). */
export interface ResolvedRules {
  rules: PolicyRule[];
  errors: string[];
}

/** Kubernetes appliesToUser: does `subject` (in a binding of `bindingNamespace`) name `user`? */
export function appliesTo(user: UserInfo, subject: Subject, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case 'User': return user.username === subject.name;
    case 'Group': return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      const ns = subject.namespace || bindingNamespace;
      return ns !== '' && user.username === `system:serviceaccount:${ns}:${subject.name}`;
    }
    default: return false;
  }
}

function bound(user: UserInfo, subjects: Subject[] | undefined, ns: string): boolean {
  return (subjects ?? []).some((s) => appliesTo(user, s, ns));
}

/** The rules that `user` holds in `namespace` ('' = cluster scope only). */
export function rulesFor(snap: RbacSnapshot, user: UserInfo, namespace: string): ResolvedRules {
  const out: ResolvedRules = { rules: [], errors: [] };
  for (const b of snap.clusterRoleBindings()) {
    if (!bound(user, b.subjects, '')) continue;
    const role = b.roleRef.kind === 'ClusterRole' ? snap.clusterRole(b.roleRef.name) : undefined;
    if (role) out.rules.push(...(role.rules ?? []));
    else out.errors.push(`clusterrole.rbac.authorization.k8s.io ${JSON.stringify(b.roleRef.name)} not found`);
  }
  if (namespace === '') return out;
  for (const b of snap.roleBindings(namespace)) {
    if (!bound(user, b.subjects, namespace)) continue;
    const isCluster = b.roleRef.kind === 'ClusterRole';
    const role = isCluster ? snap.clusterRole(b.roleRef.name) : snap.role(namespace, b.roleRef.name);
    if (role) out.rules.push(...(role.rules ?? []));
    else out.errors.push(`${isCluster ? 'clusterrole' : 'role'}.rbac.authorization.k8s.io ${JSON.stringify(b.roleRef.name)} not found`);
  }
  return out;
}
