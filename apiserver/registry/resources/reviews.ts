/**
 * The virtual, create-only authorization.k8s.io/v1 review resources
 * (SelfSubjectAccessReview, SubjectAccessReview, SelfSubjectRulesReview):
 * listed in discovery; served by auth/authz/reviews.ts, nothing is stored.
 */
import type { KubeObject } from '../../api/object.ts';
import type { ResourceDef } from '../types.ts';

function review(resource: string, kind: string): ResourceDef<KubeObject> {
  return {
    group: 'authorization.k8s.io', version: 'v1', resource, kind, listKind: `${kind}List`, singular: kind.toLowerCase(),
    namespaced: false, shortNames: [], categories: [], verbs: ['create'], subresources: [], virtual: true,
    strategy: {}, table: { columns: [], cells: () => [] },
  };
}

/** Definitions of the three cluster-scoped review resources. */
export function reviewResources(): ResourceDef<KubeObject>[] {
  return [review('selfsubjectaccessreviews', 'SelfSubjectAccessReview'), review('selfsubjectrulesreviews', 'SelfSubjectRulesReview'), review('subjectaccessreviews', 'SubjectAccessReview')];
}
