/**
 * NodeSelector filter (the part of kube-scheduler's NodeAffinity plugin that
 * handles hard constraints): every spec.nodeSelector label must be on the
 * node, and if requiredDuringSchedulingIgnoredDuringExecution is set, at least
 * one of its nodeSelectorTerms must match (terms are ORed; expressions within
 * a term are ANDed). Failure: "node(s) didn't match Pod's node affinity/selector".
 */
import type { Node, NodeSelectorRequirement, NodeSelectorTerm, Pod } from 'kubernetes-types/core/v1';
import { skip, success, unresolvable, type FilterPlugin, type Status } from '../../framework/types.ts';

/** The reason text Kubernetes uses. */
export const nodeSelectorReason = "node(s) didn't match Pod's node affinity/selector";

/** Evaluates one NodeSelectorRequirement against a value (undefined = absent). */
function requirementMatches(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const vals = r.values ?? [];
  switch (r.operator) {
    case 'In': return value !== undefined && vals.includes(value);
    case 'NotIn': return value === undefined || !vals.includes(value);
    case 'Exists': return value !== undefined;
    case 'DoesNotExist': return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || vals.length !== 1) return false;
      const a = Number.parseInt(value, 10);
      const b = Number.parseInt(vals[0], 10);
      if (Number.isNaN(a) || Number.isNaN(b)) return false;
      return r.operator === 'Gt' ? a > b : a < b;
    }
    default: return false;
  }
}

/** True if a NodeSelectorTerm matches the node (an empty term matches nothing, as in Kubernetes). */
export function termMatches(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels ?? {};
  const label = (k: string): string | undefined => (Object.prototype.hasOwnProperty.call(labels, k) ? labels[k] : undefined);
  return exprs.every((e) => requirementMatches(e, label(e.key))) &&
    fields.every((f) => requirementMatches(f, f.key === 'metadata.name' ? node.metadata?.name : undefined));
}

/** True if the pod's nodeSelector and required node affinity both accept the node. */
export function podMatchesNode(pod: Pod, node: Node): boolean {
  const labels = node.metadata?.labels ?? {};
  const sel = pod.spec?.nodeSelector;
  if (sel) for (const k in sel) if (labels[k] !== sel[k]) return false;
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  return required.nodeSelectorTerms.some((t) => termMatches(t, node));
}

/** The NodeSelector filter plugin. */
export const nodeSelector: FilterPlugin = {
  name: 'NodeSelector',
  preFilter(_state, pod): Status | void {
    const sel = pod.spec?.nodeSelector;
    if ((!sel || Object.keys(sel).length === 0) && !pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution) return skip;
  },
  filter(_state, pod, nodeInfo): Status {
    return podMatchesNode(pod, nodeInfo.node) ? success : unresolvable(nodeSelectorReason);
  },
};
