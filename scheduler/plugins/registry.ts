/**
 * The default plugin set, in kube-scheduler's filter order (cheap and
 * unresolvable checks first, resource fit last).
 */
import type { PluginRegistry } from '../framework/types.ts';
import { leastAllocated } from './leastallocated/leastallocated.ts';
import { nodeName } from './nodename/nodename.ts';
import { nodePorts } from './nodeports/nodeports.ts';
import { nodeReady } from './nodeready/nodeready.ts';
import { nodeResourcesFit } from './noderesourcesfit/noderesourcesfit.ts';
import { nodeSelector } from './nodeselector/nodeselector.ts';
import { nodeUnschedulable } from './nodeunschedulable/nodeunschedulable.ts';
import { taintToleration } from './tainttoleration/tainttoleration.ts';

/** A fresh default registry: seven filters and the LeastAllocated scorer. */
export function defaultRegistry(): PluginRegistry {
  return {
    filters: [nodeUnschedulable, nodeName, nodeReady, taintToleration, nodeSelector, nodePorts, nodeResourcesFit],
    scorers: [leastAllocated],
  };
}
