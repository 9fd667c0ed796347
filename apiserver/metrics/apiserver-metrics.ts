/**
 * The API server's own Prometheus metrics, with kube-apiserver's names,
 * labels and buckets (k8s.io/apiserver/pkg/endpoints/metrics and
 * k8s.io/apiserver/pkg/storage/etcd3/metrics):
 * `apiserver_request_total` (counter), `apiserver_request_duration_seconds`
 * and `etcd_request_duration_seconds` (histograms). Registered in the
 * Registry the server is composed with (never prom-client's global one).
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import type { StorageMetricsSink } from '../storage/instrumented.ts';
import { requestLabelNames, type RequestLabels } from './request-labels.ts';

/** kube's request and etcd latency buckets, in seconds (5 ms … 60 s). */
export const latencyBuckets = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];

/** Verbs whose duration is the life of a stream, not a latency: counted, not timed (kube's SLO histograms leave them out too). */
const longRunning = new Set(['WATCH', 'CONNECT']);

/** The metrics of one API server. */
export interface ApiServerMetrics {
  /** Records one finished request: counts it with its HTTP `code`, and times it (seconds) unless it is a WATCH or CONNECT. */
  observeRequest(labels: RequestLabels, code: number, seconds: number): void;
  /** The sink the storage decorator reports etcd call durations to. */
  etcdRequests: StorageMetricsSink;
}

/** Registers the three metrics in `registry`; throws if they are already there. */
export function newApiServerMetrics(registry: Registry): ApiServerMetrics {
  const total = new Counter({
    name: 'apiserver_request_total',
    help: 'Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.',
    labelNames: [...requestLabelNames, 'code'], registers: [registry],
  });
  const duration = new Histogram({
    name: 'apiserver_request_duration_seconds',
    help: 'Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.',
    labelNames: [...requestLabelNames], buckets: latencyBuckets, registers: [registry],
  });
  const etcd = new Histogram({
    name: 'etcd_request_duration_seconds',
    help: 'Etcd request latency in seconds for each operation and object type.',
    labelNames: ['operation', 'type'], buckets: latencyBuckets, registers: [registry],
  });
  return {
    observeRequest(labels, code, seconds) {
      total.inc({ ...labels, code: String(code) });
      if (!longRunning.has(labels.verb)) duration.observe({ ...labels }, seconds);
    },
    etcdRequests: { observe: (operation, type, seconds) => etcd.observe({ operation, type }, seconds) },
  };
}
