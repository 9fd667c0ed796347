/**
 * NodeRestriction for the TokenRequest API (Kubernetes
 * plugin/pkg/admission/noderestriction/admission.go, admitServiceAccount):
 * a node identity may request ServiceAccount tokens only bound to a Pod,
 * with the Pod's uid, and only for a Pod scheduled on that node. Everyone
 * else passes. Pure: the caller reads the bound Pod.
 */
import type { Pod } from 'kubernetes-types/core/v1';
import type { UserInfo } from '../../../api/user.ts';
import { forbidden, type StatusError } from '../../../api/errors.ts';
import { nodeIdentity } from './identity.ts';

/** The bound object of a TokenRequest, as planned (kind Pod or Secret; uid when given). */
export interface TokenBinding {
  kind: string;
  name: string;
  uid?: string;
}

/**
 * Undefined when `user` may have this token; a 403 StatusError when `user`
 * is a node and the request isn't bound to a Pod with a uid on that node.
 * `pod` is the stored bound Pod (undefined when missing or not a Pod
 * binding: the route answers a missing Pod with 404 itself).
 */
export function nodeTokenRequestRestriction(user: UserInfo | undefined, sa: string, binding: TokenBinding | undefined, pod: Pod | undefined): StatusError | undefined {
  const node = nodeIdentity(user);
  if (node === undefined) return undefined;
  const deny = (why: string): StatusError => forbidden({ group: '', resource: 'serviceaccounts', name: sa }, why);
  if (node === '') return deny(`could not determine node from user "${user?.username ?? ''}"`);
  if (binding === undefined) return deny(`node requested token not bound to a pod`);
  if (binding.kind !== 'Pod') return deny(`node requested token bound to a ${binding.kind}, only pods are allowed`);
  if (binding.uid === undefined || binding.uid === '') return deny(`node requested token with a pod binding without a uid`);
  if (pod && pod.spec?.nodeName !== node) return deny(`node requested token bound to a pod scheduled on a different node`);
  return undefined;
}
