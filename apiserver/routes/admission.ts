/**
 * Admission decisions the routes make before a write reaches the store, as
 * kube-apiserver's admission chain runs in the REST handler. Today: the
 * NamespaceLifecycle rule that default, kube-system and kube-public can
 * never be deleted.
 */
import type { ResourceDef } from '../registry/types.ts';
import { namespaceDeleteForbidden } from '../registry/resources/namespaces.ts';

/**
 * Admits the delete of object `name` of `def` or throws the admission's
 * Status: 403 Forbidden `namespaces "default" is forbidden: this namespace
 * may not be deleted` for an immortal namespace (dry runs too, since
 * admission runs for them in Kubernetes). Runs before the object is read, so
 * the namespace need not exist.
 */
export function admitDelete(def: Pick<ResourceDef, 'group' | 'resource'>, name: string): void {
  if (def.group !== '' || def.resource !== 'namespaces') return;
  const err = namespaceDeleteForbidden(name);
  if (err) throw err;
}
