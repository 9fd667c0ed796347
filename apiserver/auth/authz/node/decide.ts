/**
 * The Node authorizer's decision (Kubernetes
 * plugin/pkg/auth/authorizer/node/node_authorizer.go, with the
 * AuthorizeNodeWithSelectors rules of 1.32+): for a node identity
 * system:node:<n>, requests on Secrets, ConfigMaps, PVCs, ServiceAccount
 * tokens and Pods are allowed only for objects the graph relates to node n;
 * its own Node and Lease are allowed by name; pod and node writes are allowed
 * here and narrowed by NodeRestriction admission; every other request is
 * judged by the static rules of the system:node role. Anything not allowed is
 * "no opinion" (with kube's reason), so a later authorizer (RBAC) may still
 * allow it — Kubernetes never denies here either. Non-node users get no
 * opinion. Pure.
 */
import type { PolicyRule } from 'kubernetes-types/rbac/v1';
import { parseFieldSelector } from '../../../api/selectors.ts';
import type { Attributes, Decision } from '../attributes.ts';
import { authorize } from '../rules.ts';
import type { NodeGraphView, VertexKind } from './graph.ts';
import { nodeIdentity } from './identity.ts';

/** The namespace of node Leases (api.NamespaceNodeLease). */
export const nodeLeaseNamespace = 'kube-node-lease';

const allow: Decision = { decision: 'allow', reason: '' };
const noOpinion = (reason: string): Decision => ({ decision: 'noOpinion', reason });

function related(node: string, kind: VertexKind, a: Attributes, g: NodeGraphView): Decision {
  if (a.name === '') return noOpinion('No Object name found');
  if (g.hasPathFrom(node, kind, a.namespace, a.name)) return allow;
  return noOpinion(`no relationship found between node '${node}' and this object`);
}

/** Secrets and ConfigMaps: get, or a list/watch of one named object (authorizeReadNamespacedObject). */
function readNamespaced(node: string, kind: VertexKind, a: Attributes, g: NodeGraphView): Decision {
  if (!['get', 'list', 'watch'].includes(a.verb)) return noOpinion('can only read resources of this type');
  if (a.subresource !== '') return noOpinion('cannot read subresource');
  if (a.namespace === '') return noOpinion('can only read namespaced object of this type');
  return related(node, kind, a, g);
}

/** PVCs: get only (authorizeGet); status update/patch of a related claim (authorizeStatusUpdate). */
function pvc(node: string, a: Attributes, g: NodeGraphView): Decision {
  if (a.subresource === 'status') {
    if (a.verb !== 'update' && a.verb !== 'patch') return noOpinion('can only get, update, or patch status of this type');
    return related(node, 'persistentvolumeclaims', a, g);
  }
  if (a.verb !== 'get' || a.subresource !== '') return noOpinion('can only get individual resources of this type');
  return related(node, 'persistentvolumeclaims', a, g);
}

/** ServiceAccounts: create a token for a related one (authorizeCreateToken). */
function serviceAccount(node: string, a: Attributes, g: NodeGraphView): Decision {
  if (a.verb !== 'create' || a.name === '' || a.subresource !== 'token') return noOpinion('can only create tokens for individual service accounts');
  return related(node, 'serviceaccounts', a, g);
}

/** Leases: get/create/update/patch/delete of kube-node-lease/<node> (authorizeLease; create's name is checked by admission). */
function lease(node: string, a: Attributes): Decision {
  if (!['get', 'create', 'update', 'patch', 'delete'].includes(a.verb)) return noOpinion('can only get, create, update, patch, or delete a node lease');
  if (a.namespace !== nodeLeaseNamespace) return noOpinion(`can only access leases in the "${nodeLeaseNamespace}" system namespace`);
  if (a.verb !== 'create' && a.name !== node) return noOpinion('can only access node lease with the same name as the requesting node');
  return allow;
}

/** Nodes: read only its own Node (by name, so before it exists); create/update/patch and status writes pass to NodeRestriction (authorizeNode). */
function nodeObject(node: string, a: Attributes): Decision {
  if (a.subresource === '') {
    if (['create', 'update', 'patch'].includes(a.verb)) return allow;
    if (['get', 'list', 'watch'].includes(a.verb)) {
      if (a.name === node) return allow;
      if (a.name === '') return noOpinion(`node '${node}' cannot read all nodes, only its own Node object`);
      return noOpinion(`node '${node}' cannot read '${a.name}', only its own Node object`);
    }
  }
  if (a.subresource === 'status' && (a.verb === 'update' || a.verb === 'patch')) return allow;
  return noOpinion(`node '${node}' cannot ${a.verb} ${a.subresource === '' ? 'nodes' : `nodes/${a.subresource}`}`);
}

/** True if the selector has a `spec.nodeName=<node>` term (an unparsable selector has none). */
function scopedToNode(sel: string | undefined, node: string): boolean {
  try {
    return parseFieldSelector(sel).some((r) => r.field === 'spec.nodeName' && r.op === 'eq' && r.value === node);
  } catch {
    return false;
  }
}

/** Pods: get of a related pod; list/watch scoped by spec.nodeName=<node>; writes pass to NodeRestriction (authorizePod). */
function pod(node: string, a: Attributes, g: NodeGraphView, staticRules: readonly PolicyRule[]): Decision {
  if (a.subresource === '') {
    if (a.verb === 'get') return related(node, 'pods', a, g);
    if (a.verb === 'list' || a.verb === 'watch') {
      if (scopedToNode(a.fieldSelector, node)) return allow;
      if (a.name !== '') return related(node, 'pods', a, g);
      return noOpinion('can only list/watch pods with spec.nodeName field selector');
    }
  }
  return authorize(a, staticRules) ? allow : noOpinion('');
}

/**
 * Decides `a` for the Node authorizer: allow, or no opinion with kube's
 * reason. `staticRules` are the system:node role's rules (bootstrappolicy.NodeRules).
 */
export function decideNode(a: Attributes, g: NodeGraphView, staticRules: readonly PolicyRule[]): Decision {
  const node = nodeIdentity(a.user);
  if (node === undefined) return noOpinion('');
  if (node === '') return noOpinion(`unknown node for user "${a.user.username}"`);
  if (a.resourceRequest) {
    const core = a.apiGroup === '';
    if (core && a.resource === 'secrets') return readNamespaced(node, 'secrets', a, g);
    if (core && a.resource === 'configmaps') return readNamespaced(node, 'configmaps', a, g);
    if (core && a.resource === 'persistentvolumeclaims') return pvc(node, a, g);
    if (core && a.resource === 'serviceaccounts') return serviceAccount(node, a, g);
    if (core && a.resource === 'pods') return pod(node, a, g, staticRules);
    if (core && a.resource === 'nodes') return nodeObject(node, a);
    if (a.apiGroup === 'coordination.k8s.io' && a.resource === 'leases') return lease(node, a);
  }
  return authorize(a, staticRules) ? allow : noOpinion('');
}
