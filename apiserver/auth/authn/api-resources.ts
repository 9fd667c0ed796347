/**
 * The authentication.k8s.io resources as discovery lists them (virtual:
 * served by reviews-route.ts, not by the generic store): TokenReview (v1)
 * and SelfSubjectReview (v1, v1beta1, v1alpha1 — kubectl 1.28+ asks v1
 * first, kubectl 1.27 v1beta1 then v1alpha1), all cluster-scoped, create only.
 */
import type { KubeObject } from '../../api/object.ts';
import type { ResourceDef } from '../../registry/types.ts';

/** The group. */
export const AUTHENTICATION_GROUP = 'authentication.k8s.io';
/** Versions serving SelfSubjectReview, preferred first. */
export const SELF_SUBJECT_REVIEW_VERSIONS = ['v1', 'v1beta1', 'v1alpha1'];

function virtualDef(version: string, resource: string, kind: string): ResourceDef {
  return {
    group: AUTHENTICATION_GROUP, version, resource, kind, listKind: `${kind}List`, singular: resource.replace(/s$/, ''),
    namespaced: false, shortNames: [], categories: [], verbs: ['create'], subresources: [], virtual: true,
    strategy: {}, table: { columns: [], cells: (_o: KubeObject) => [] },
  };
}

/** Fresh definitions, v1 first so that it is the preferred version. */
export function authenticationResources(): ResourceDef[] {
  return [
    virtualDef('v1', 'selfsubjectreviews', 'SelfSubjectReview'),
    virtualDef('v1', 'tokenreviews', 'TokenReview'),
    virtualDef('v1beta1', 'selfsubjectreviews', 'SelfSubjectReview'),
    virtualDef('v1alpha1', 'selfsubjectreviews', 'SelfSubjectReview'),
  ];
}
