/**
 * The pure scheduling decision (kube-scheduler's schedulePod): run the
 * filters over the nodes from a rotating start index until enough feasible
 * nodes are found (percentageOfNodesToScore), score those, pick the best
 * (ties broken by `rand`), or explain the failure in Kubernetes'
 * FailedScheduling wording.
 */
import type { Pod } from 'kubernetes-types/core/v1';
import { CycleState, success, type FilterPlugin, type NodeInfo, type NodeScore, type PluginRegistry, type Status } from './framework/types.ts';

/** Outcome of `decide`; `processed` is how many nodes the filters ran on (the next start index moves by it). */
export type Decision =
  | { kind: 'fit'; node: string; scores: NodeScore[]; processed: number }
  | { kind: 'unschedulable'; message: string; /** reason → number of nodes */ reasons: Map<string, number>; /** node → failing status */ statuses: Map<string, Status>; processed: number };

/** Options of `decide`. */
export interface DecideOptions {
  /** 1..100: stop filtering once this share of the nodes is feasible; 0 or absent: adaptive (see numFeasibleNodesToFind). */
  percentageOfNodesToScore?: number;
  /** Index of `nodeInfos` the filters start at (round robin across cycles; default 0). */
  startIndex?: number;
}

/** kube's minFeasibleNodesToFind: below this many nodes every node is checked. */
export const minFeasibleNodesToFind = 100;
/** kube's minFeasibleNodesPercentageToFind: the adaptive share never drops below it. */
export const minFeasibleNodesPercentageToFind = 5;

/**
 * How many feasible nodes are enough before scoring (kube's
 * numFeasibleNodesToFind): every node in clusters under 100 nodes or at
 * 100 %; else `percentage` (adaptive when 0: 50 - nodes/125 in integer math,
 * at least 5) of the nodes, but never fewer than 100.
 */
export function numFeasibleNodesToFind(percentage: number, numAllNodes: number): number {
  if (numAllNodes < minFeasibleNodesToFind || percentage >= 100) return numAllNodes;
  let adaptive = percentage;
  if (adaptive <= 0) {
    adaptive = 50 - Math.trunc(numAllNodes / 125);
    if (adaptive < minFeasibleNodesPercentageToFind) adaptive = minFeasibleNodesPercentageToFind;
  }
  const n = Math.trunc((numAllNodes * adaptive) / 100);
  return n < minFeasibleNodesToFind ? minFeasibleNodesToFind : n;
}

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
  return runFilterList(registry.filters, state, pod, ni);
}

function runFilterList(filters: FilterPlugin[], state: CycleState, pod: Pod, ni: NodeInfo): Status {
  for (let i = 0; i < filters.length; i++) {
    const st = filters[i].filter(state, pod, ni);
    if (st.code !== 'Success') return { ...st, plugin: filters[i].name };
  }
  return success;
}

/**
 * Decides where `pod` goes among `nodeInfos` (which already account for bound
 * and assumed pods). Filters run from `opts.startIndex` (wrapping) and stop
 * once numFeasibleNodesToFind nodes passed; only those are scored. `rand`
 * returns [0,1) and breaks ties between equally scored nodes (reservoir
 * sampling, like kube-scheduler's selectHost). O(nodes checked × plugins).
 */
export function decide(pod: Pod, nodeInfos: NodeInfo[], registry: PluginRegistry, rand: () => number = Math.random, opts: DecideOptions = {}): Decision {
  const state = new CycleState();
  // PreFilter: each plugin precomputes once per pod; a Skip leaves its filter out for this pod (kube's PreFilter Skip).
  const filters: FilterPlugin[] = [];
  for (const p of registry.filters) if (p.preFilter?.(state, pod)?.code !== 'Skip') filters.push(p);
  const n = nodeInfos.length;
  const want = numFeasibleNodesToFind(opts.percentageOfNodesToScore ?? 0, n);
  const start = n === 0 ? 0 : (((opts.startIndex ?? 0) % n) + n) % n;
  const feasible: NodeInfo[] = [];
  const reasons = new Map<string, number>();
  const statuses = new Map<string, Status>();
  let processed = 0;
  while (processed < n && feasible.length < want) {
    const ni = nodeInfos[(start + processed) % n];
    processed++;
    const st = runFilterList(filters, state, pod, ni);
    if (st.code === 'Success') {
      feasible.push(ni);
      continue;
    }
    statuses.set(ni.node.metadata?.name ?? '', st);
    const rs = st.reasons;
    for (let i = 0; i < rs.length; i++) if (rs.indexOf(rs[i]) === i) reasons.set(rs[i], (reasons.get(rs[i]) ?? 0) + 1);
  }
  if (feasible.length === 0) {
    return { kind: 'unschedulable', message: formatFailureMessage(n, reasons), reasons, statuses, processed };
  }
  const scores = scoreNodes(registry, state, pod, feasible);
  return { kind: 'fit', node: selectHost(scores, rand), scores, processed };
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
  for (let i = 1; i < scores.length; i++) {
    const s = scores[i];
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
