/**
 * The proxy's Prometheus metrics, in its own registry (composed in main).
 * `kubeproxy_sync_proxy_rules_duration_seconds` is kube-proxy's histogram of
 * one rule sync (render plus apply), seconds, with its exponential buckets
 * (pkg/proxy/metrics: 1 ms doubling, 14 buckets).
 */
import { Histogram, type Registry } from 'prom-client';

/** The registry and the instruments the sync loop records into. */
export interface ProxyMetrics {
  registry: Registry;
  /** Observe seconds per successful sync. */
  syncDuration: Histogram;
}

/** Registers the proxy's instruments in `registry`. Throws if they are already registered there. */
export function proxyMetrics(registry: Registry): ProxyMetrics {
  const buckets = Array.from({ length: 14 }, (_, i) => 0.001 * 2 ** i);
  const syncDuration = new Histogram({
    name: 'kubeproxy_sync_proxy_rules_duration_seconds',
    help: 'SyncProxyRules latency in seconds',
    buckets,
    registers: [registry],
  });
  return { registry, syncDuration };
}
