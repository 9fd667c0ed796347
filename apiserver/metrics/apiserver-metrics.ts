/**
 * The API server's own Prometheus metrics, with kube-apiserver's names,
 * labels and buckets (k8s.io/apiserver/pkg/endpoints/metrics and
 * k8s.io/apiserver/pkg/storage/etcd3/metrics):
 * `apiserver_request_total` (counter), `apiserver_request_duration_seconds`
 * and `etcd_request_duration_seconds` (histograms). Registered in the
 * Registry the server is composed with (never prom-client's global one).
 *
 * Every request and etcd call is recorded, so recording is a handle's work:
 * the series of a label set is looked up once (`requestSeries`, and the etcd
 * sink's own map by operation and type), counts are added up on the handle
 * and handed to the prom-client counter when it is collected (a scrape), and
 * durations go to SeriesHistogram handles. The exposition is byte for byte
 * what prom-client's own inc and observe would give. The handle maps grow
 * with the distinct label sets only, which are bounded: request labels come
 * from the served resources and fixed lists (request-labels.ts), codes are
 * HTTP status codes, etcd types are resource names. (Registry.resetMetrics,
 * which nothing calls, would keep the counts not yet handed over.)
 */
import { Counter, type Registry } from 'prom-client';
import type { StorageMetricsSink } from '../storage/instrumented.ts';
import { requestLabelNames, type RequestLabels } from './request-labels.ts';
import { SeriesHistogram, type HistogramSeries } from './series-histogram.ts';

/** kube's request and etcd latency buckets, in seconds (5 ms … 60 s). */
export const latencyBuckets = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];

/** Verbs whose duration is the life of a stream, not a latency: counted, not timed (kube's SLO histograms leave them out too). */
const longRunning = new Set(['WATCH', 'CONNECT']);

/** The recorder of the requests of one label set. */
export interface RequestSeries {
  /** Records one finished request: counts it with its HTTP `code`, and times it (seconds) unless it is a WATCH or CONNECT. */
  observe(code: number, seconds: number): void;
}

/** The metrics of one API server. */
export interface ApiServerMetrics {
  /** The recorder of requests labelled `labels` (the same one for the same label values in the same key order; a series is exposed in the key order of the labels first recorded in it, as prom-client). */
  requestSeries(labels: RequestLabels): RequestSeries;
  /** Records one finished request (a requestSeries lookup, then its observe). */
  observeRequest(labels: RequestLabels, code: number, seconds: number): void;
  /** The sink the storage decorator reports etcd call durations to. */
  etcdRequests: StorageMetricsSink;
}

/** Counts of one counter series not yet handed to prom-client. */
interface PendingCount {
  readonly labels: Record<string, string>;
  pending: number;
}

class LabelSetSeries implements RequestSeries {
  private readonly byCode = new Map<number, PendingCount>();

  constructor(
    private readonly labels: RequestLabels,
    private readonly counts: PendingCount[],
    private readonly duration: HistogramSeries | undefined,
  ) {}

  observe(code: number, seconds: number): void {
    let c = this.byCode.get(code);
    if (!c) {
      c = { labels: { ...this.labels, code: String(code) }, pending: 0 };
      this.byCode.set(code, c);
      this.counts.push(c);
    }
    c.pending++;
    this.duration?.observe(seconds);
  }
}

/** Registers the three metrics in `registry`; throws if they are already there. */
export function newApiServerMetrics(registry: Registry): ApiServerMetrics {
  /** Every counter series, in the order first counted (prom-client's series order once handed over). */
  const counts: PendingCount[] = [];
  new Counter({
    name: 'apiserver_request_total',
    help: 'Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.',
    labelNames: [...requestLabelNames, 'code'], registers: [registry],
    collect() {
      for (const c of counts) {
        if (c.pending === 0) continue;
        this.inc(c.labels, c.pending);
        c.pending = 0;
      }
    },
  });
  const duration = new SeriesHistogram({
    name: 'apiserver_request_duration_seconds',
    help: 'Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.',
    labelNames: [...requestLabelNames], buckets: latencyBuckets, registers: [registry],
  });
  const etcd = new SeriesHistogram({
    name: 'etcd_request_duration_seconds',
    help: 'Etcd request latency in seconds for each operation and object type.',
    labelNames: ['operation', 'type'], buckets: latencyBuckets, registers: [registry],
  });
  const byLabels = new Map<string, LabelSetSeries>();
  const requestSeries = (labels: RequestLabels): RequestSeries => {
    // By values and key order: prom-client keeps the first labels object of a series, whose order is the exposed one.
    const key = JSON.stringify(Object.entries(labels));
    let s = byLabels.get(key);
    if (!s) {
      s = new LabelSetSeries(labels, counts, longRunning.has(labels.verb) ? undefined : duration.series({ ...labels }));
      byLabels.set(key, s);
    }
    return s;
  };
  const etcdByOperation = new Map<string, Map<string, HistogramSeries>>();
  return {
    requestSeries,
    observeRequest: (labels, code, seconds) => requestSeries(labels).observe(code, seconds),
    etcdRequests: {
      observe(operation, type, seconds) {
        let byType = etcdByOperation.get(operation);
        if (!byType) {
          byType = new Map();
          etcdByOperation.set(operation, byType);
        }
        let s = byType.get(type);
        if (!s) {
          s = etcd.series({ operation, type });
          byType.set(type, s);
        }
        s.observe(seconds);
      },
    },
  };
}
