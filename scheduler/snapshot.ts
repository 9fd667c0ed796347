/**
 * The per-cycle view of the cluster (kube-scheduler's
 * internal/cache/snapshot.go): NodeInfos by name and as a list in
 * zone-interleaved order (kube's nodeTree), taken from the cache at the start
 * of each scheduling cycle by SchedulerCache.updateSnapshot, which copies
 * only the NodeInfos whose generation is newer than the snapshot's.
 */
import type { Node } from 'kubernetes-types/core/v1';
import type { NodeInfo } from './framework/types.ts';

/** NodeInfos of every node with a Node object, as of the last updateSnapshot. */
export class Snapshot {
  /** The cache generation this snapshot reflects. */
  generation = 0;
  /** The cache's node-set version (nodes added, removed or re-zoned) the list was built at; -1: never. */
  nodeSetVersion = -1;
  /** By node name. Entries are updated in place, so `list` keeps pointing at them. */
  readonly byName = new Map<string, NodeInfo>();
  /** Every node, zones interleaved (the order filters walk, from a rotating start). */
  list: NodeInfo[] = [];
  /** The nodes that have pods with (anti-)affinity terms (kube's HavePodsWithAffinityNodeInfoList). */
  havePodsWithAffinity: NodeInfo[] = [];

  /** The NodeInfo of `name`, or undefined. */
  get(name: string): NodeInfo | undefined {
    return this.byName.get(name);
  }

  /** Number of nodes. */
  get size(): number {
    return this.list.length;
  }
}

/** The zone key of a node (kube's utilnode.GetZoneKey): region and zone labels, '' without either. */
export function zoneKey(node: Node): string {
  const l = node.metadata?.labels ?? {};
  const region = l['topology.kubernetes.io/region'] ?? l['failure-domain.beta.kubernetes.io/region'] ?? '';
  const zone = l['topology.kubernetes.io/zone'] ?? l['failure-domain.beta.kubernetes.io/zone'] ?? '';
  return region === '' && zone === '' ? '' : `${region}:\u0000:${zone}`;
}

/**
 * Orders nodes so that consecutive entries come from different zones (kube's
 * nodeTree.list): zones in order of first appearance, then one node from each
 * zone in turn, each zone's nodes in input order. Pure.
 */
export function interleaveByZone<T>(items: T[], zoneOf: (item: T) => string): T[] {
  const zones = new Map<string, T[]>();
  for (const it of items) {
    const z = zoneOf(it);
    let list = zones.get(z);
    if (!list) zones.set(z, (list = []));
    list.push(it);
  }
  if (zones.size <= 1) return [...items];
  const lists = [...zones.values()];
  const out: T[] = [];
  for (let i = 0; out.length < items.length; i++) {
    for (const l of lists) if (i < l.length) out.push(l[i]);
  }
  return out;
}
