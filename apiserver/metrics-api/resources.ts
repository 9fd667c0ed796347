/**
 * The metrics.k8s.io/v1beta1 resources as discovery and `kubectl get` see
 * them: `nodes` (NodeMetrics, cluster-scoped) and `pods` (PodMetrics,
 * namespaced), get and list only, virtual (nothing stored), with
 * metrics-server's table columns (CPU, Memory, Window). Pure.
 */
import type { KubeObject } from '../api/object.ts';
import type { ResourceDef, TableColumn } from '../registry/types.ts';
import { parseQuantity } from '../api/quantity.ts';
import { formatCpuNanocores, formatMemoryBytes } from './quantity-format.ts';
import type { NodeMetrics, PodMetrics } from './usage.ts';

/** The API group and version. */
export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';

const col = (name: string, description: string): TableColumn => ({ name, type: 'string', description, priority: 0 });
const columns = [col('CPU', 'CPU usage'), col('Memory', 'Memory usage'), col('Window', 'Interval the usage was measured over')];

/** The NodeMetrics definition. */
export function nodeMetricsResource(): ResourceDef {
  return {
    group: METRICS_GROUP, version: METRICS_VERSION, resource: 'nodes', kind: 'NodeMetrics', listKind: 'NodeMetricsList',
    singular: '', namespaced: false, shortNames: [], categories: [], verbs: ['get', 'list'], subresources: [], virtual: true,
    strategy: {},
    table: {
      columns,
      cells: (o: KubeObject) => {
        const m = o as unknown as NodeMetrics;
        return [m.usage.cpu, m.usage.memory, m.window];
      },
    },
  };
}

/** Sums container quantities into one cpu and memory cell (the pod row of the table). */
function podTotals(m: PodMetrics): [string, string] {
  let cpu = 0;
  let mem = 0;
  for (const c of m.containers) {
    cpu += parseQuantity(c.usage.cpu);
    mem += parseQuantity(c.usage.memory);
  }
  return [formatCpuNanocores(BigInt(Math.round(cpu * 1e9))), formatMemoryBytes(mem)];
}

/** The PodMetrics definition. */
export function podMetricsResource(): ResourceDef {
  return {
    group: METRICS_GROUP, version: METRICS_VERSION, resource: 'pods', kind: 'PodMetrics', listKind: 'PodMetricsList',
    singular: '', namespaced: true, shortNames: [], categories: [], verbs: ['get', 'list'], subresources: [], virtual: true,
    strategy: {},
    table: {
      columns,
      cells: (o: KubeObject) => {
        const m = o as unknown as PodMetrics;
        return [...podTotals(m), m.window];
      },
    },
  };
}

/** Both definitions, for discovery. */
export function metricsResources(): ResourceDef[] {
  return [nodeMetricsResource(), podMetricsResource()];
}
