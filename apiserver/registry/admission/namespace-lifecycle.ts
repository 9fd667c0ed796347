/**
 * NamespaceLifecycle admission, as Kubernetes'
 * plugin/pkg/admission/namespace/lifecycle/admission.go: nothing is created
 * in a namespace that does not exist (404) or is being terminated (403, with
 * a `NamespaceTerminating` cause), and the immortal namespaces default,
 * kube-system and kube-public may not be deleted (403).
 */
import type { KubeObject } from '../../api/object.ts';
import { forbidden, notFound, type StatusError } from '../../api/errors.ts';
import type { AdmissionAttributes, AdmissionPlugin } from './chain.ts';

/** Namespaces Kubernetes refuses to delete. */
export const IMMORTAL_NAMESPACES: readonly string[] = ['default', 'kube-system', 'kube-public'];

/** What the plugin reads: the stored namespace `name`, or undefined if absent. */
export type NamespaceGetter = (name: string) => Promise<KubeObject | undefined>;

const isNamespaces = (a: AdmissionAttributes): boolean => a.group === '' && a.resource === 'namespaces';

/** True when a namespace is being deleted (deletionTimestamp set or phase Terminating). */
export function isTerminating(ns: KubeObject): boolean {
  return !!ns.metadata?.deletionTimestamp || (ns as { status?: { phase?: string } }).status?.phase === 'Terminating';
}

/**
 * The decision for one write, given the namespace it lands in (`ns`,
 * undefined when absent). Pure: undefined admits, a StatusError rejects.
 */
export function decideNamespaceLifecycle(attrs: AdmissionAttributes, ns: KubeObject | undefined): StatusError | undefined {
  const target = { group: attrs.group, resource: attrs.resource, name: attrs.name };
  if (isNamespaces(attrs)) {
    if (attrs.operation === 'DELETE' && IMMORTAL_NAMESPACES.includes(attrs.name)) return forbidden(target, 'this namespace may not be deleted');
    return undefined;
  }
  if (!attrs.namespace || attrs.operation !== 'CREATE') return undefined;
  if (!ns) return notFound({ group: '', resource: 'namespaces', name: attrs.namespace });
  if (!isTerminating(ns)) return undefined;
  const err = forbidden(target, `unable to create new content in namespace ${attrs.namespace} because it is being terminated`);
  const details = (err.status.details ??= {});
  details.causes = [...(details.causes ?? []), { reason: 'NamespaceTerminating', message: `namespace ${attrs.namespace} is being terminated`, field: 'metadata.namespace' }];
  return err;
}

/** The plugin: reads the namespace only for creates of namespaced objects. */
export function namespaceLifecycle(getNamespace: NamespaceGetter): AdmissionPlugin {
  return async (attrs) => {
    const needsNs = !isNamespaces(attrs) && !!attrs.namespace && attrs.operation === 'CREATE';
    return decideNamespaceLifecycle(attrs, needsNs ? await getNamespace(attrs.namespace!) : undefined);
  };
}
