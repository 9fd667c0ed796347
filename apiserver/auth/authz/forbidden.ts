/**
 * The 403 a denied request answers with, as kube-apiserver's
 * responsewriters.Forbidden and forbiddenMessage
 * (k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go) with
 * apierrors.NewForbidden's message forms.
 */
import type { Status } from 'kubernetes-types/meta/v1';
import { StatusError } from '../../api/errors.ts';
import type { Attributes } from './attributes.ts';

/** `User "u" cannot list resource "pods" in API group "" in the namespace "default"` (or `at the cluster scope`, or `path "/x"`). */
export function forbiddenMessage(a: Attributes): string {
  const user = a.user.username;
  if (!a.resourceRequest) return `User ${JSON.stringify(user)} cannot ${a.verb} path ${JSON.stringify(a.path)}`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const where = a.namespace ? `in the namespace ${JSON.stringify(a.namespace)}` : 'at the cluster scope';
  return `User ${JSON.stringify(user)} cannot ${a.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(a.apiGroup)} ${where}`;
}

/**
 * The 403 Forbidden StatusError for `a` denied with `reason` (appended after
 * ': ' when not empty): `pods is forbidden: …`, `pods "x" is forbidden: …`,
 * or `forbidden: …` for a non-resource path.
 */
export function forbiddenError(a: Attributes, reason: string): StatusError {
  const why = reason ? `${forbiddenMessage(a)}: ${reason}` : forbiddenMessage(a);
  const qualified = a.resource === '' ? '' : a.apiGroup ? `${a.resource}.${a.apiGroup}` : a.resource;
  let message: string;
  if (qualified === '') message = `forbidden: ${why}`;
  else if (a.name === '') message = `${qualified} is forbidden: ${why}`;
  else message = `${qualified} ${JSON.stringify(a.name)} is forbidden: ${why}`;
  const details: NonNullable<Status['details']> = { kind: a.resource };
  if (a.name) details.name = a.name;
  if (a.apiGroup) details.group = a.apiGroup;
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Forbidden', details, code: 403 });
}
