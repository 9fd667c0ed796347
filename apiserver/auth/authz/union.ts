/**
 * Authorizers in order, as kube-apiserver's `--authorization-mode=Node,RBAC`
 * (k8s.io/apiserver/pkg/authorization/union): the first allow or deny wins;
 * when every one has no opinion, the answer is no opinion with their
 * non-empty reasons joined by newlines.
 */
import type { Attributes, Authorizer, Decision } from './attributes.ts';

/** One authorizer asking each of `authorizers` in turn. */
export function unionAuthorizer(authorizers: readonly Authorizer[]): Authorizer {
  return {
    authorize(a: Attributes): Decision {
      const reasons: string[] = [];
      for (const z of authorizers) {
        const d = z.authorize(a);
        if (d.decision !== 'noOpinion') return d;
        if (d.reason !== '') reasons.push(d.reason);
      }
      return { decision: 'noOpinion', reason: reasons.join('\n') };
    },
  };
}
