/**
 * NodeRestriction admission (Kubernetes
 * plugin/pkg/admission/noderestriction/admission.go), a validating plugin
 * active with the Node authorizer. For writes by a node identity
 * system:node:<n>:
 * - pods: create only mirror pods bound to n, owned by nothing but Node n and
 *   referencing no Secret, ConfigMap, PVC or ServiceAccount; delete only pods
 *   bound to n; no other pod write; status updates and evictions only of pods
 *   bound to n;
 * - nodes: write only Node n; no taint change on update; no label outside the
 *   kubelet's allowed set (labels.ts) on create or update;
 * - leases (coordination.k8s.io): only kube-node-lease/<n>.
 * Every other write, and every write by a non-node user, passes. Refusals are
 * 403 Forbidden with kube's messages.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1';
import { forbidden, type StatusError } from '../../../api/errors.ts';
import type { AdmissionAttributes, AdmissionPlugin } from '../../../registry/admission/chain.ts';
import type { ObjectReader } from '../../../registry/admission/standard.ts';
import { nodeLeaseNamespace } from './decide.ts';
import { podVertices } from './graph.ts';
import { nodeIdentity } from './identity.ts';
import { forbiddenLabels, modifiedLabels } from './labels.ts';

/** The annotation that marks a kubelet's mirror pod (v1.MirrorPodAnnotationKey). */
export const mirrorPodAnnotation = 'kubernetes.io/config.mirror';

const q = (s: string): string => JSON.stringify(s);

function deny(a: AdmissionAttributes, why: string): StatusError {
  return forbidden({ group: a.group, resource: a.resource, name: a.name }, why);
}

function podCreate(a: AdmissionAttributes, node: string): StatusError | undefined {
  const pod = a.object as Pod;
  if (pod.metadata?.annotations?.[mirrorPodAnnotation] === undefined) {
    return deny(a, `pod does not have ${q(mirrorPodAnnotation)} annotation, node ${q(node)} can only create mirror pods`);
  }
  if (pod.spec?.nodeName !== node) return deny(a, `node ${q(node)} can only create pods with spec.nodeName set to itself`);
  const owners = pod.metadata?.ownerReferences ?? [];
  if (owners.length > 1) return deny(a, `node ${q(node)} can only create pods with a single owner reference set to itself`);
  const o = owners[0];
  if (o && (o.apiVersion !== 'v1' || o.kind !== 'Node' || o.name !== node)) return deny(a, `node ${q(node)} can only create pods with an owner reference set to itself`);
  const kinds = new Set(podVertices(pod).map((v) => v.split('/')[0]));
  const refs: Array<[string, string]> = [['serviceaccounts', 'a service account'], ['secrets', 'secrets'], ['configmaps', 'configmaps'], ['persistentvolumeclaims', 'persistentvolumeclaims']];
  for (const [kind, what] of refs) if (kinds.has(kind)) return deny(a, `node ${q(node)} can not create pods that reference ${what}`);
  return undefined;
}

async function admitPod(a: AdmissionAttributes, node: string, read: ObjectReader): Promise<StatusError | undefined> {
  const sub = a.subresource ?? '';
  if (sub === '') {
    if (a.operation === 'CREATE') return podCreate(a, node);
    if (a.operation === 'DELETE') {
      const pod = (a.oldObject ?? a.object) as Pod;
      return pod.spec?.nodeName === node ? undefined : deny(a, `node ${q(node)} can only delete pods with spec.nodeName set to itself`);
    }
    return deny(a, `unexpected operation ${q(a.operation)}, node ${q(node)} can only create and delete mirror pods`);
  }
  if (sub === 'status') {
    if (a.operation !== 'UPDATE') return deny(a, `unexpected operation ${q(a.operation)}`);
    const old = (a.oldObject ?? a.object) as Pod;
    return old.spec?.nodeName === node ? undefined : deny(a, `node ${q(node)} can only update pod status for pods with spec.nodeName set to itself`);
  }
  if (sub === 'eviction') {
    if (a.operation !== 'CREATE') return deny(a, `unexpected operation ${q(a.operation)}`);
    const pod = (await read('pods', a.namespace, a.name)) as Pod | undefined;
    // A missing pod is left to the eviction itself to answer 404.
    if (pod && pod.spec?.nodeName !== node) return deny(a, `node ${node} can only evict pods with spec.nodeName set to itself`);
    return undefined;
  }
  return deny(a, `unexpected subresource ${q(sub)}, node ${q(node)} can only update pod status and create evictions`);
}

function admitNode(a: AdmissionAttributes, node: string): StatusError | undefined {
  const requested = a.name || ((a.object.metadata?.name) ?? '');
  if (requested !== node) return deny(a, `node ${q(node)} is not allowed to modify node ${q(requested)}`);
  const obj = a.object as Node;
  if (a.operation === 'CREATE') {
    const bad = forbiddenLabels(modifiedLabels(obj.metadata?.labels, undefined));
    if (bad.length > 0) return deny(a, `node ${q(node)} is not allowed to set the following labels: ${bad.join(', ')}`);
  }
  if (a.operation === 'UPDATE' && a.oldObject) {
    const old = a.oldObject as Node;
    if (JSON.stringify(obj.spec?.taints ?? []) !== JSON.stringify(old.spec?.taints ?? [])) return deny(a, `node ${q(node)} is not allowed to modify taints`);
    const bad = forbiddenLabels(modifiedLabels(obj.metadata?.labels, old.metadata?.labels));
    if (bad.length > 0) return deny(a, `is not allowed to modify labels: ${bad.join(', ')}`);
  }
  return undefined;
}

function admitLease(a: AdmissionAttributes, node: string): StatusError | undefined {
  if (a.namespace !== nodeLeaseNamespace) return deny(a, `can only access leases in the ${q(nodeLeaseNamespace)} system namespace`);
  const name = a.operation === 'CREATE' ? (a.object.metadata?.name ?? '') : a.name;
  if (name !== node) return deny(a, 'can only access node lease with the same name as the requesting node');
  return undefined;
}

/**
 * The plugin over `read` (stored objects, for evictions). Resolves to a 403
 * StatusError to refuse, or undefined; a node identity with an empty name is
 * refused everything it writes.
 */
export function nodeRestriction(read: ObjectReader): AdmissionPlugin {
  return async (a) => {
    const node = nodeIdentity(a.user);
    if (node === undefined) return undefined;
    const core = a.group === '';
    const watched = (core && (a.resource === 'pods' || a.resource === 'nodes')) || (a.group === 'coordination.k8s.io' && a.resource === 'leases');
    if (!watched) return undefined;
    if (node === '') return deny(a, `could not determine node from user ${q(a.user?.username ?? '')}`);
    if (a.resource === 'pods') return admitPod(a, node, read);
    if (a.resource === 'nodes') return admitNode(a, node);
    return admitLease(a, node);
  };
}
