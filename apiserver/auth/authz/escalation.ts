/**
 * Escalation prevention, as Kubernetes' policy-based RBAC storage
 * (pkg/registry/rbac/{role,clusterrole,rolebinding,clusterrolebinding}/policybased
 * and pkg/registry/rbac/validation ConfirmNoEscalation): a user may create or
 * update a Role/ClusterRole only with rules it already holds (in the role's
 * namespace) unless it may `escalate` that role; a binding only to a role
 * whose rules it holds unless it may `bind` it; system:masters bypasses both.
 * An aggregated ClusterRole needs full authority. Runs as a validating
 * admission plugin, so a refused write stores nothing; a write with no user
 * (bootstrap, authentication off) is not checked.
 */
import type { ClusterRole, PolicyRule, Role, RoleRef } from 'kubernetes-types/rbac/v1';
import { forbidden, notFound, type StatusError } from '../../api/errors.ts';
import type { UserInfo } from '../../api/user.ts';
import type { AdmissionAttributes, AdmissionPlugin } from '../../registry/admission/chain.ts';
import type { ObjectReader } from '../../registry/admission/standard.ts';
import { resourceAttributes, type Authorizer } from './attributes.ts';
import { isPrivileged } from './authorizer.ts';
import { compactString, uncovered } from './covers.ts';
import { rulesFor, type RbacSnapshot } from './resolver.ts';

const rbacGroup = 'rbac.authorization.k8s.io';

/** Everything: the authority an aggregationRule needs. */
const fullAuthority: PolicyRule[] = [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }, { nonResourceURLs: ['*'], verbs: ['*'] }];

/** What the plugin needs: the authorizer (for escalate/bind), the rule snapshot, and a storage reader for roleRefs. */
export interface EscalationDeps {
  authorizer: () => Authorizer;
  snapshot: RbacSnapshot;
  read: ObjectReader;
}

/** ConfirmNoEscalation's message, or undefined when `user` holds every rule of `rules` in `namespace`. */
export function escalationMessage(snap: RbacSnapshot, user: UserInfo, namespace: string, rules: readonly PolicyRule[]): string | undefined {
  const owned = rulesFor(snap, user, namespace);
  const missing = uncovered(owned.rules, rules);
  if (missing.length === 0) return undefined;
  const lines = [...new Set(missing.map(compactString))].sort();
  let msg = `user ${JSON.stringify(user.username)} (groups=[${user.groups.map((g) => JSON.stringify(g)).join(' ')}]) is attempting to grant RBAC permissions not currently held:\n${lines.join('\n')}`;
  if (owned.errors.length > 0) msg += `; resolution errors: [${owned.errors.join(' ')}]`;
  return msg;
}

/** A 403 naming the written object: `roles.rbac.authorization.k8s.io "x" is forbidden: <why>`. */
function refusal(a: AdmissionAttributes, why: string): StatusError {
  return forbidden({ group: rbacGroup, resource: a.resource, name: a.name }, why);
}

/** The validating admission plugin; judges CREATE and UPDATE of the four RBAC resources. */
export function escalationPlugin(deps: EscalationDeps): AdmissionPlugin {
  return async (a) => {
    const user = a.user;
    if (!user || a.group !== rbacGroup || a.subresource || (a.operation !== 'CREATE' && a.operation !== 'UPDATE')) return;
    if (isPrivileged(user)) return;
    const namespace = a.namespace ?? '';
    const allowed = (verb: string, resource: string, name: string): boolean =>
      deps.authorizer().authorize(resourceAttributes(user, { verb, apiGroup: rbacGroup, resource, name, namespace })).decision === 'allow';
    if (a.resource === 'roles' || a.resource === 'clusterroles') {
      const role = a.object as Role | ClusterRole;
      if ((role as ClusterRole).aggregationRule && escalationMessage(deps.snapshot, user, '', fullAuthority) !== undefined) {
        return refusal(a, 'must have cluster-admin privileges to use the aggregationRule');
      }
      if (allowed('escalate', a.resource, a.name)) return;
      if (a.operation === 'UPDATE' && JSON.stringify((a.oldObject as Role | undefined)?.rules ?? []) === JSON.stringify(role.rules ?? [])) return;
      const why = escalationMessage(deps.snapshot, user, namespace, role.rules ?? []);
      return why === undefined ? undefined : refusal(a, why);
    }
    if (a.resource === 'rolebindings' || a.resource === 'clusterrolebindings') {
      const ref = (a.object as { roleRef?: RoleRef }).roleRef;
      if (!ref) return;
      const refResource = ref.kind === 'Role' ? 'roles' : 'clusterroles';
      if (allowed('bind', refResource, ref.name)) return;
      const role = (await deps.read(refResource, ref.kind === 'Role' ? namespace : undefined, ref.name)) as Role | undefined;
      if (!role) return notFound({ group: rbacGroup, resource: refResource, name: ref.name });
      const why = escalationMessage(deps.snapshot, user, namespace, role.rules ?? []);
      return why === undefined ? undefined : refusal(a, why);
    }
    return undefined;
  };
}
