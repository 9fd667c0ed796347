/**
 * The answers of the review APIs (kubernetes pkg/registry/authentication):
 * TokenReview authenticates `spec.token` for `spec.audiences` (default:
 * the API audiences) and reports the user and the audiences it is valid
 * for, or `authenticated: false` with the error; SelfSubjectReview reports
 * the requester. Pure but for the token authenticators they call.
 */
import { badRequest, type StatusError } from '../../api/errors.ts';
import type { UserInfo } from '../../api/user.ts';
import { authenticateToken } from './bearer.ts';
import type { TokenAuthenticator } from './types.ts';

/** A TokenReview as received (authentication.k8s.io/v1). */
export interface TokenReviewBody {
  apiVersion?: string;
  kind?: string;
  metadata?: Record<string, unknown>;
  spec?: { token?: unknown; audiences?: unknown };
}

/** The user in the v1 UserInfo wire shape (extra omitted when empty). Pure. */
export function userInfoOut(u: UserInfo): Record<string, unknown> {
  const out: Record<string, unknown> = { username: u.username };
  if (u.uid) out.uid = u.uid;
  out.groups = [...u.groups];
  if (u.extra && Object.keys(u.extra).length > 0) out.extra = u.extra;
  return out;
}

/**
 * The TokenReview response; a StatusError (400) for a body with no token
 * ("token is required for TokenReview in authentication") or audiences not
 * a string list. Rejects only on storage errors.
 */
export async function reviewToken(body: TokenReviewBody, tokens: TokenAuthenticator[], apiAudiences: string[]): Promise<Record<string, unknown> | StatusError> {
  const token = body.spec?.token;
  if (typeof token !== 'string' || token === '') return badRequest('token is required for TokenReview in authentication');
  const rawAuds = body.spec?.audiences;
  if (rawAuds !== undefined && rawAuds !== null && (!Array.isArray(rawAuds) || rawAuds.some((a) => typeof a !== 'string'))) return badRequest('spec.audiences must be a list of strings');
  const wanted = (rawAuds as string[] | undefined | null) ?? [];
  const audiences = wanted.length > 0 ? wanted : apiAudiences;
  const r = await authenticateToken(tokens, token, audiences);
  const spec: Record<string, unknown> = { token };
  if (wanted.length > 0) spec.audiences = wanted;
  const status: Record<string, unknown> = r.kind === 'user'
    ? { authenticated: true, user: userInfoOut(r.user), audiences: r.audiences ?? audiences }
    : { user: {}, error: r.kind === 'error' ? r.message : 'invalid bearer token' };
  return { kind: 'TokenReview', apiVersion: 'authentication.k8s.io/v1', metadata: { creationTimestamp: null }, spec, status };
}

/** The SelfSubjectReview response of `user` in `version` ('v1', 'v1beta1', 'v1alpha1'). Pure. */
export function selfSubjectReview(user: UserInfo, version: string): Record<string, unknown> {
  return { kind: 'SelfSubjectReview', apiVersion: `authentication.k8s.io/${version}`, metadata: { creationTimestamp: null }, status: { userInfo: userInfoOut(user) } };
}
