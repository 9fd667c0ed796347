/**
 * The node a user speaks for, as Kubernetes' NodeIdentifier
 * (pkg/auth/nodeidentifier/default.go): a user in group `system:nodes`
 * named `system:node:<name>`. Pure.
 */
import type { UserInfo } from '../../../api/user.ts';

/** The group every kubelet identity is in (user.NodesGroup). */
export const nodesGroup = 'system:nodes';
const prefix = 'system:node:';

/**
 * The node name of `user`: undefined when the user is not a node identity
 * (not in system:nodes, or not named system:node:…); '' when it is one but the
 * name part is empty (Kubernetes then refuses with "unknown node").
 */
export function nodeIdentity(user: UserInfo | undefined): string | undefined {
  if (!user || !user.username.startsWith(prefix) || !user.groups.includes(nodesGroup)) return undefined;
  return user.username.slice(prefix.length);
}
