/**
 * The pure rule of the root CA publisher, as Kubernetes'
 * pkg/controller/certificates/rootcacertpublisher/publisher.go
 * (syncNamespace): every namespace holds the ConfigMap `kube-root-ca.crt`
 * whose data is exactly `{ca.crt: <CA bundle>}` and which carries the
 * `kubernetes.io/description` annotation; other annotations and labels are
 * kept.
 */
import type { ConfigMap, Namespace } from 'kubernetes-types/core/v1';

/** Name of the published ConfigMap. */
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
/** The annotation key Kubernetes sets on it. */
export const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
/** Kubernetes' description text, verbatim. */
export const DESCRIPTION = 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. '
  + 'No other usage is guaranteed across distributions of Kubernetes clusters.';

/** What to do in one namespace. */
export type RootCAAction =
  | { kind: 'none' }
  | { kind: 'create'; configMap: ConfigMap }
  /** PUT `configMap` (carries the cached resourceVersion, so a stale cache gets a 409 and a retry). */
  | { kind: 'update'; configMap: ConfigMap };

const sameData = (a: Record<string, string> | undefined, b: Record<string, string>): boolean => {
  const ka = Object.keys(a ?? {});
  return ka.length === Object.keys(b).length && ka.every((k) => a?.[k] === b[k]);
};

/**
 * The action for namespace `ns` (undefined when gone) whose cached ConfigMap
 * is `cm` (undefined when absent), for the PEM bundle `caBundle` (may be '').
 * Nothing for a missing or terminating namespace (kube ignores the create's
 * NotFound / NamespaceTerminating there; Skiff does not try).
 */
export function decideRootCA(ns: Namespace | undefined, cm: ConfigMap | undefined, caBundle: string): RootCAAction {
  if (!ns?.metadata?.name || ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating') return { kind: 'none' };
  const data = { 'ca.crt': caBundle };
  if (!cm) {
    return {
      kind: 'create',
      configMap: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ROOT_CA_CONFIGMAP, namespace: ns.metadata.name, annotations: { [DESCRIPTION_ANNOTATION]: DESCRIPTION } }, data },
    };
  }
  if (sameData(cm.data, data) && !cm.binaryData && (cm.metadata?.annotations?.[DESCRIPTION_ANNOTATION] ?? '') !== '') return { kind: 'none' };
  const next: ConfigMap = structuredClone(cm);
  next.data = data;
  delete next.binaryData;
  next.metadata = { ...next.metadata, annotations: { ...(next.metadata?.annotations ?? {}), [DESCRIPTION_ANNOTATION]: DESCRIPTION } };
  return { kind: 'update', configMap: next };
}
