/**
 * The authorizers: AlwaysAllow (the default, today's open mode) and RBAC,
 * preceded as in kube-apiserver by the privileged-group authorizer
 * (system:masters is allowed everything). RBAC allows a request when a rule
 * the user holds allows it, and otherwise has no opinion, with
 * `RBAC: <errors>` as the reason when a binding's role was missing
 * (Kubernetes RBACAuthorizer.Authorize).
 */
import type { UserInfo } from '../../api/user.ts';
import type { Attributes, Authorizer, Decision } from './attributes.ts';
import { rulesFor, type RbacSnapshot } from './resolver.ts';
import { authorize } from './rules.ts';

/** The group whose members bypass authorization (user.SystemPrivilegedGroup). */
export const systemMasters = 'system:masters';

/** Allows every request. */
export const alwaysAllow: Authorizer = { authorize: () => ({ decision: 'allow', reason: '' }) };

/** True if `user` is in system:masters. */
export function isPrivileged(user: UserInfo): boolean {
  return user.groups.includes(systemMasters);
}

/** RBAC over a snapshot of roles and bindings (with the system:masters bypass). */
export function rbacAuthorizer(snap: RbacSnapshot): Authorizer {
  return {
    authorize(a: Attributes): Decision {
      if (isPrivileged(a.user)) return { decision: 'allow', reason: '' };
      const { rules, errors } = rulesFor(snap, a.user, a.namespace);
      if (authorize(a, rules)) return { decision: 'allow', reason: '' };
      return { decision: 'noOpinion', reason: errors.length > 0 ? `RBAC: ${errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`}` : '' };
    },
  };
}
