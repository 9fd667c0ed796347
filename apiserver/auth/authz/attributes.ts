/**
 * The attributes an authorizer judges (Kubernetes authorizer.Attributes) and
 * the Decision it returns. Empty strings stand for "none", as in Go.
 */
import type { UserInfo } from '../../api/user.ts';

/** One request as authorization sees it. */
export interface Attributes {
  user: UserInfo;
  /** get list watch create update patch delete deletecollection, or e.g. impersonate/bind/escalate; for a path, the lower-case HTTP method. */
  verb: string;
  /** True for /api/v1/... and /apis/<g>/<v>/... paths; false for other paths (nonResourceURL). */
  resourceRequest: boolean;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  name: string;
  /** '' for cluster-scoped requests and for every namespace. */
  namespace: string;
  /** The URL path (used for non-resource requests). */
  path: string;
  /** The raw field selector of a list/watch, when it had one (the Node authorizer scopes pod lists by spec.nodeName). */
  fieldSelector?: string;
}

/** An authorizer's answer: allow, deny, or no opinion (Kubernetes DecisionAllow/Deny/NoOpinion); `reason` explains it. */
export interface Decision {
  decision: 'allow' | 'deny' | 'noOpinion';
  reason: string;
}

/** Judges one request (never throws: a failure to decide is a noOpinion with the error as reason). */
export interface Authorizer {
  authorize(attrs: Attributes): Decision;
}

/** Attributes of a resource request with the given parts; unspecified fields are ''. */
export function resourceAttributes(user: UserInfo, a: Partial<Omit<Attributes, 'user' | 'resourceRequest'>> & { verb: string; resource: string }): Attributes {
  return { user, apiGroup: '', apiVersion: '', subresource: '', name: '', namespace: '', path: '', ...a, resourceRequest: true };
}

/** Attributes of a non-resource request (`path`, lower-case method verb). */
export function nonResourceAttributes(user: UserInfo, verb: string, path: string): Attributes {
  return { user, verb, path, resourceRequest: false, apiGroup: '', apiVersion: '', resource: '', subresource: '', name: '', namespace: '' };
}
