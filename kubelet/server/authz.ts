/**
 * Authorization of kubelet API requests: `AlwaysAllow`, or `Webhook`, which
 * asks the API server with a SubjectAccessReview
 * (`POST /apis/authorization.k8s.io/v1/subjectaccessreviews`, injected) and
 * caches the answers as the kubelet's webhook authorizer does (allowed for
 * 5 minutes, not allowed for 30 seconds: the defaults of
 * `--authorization-webhook-cache-authorized-ttl` / `-unauthorized-ttl`).
 * Source: k8s.io/apiserver `plugin/pkg/authorizer/webhook/webhook.go`.
 */
import type { SubjectAccessReview, SubjectAccessReviewStatus } from 'kubernetes-types/authorization/v1';
import type { AuthzDecision, KubeletAttributes } from './attributes.ts';

/** Decides one attribute set; never rejects (a failure is `{ error }`). */
export type KubeletAuthorizer = (attrs: KubeletAttributes) => Promise<AuthzDecision>;

/** Posts a SubjectAccessReview and resolves its status; rejects when the review could not be made. */
export type SubjectAccessReviewer = (review: SubjectAccessReview) => Promise<SubjectAccessReviewStatus>;

/** `--authorization-mode`. */
export type AuthorizationMode = 'AlwaysAllow' | 'Webhook';

/** Allows everything (`--authorization-mode AlwaysAllow`). */
export const alwaysAllow: KubeletAuthorizer = async () => 'allow';

/** The SubjectAccessReview the webhook authorizer sends for `a`. Pure. */
export function subjectAccessReview(a: KubeletAttributes): SubjectAccessReview {
  return {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: {
      user: a.user.name,
      groups: a.user.groups,
      ...(a.user.uid !== undefined ? { uid: a.user.uid } : {}),
      ...(a.user.extra !== undefined ? { extra: a.user.extra } : {}),
      resourceAttributes: { verb: a.verb, group: '', version: 'v1', resource: a.resource, subresource: a.subresource, name: a.name },
    },
  };
}

/** Options of `createWebhookAuthorizer`. */
export interface WebhookAuthorizerOptions {
  review: SubjectAccessReviewer;
  /** Clock in ms (injected for tests). */
  now: () => number;
  /** TTL of an allowed answer, ms (default 5 min). */
  authorizedTTLMs?: number;
  /** TTL of a not-allowed answer, ms (default 30 s). */
  unauthorizedTTLMs?: number;
  /** Most answers kept (default 1024; the oldest is dropped first). */
  maxEntries?: number;
}

/** The cache key of an attribute set: everything the review depends on. Pure. */
export function reviewKey(a: KubeletAttributes): string {
  const extra = Object.entries(a.user.extra ?? {}).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  return JSON.stringify([a.user.name, a.user.groups, a.user.uid ?? '', extra, a.verb, a.resource, a.subresource, a.name]);
}

/**
 * The `Webhook` authorizer: a SubjectAccessReview per attribute set, its
 * `status.allowed` the answer, cached per `reviewKey` for the TTLs above.
 * A failed review is `{ error }` and not cached.
 */
export function createWebhookAuthorizer(o: WebhookAuthorizerOptions): KubeletAuthorizer {
  const cache = new Map<string, { decision: 'allow' | 'deny'; expires: number }>();
  const max = o.maxEntries ?? 1024;
  return async (attrs) => {
    const key = reviewKey(attrs);
    const hit = cache.get(key);
    if (hit && hit.expires > o.now()) return hit.decision;
    if (hit) cache.delete(key);
    let status: SubjectAccessReviewStatus;
    try {
      status = await o.review(subjectAccessReview(attrs));
    } catch (e) {
      return { error: e instanceof Error ? e.message : String(e) };
    }
    const decision = status.allowed === true ? 'allow' : 'deny';
    const ttl = decision === 'allow' ? o.authorizedTTLMs ?? 5 * 60_000 : o.unauthorizedTTLMs ?? 30_000;
    if (cache.size >= max) cache.delete(cache.keys().next().value as string);
    cache.set(key, { decision, expires: o.now() + ttl });
    return decision;
  };
}
