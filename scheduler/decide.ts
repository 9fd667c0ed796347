/**
 * The pure scheduling decision: run every filter on every node, score the
 * survivors, pick the best (ties broken by `rand`), or explain the failure in
 * Kubernetes' FailedScheduling wording.
 */
import type { Pod } from 'kubernetes-types/core/v1';
import { CycleState, type NodeInfo, type NodeScore, type PluginRegistry, type Status } from './framework/types.ts';

/** Outcome of `decide`. */
export type Decision =
  | { kind: 'fit'; node: string; scores: NodeScore[] }
  | { kind: 'unschedulable'; message: string; /** reason → number of nodes */ reasons: Map<string, number>; /** node → failing status */ statuses: Map<string, Status> };

/** Text kube-scheduler uses when the cluster has no nodes at all. */
export const noNodesMessage = 'no nodes available to schedule pods';

/**
 * Formats the FitError text exactly as kube-scheduler does:
 * "0/N nodes are available: <count> <reason>, ... ." where the "<count>
 * <reason>" strings are sorted as strings; preemption details are omitted.
 */
export function formatFailureMessage(numNodes: number, reasons: Map<string, number>): string {
  if (numNodes === 0) return noNodesMessage;
  const parts = [...reasons.entries()].map(([r, n]) => `${n} ${r}`).sort();
  return `0/${numNodes} nodes are available: ${parts.join(', ')}.`;
}

/** Runs the filters on one node, stopping at the first failing plugin (as the framework does). */
export function runFilters(registry: PluginRegistry, state: CycleState, pod: Pod, ni: NodeInfo): Status {
  for (const p of registry.filters) {
    const st = p.filter(state, pod, ni);
    if (st.code !== 'Success') return { ...st, plugin: p.name };
  }
  return { code: 'Success', reasons: [] };
}

/**
 * Decides where `pod` goes among `nodeInfos` (which already account for bound
 * and assumed pods). `rand` returns [0,1) and breaks ties between equally
 * scored nodes (reservoir sampling, like kube-scheduler's selectHost).
 */
export function decide(pod: Pod, nodeInfos: NodeInfo[], registry: PluginRegistry, rand: () => number = Math.random): Decision {
  const state = new CycleState();
  for (const p of registry.filters) p.preFilter?.(state, pod);
  const feasible: NodeInfo[] = [];
  const reasons = new Map<string, number>();
  const statuses = new Map<string, Status>();
  for (const ni of nodeInfos) {
    const st = runFilters(registry, state, pod, ni);
    if (st.code === 'Success') {
      feasible.push(ni);
      continue;
    }
    statuses.set(ni.node.metadata?.name ?? '', st);
    for (const r of new Set(st.reasons)) reasons.set(r, (reasons.get(r) ?? 0) + 1);
  }
  if (feasible.length === 0) {
    return { kind: 'unschedulable', message: formatFailureMessage(nodeInfos.length, reasons), reasons, statuses };
  }
  const scores = scoreNodes(registry, state, pod, feasible);
  return { kind: 'fit', node: selectHost(scores, rand), scores };
}

/** Weighted sum of every score plugin's (normalized) score per feasible node. */
export function scoreNodes(registry: PluginRegistry, state: CycleState, pod: Pod, feasible: NodeInfo[]): NodeScore[] {
  const total: NodeScore[] = feasible.map((ni) => ({ name: ni.node.metadata?.name ?? '', score: 0 }));
  if (feasible.length === 1) return total;
  for (const p of registry.scorers) {
    p.preScore?.(state, pod);
    const s: NodeScore[] = feasible.map((ni) => ({ name: ni.node.metadata?.name ?? '', score: p.score(state, pod, ni) }));
    p.normalize?.(state, pod, s);
    s.forEach((x, i) => { total[i].score += x.score * (p.weight ?? 1); });
  }
  return total;
}

/** The highest-scoring node; among equals each is equally likely (reservoir sampling with `rand`). */
export function selectHost(scores: NodeScore[], rand: () => number): string {
  let best = scores[0];
  let ties = 1;
  for (const s of scores.slice(1)) {
    if (s.score > best.score) {
      best = s;
      ties = 1;
    } else if (s.score === best.score) {
      ties++;
      if (Math.floor(rand() * ties) === 0) best = s;
    }
  }
  return best.name;
}
