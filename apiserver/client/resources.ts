/**
 * Where each built-in resource lives in the REST API. Every component names
 * resources through these refs, so a path is built in one place
 * (`resourcePath` in rest.ts).
 */
export interface ResourceRef {
  /** API group; '' is the legacy core group served under /api. */
  group: string;
  version: string;
  /** Plural, lower-case resource name, e.g. 'pods'. */
  resource: string;
  kind: string;
  namespaced: boolean;
}

const core = (resource: string, kind: string, namespaced = true): ResourceRef => ({ group: '', version: 'v1', resource, kind, namespaced });

export const Pods = core('pods', 'Pod');
export const Nodes = core('nodes', 'Node', false);
export const Namespaces = core('namespaces', 'Namespace', false);
export const Services = core('services', 'Service');
export const Endpoints = core('endpoints', 'Endpoints');
export const Events = core('events', 'Event');
export const ConfigMaps = core('configmaps', 'ConfigMap');
export const Secrets = core('secrets', 'Secret');
export const ServiceAccounts = core('serviceaccounts', 'ServiceAccount');
export const ComponentStatuses = core('componentstatuses', 'ComponentStatus', false);
export const Deployments: ResourceRef = { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', namespaced: true };
export const ReplicaSets: ResourceRef = { group: 'apps', version: 'v1', resource: 'replicasets', kind: 'ReplicaSet', namespaced: true };
export const Jobs: ResourceRef = { group: 'batch', version: 'v1', resource: 'jobs', kind: 'Job', namespaced: true };
export const EndpointSlices: ResourceRef = { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices', kind: 'EndpointSlice', namespaced: true };
export const PodDisruptionBudgets: ResourceRef = { group: 'policy', version: 'v1', resource: 'poddisruptionbudgets', kind: 'PodDisruptionBudget', namespaced: true };
export const NetworkPolicies: ResourceRef = { group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies', kind: 'NetworkPolicy', namespaced: true };
export const Ingresses: ResourceRef = { group: 'networking.k8s.io', version: 'v1', resource: 'ingresses', kind: 'Ingress', namespaced: true };
export const IngressClasses: ResourceRef = { group: 'networking.k8s.io', version: 'v1', resource: 'ingressclasses', kind: 'IngressClass', namespaced: false };
export const Leases: ResourceRef = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', kind: 'Lease', namespaced: true };
export const CertificateSigningRequests: ResourceRef = { group: 'certificates.k8s.io', version: 'v1', resource: 'certificatesigningrequests', kind: 'CertificateSigningRequest', namespaced: false };
export const SubjectAccessReviews: ResourceRef = { group: 'authorization.k8s.io', version: 'v1', resource: 'subjectaccessreviews', kind: 'SubjectAccessReview', namespaced: false };

/** apiVersion string for a ref, e.g. 'apps/v1' or 'v1'. */
export function apiVersionOf(ref: ResourceRef): string {
  return ref.group === '' ? ref.version : `${ref.group}/${ref.version}`;
}
