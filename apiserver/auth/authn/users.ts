/**
 * Well-known users and groups (k8s.io/apiserver/pkg/authentication/user
 * and serviceaccount util), and the step every authenticated user goes
 * through: the `system:authenticated` group is added
 * (authenticatedgroup.AuthenticatedGroupAdder).
 */
import type { UserInfo } from '../../api/user.ts';

/** Group of every authenticated user. */
export const ALL_AUTHENTICATED = 'system:authenticated';
/** Group of the anonymous user. */
export const ALL_UNAUTHENTICATED = 'system:unauthenticated';
/** The anonymous user's name. */
export const ANONYMOUS = 'system:anonymous';
/** The superuser group. */
export const SYSTEM_MASTERS = 'system:masters';

/** The anonymous user (Kubernetes anonymous authenticator). */
export function anonymousUser(): UserInfo {
  return { username: ANONYMOUS, groups: [ALL_UNAUTHENTICATED] };
}

/** The admin user every request is in plain-HTTP mode (no TLS, no authentication). */
export function insecureAdminUser(): UserInfo {
  return { username: 'system:admin', groups: [SYSTEM_MASTERS, ALL_AUTHENTICATED] };
}

/**
 * `user` with `system:authenticated` appended unless it is already there or
 * the user is anonymous (AuthenticatedGroupAdder's rule). Returns a new object. Pure.
 */
export function withAuthenticatedGroup(user: UserInfo): UserInfo {
  if (user.username === ANONYMOUS || user.groups.includes(ALL_AUTHENTICATED) || user.groups.includes(ALL_UNAUTHENTICATED)) return user;
  return { ...user, groups: [...user.groups, ALL_AUTHENTICATED] };
}
