/**
 * The Prometheus-backed WorkQueueMetricsSink, with client-go's metric names
 * (k8s.io/component-base/metrics/prometheus/workqueue/metrics.go):
 * `workqueue_depth` (gauge) and `workqueue_adds_total` (counter), both
 * labelled `name` (the queue's name).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { WorkQueueMetricsSink } from './workqueue.ts';

/** Makes sinks for named queues, registering the two metrics once in `registry`. */
export interface WorkQueueMetricsProvider {
  /** The sink of the queue called `name` (e.g. 'replicaset'). */
  forQueue(name: string): WorkQueueMetricsSink;
}

/** Registers workqueue_depth and workqueue_adds_total in `registry`; throws if they are already there. */
export function prometheusWorkQueueMetrics(registry: Registry): WorkQueueMetricsProvider {
  const depth = new Gauge({ name: 'workqueue_depth', help: 'Current depth of workqueue', labelNames: ['name'], registers: [registry] });
  const adds = new Counter({ name: 'workqueue_adds_total', help: 'Total number of adds handled by workqueue', labelNames: ['name'], registers: [registry] });
  return {
    forQueue(name) {
      const d = depth.labels(name);
      const a = adds.labels(name);
      d.set(0);
      return { add: () => a.inc(), depth: (n) => d.set(n) };
    },
  };
}
