/**
 * Which kind of token a joining server holds, asked of the cluster itself
 * before it reads any bootstrap data: a SelfSubjectReview
 * (authentication.k8s.io/v1, as `kubectl auth whoami`) with the token as
 * bearer names its user's groups, and the server token's user alone is in
 * SERVER_TOKEN_GROUP (bootstrap-secret.ts). So an agent token given to
 * `skiff server --server --token` is refused at once with a clear message,
 * rather than after a minute of 403s (k3s refuses it the same way: only
 * the server token joins servers).
 */
import type { KubeObject } from '../../apiserver/api/object.ts';
import type { ApiClient } from '../../apiserver/client/types.ts';
import { ApiError } from '../../apiserver/client/types.ts';
import type { ResourceRef } from '../../apiserver/client/resources.ts';
import { NODE_TOKEN_GROUP, SERVER_TOKEN_GROUP, type TokenKind } from './bootstrap-secret.ts';

/** authentication.k8s.io/v1 SelfSubjectReviews (create only). */
export const SelfSubjectReviews: ResourceRef = { group: 'authentication.k8s.io', version: 'v1', resource: 'selfsubjectreviews', kind: 'SelfSubjectReview', namespaced: false };

/** The kind of a Skiff token from its user's groups; `undefined` for a user that is neither (another credential). Pure. */
export function kindOfGroups(groups: readonly string[]): TokenKind | undefined {
  if (groups.includes(SERVER_TOKEN_GROUP)) return 'server';
  if (groups.includes(NODE_TOKEN_GROUP)) return 'agent';
  return undefined;
}

/**
 * Whether the token that `client` authenticates with may join a server.
 * Resolves `{ ok: true }` for the server token, else an error value for the
 * operator: 401 (not a token of this cluster), an agent token, or another
 * kind of user. Throws other API and transport errors (the caller reports).
 */
export async function checkServerToken(client: ApiClient, server: string): Promise<{ ok: true } | { error: string }> {
  let review: KubeObject & { status?: { userInfo?: { groups?: string[] } } };
  try {
    review = await client.create(SelfSubjectReviews, { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview', metadata: {} });
  } catch (err) {
    if (err instanceof ApiError && err.code === 401) return { error: `${server} refused the token (HTTP 401): is it this cluster's current server token (<data-dir>/token)?` };
    throw err;
  }
  const kind = kindOfGroups(review.status?.userInfo?.groups ?? []);
  if (kind === 'server') return { ok: true };
  if (kind === 'agent') {
    return { error: 'this is an agent token: it joins agents only (skiff agent). A server joins with the server token, the first server\'s <data-dir>/token' };
  }
  return { error: 'the token is not a skiff join token of this cluster (its user is in neither the server nor the node token group)' };
}
