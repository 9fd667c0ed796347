/**
 * The admission chain the API server runs by default, in Kubernetes' plugin
 * order. NamespaceLifecycle is a mutating-phase plugin there (it implements
 * Admit), so it runs before strategy validation: a create in a missing
 * namespace is a 404 even when the object is also invalid. ServiceAccount
 * admission follows (defaults and mounts pod ServiceAccounts), as in
 * Kubernetes' default order, then DefaultTolerationSeconds (300 s
 * not-ready/unreachable NoExecute tolerations on pod creates) and
 * DefaultIngressClass (the default IngressClass for an Ingress without one,
 * when a lister is given).
 */
import type { KubeObject } from '../../api/object.ts';
import type { AdmissionChain } from './chain.ts';
import { namespaceLifecycle } from './namespace-lifecycle.ts';
import { serviceAccountAdmission } from './service-account.ts';
import { defaultTolerationSeconds } from './default-toleration-seconds.ts';
import { defaultIngressClassAdmission } from './default-ingress-class.ts';

/** Reads one stored object (undefined if absent), as StrategyContext.get. */
export type ObjectReader = (resource: string, namespace: string | undefined, name: string) => Promise<KubeObject | undefined>;

/** Lists every stored object of a cluster-scoped resource (e.g. 'ingressclasses'). */
export type ObjectLister = (resource: string) => Promise<KubeObject[]>;

/** Builds the default chain over a reader (and, for DefaultIngressClass, a lister) of stored objects. */
export function standardAdmission(read: ObjectReader, list?: ObjectLister): AdmissionChain {
  return {
    mutating: [
      namespaceLifecycle((name) => read('namespaces', undefined, name)),
      serviceAccountAdmission((namespace, name) => read('serviceaccounts', namespace, name)),
      defaultTolerationSeconds(),
      ...(list ? [defaultIngressClassAdmission(() => list('ingressclasses'))] : []),
    ],
    validating: [],
  };
}
