/**
 * The kubelet's Prometheus metrics, with the kubelet's names, labels and
 * buckets (pkg/kubelet/metrics/metrics.go):
 * - `kubelet_pod_start_duration_seconds`: histogram, seconds from the kubelet
 *   first seeing a pod to the pod running, once per pod;
 * - `kubelet_pod_worker_duration_seconds`: histogram by label operation_type
 *   (create, sync, kill), seconds one pod worker sync took; observed only
 *   for syncs that finished without error, so its count is also a signal that
 *   this kubelet instance has fully synced a pod (kube separates `update`
 *   from `sync`; here every non-first, non-kill sync is `sync`);
 * - `kubelet_running_pods`: gauge, pods with a ready sandbox;
 * - `kubelet_running_containers`: gauge, containers by label container_state
 *   (created, running, exited, unknown).
 * The two gauges are read at collect time from the last runtime relist. The
 * pod lifecycle code sees only the KubeletMetricsSink, so it stays testable
 * without prom-client.
 */
import { Gauge, Histogram, type Registry } from 'prom-client';

/** Where the pod manager reports pod starts. Calls are synchronous and must not throw. */
export interface KubeletMetricsSink {
  /** A pod reached Running `seconds` after this kubelet first saw it (called at most once per pod uid). */
  podStarted(seconds: number): void;
  /** A pod worker finished one sync of a pod without error after `seconds` (kubelet_pod_worker_duration_seconds). */
  podSynced(operation: PodSyncOperation, seconds: number): void;
}

/**
 * The operation_type label of kubelet_pod_worker_duration_seconds (kube's
 * SyncPodType names): `create` is the first sync of a pod by this kubelet
 * instance (also after a restart, when it adopts a running pod), `kill` tears
 * a deleted or vanished pod down, `sync` is any later sync.
 */
export type PodSyncOperation = 'create' | 'sync' | 'kill';

/** The kubelet's container states as its metrics name them (kubecontainer.State). */
export type ContainerStateLabel = 'created' | 'running' | 'exited' | 'unknown';

/** What the runtime held at the last relist. */
export interface RuntimeCounts {
  /** Pod uids with at least one SANDBOX_READY sandbox. */
  runningPods: number;
  /** Containers (not sandboxes) per state. */
  containers: Record<ContainerStateLabel, number>;
}

/** The Prometheus-backed sink plus the hook that feeds the running pods/containers gauges. */
export interface KubeletMetrics extends KubeletMetricsSink {
  /** Makes kubelet_running_pods / kubelet_running_containers read `read()` at every collect (the last call wins; before any call they report 0). */
  runtimeCountsFrom(read: () => RuntimeCounts): void;
}

/** kube's kubelet_pod_start_duration_seconds buckets (seconds). */
export const POD_START_BUCKETS = [0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 180, 240, 300, 360, 480, 600, 900, 1200, 1800, 2700, 3600];

/** kube's kubelet_pod_worker_duration_seconds buckets (Prometheus DefBuckets, seconds). */
export const POD_WORKER_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Registers the kubelet's metrics in `registry`. Throws if they are already registered there. */
export function prometheusKubeletMetrics(registry: Registry): KubeletMetrics {
  const podStart = new Histogram({
    name: 'kubelet_pod_start_duration_seconds',
    help: 'Duration in seconds from kubelet seeing a pod for the first time to the pod starting to run',
    buckets: POD_START_BUCKETS,
    registers: [registry],
  });
  const podWorker = new Histogram({
    name: 'kubelet_pod_worker_duration_seconds',
    help: 'Duration in seconds to sync a single pod. Broken down by operation type: create, sync, or kill.',
    labelNames: ['operation_type'],
    buckets: POD_WORKER_BUCKETS,
    registers: [registry],
  });
  let read: () => RuntimeCounts = () => ({ runningPods: 0, containers: { created: 0, running: 0, exited: 0, unknown: 0 } });
  new Gauge({
    name: 'kubelet_running_pods',
    help: 'Number of pods that have a running pod sandbox',
    registers: [registry],
    collect() {
      this.set(read().runningPods);
    },
  });
  new Gauge({
    name: 'kubelet_running_containers',
    help: 'Number of containers currently running',
    labelNames: ['container_state'],
    registers: [registry],
    collect() {
      const c = read().containers;
      for (const state of ['created', 'running', 'exited', 'unknown'] as const) this.set({ container_state: state }, c[state]);
    },
  });
  return {
    podStarted: (seconds) => podStart.observe(seconds),
    podSynced: (operation, seconds) => podWorker.observe({ operation_type: operation }, seconds),
    runtimeCountsFrom(r) {
      read = r;
    },
  };
}
