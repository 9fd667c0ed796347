/**
 * The scheduler's Prometheus metrics, with kube-scheduler's names, labels and
 * buckets (pkg/scheduler/metrics/metrics.go):
 * - `scheduler_e2e_scheduling_duration_seconds` (deprecated in kube 1.23, kept
 *   as issue 9 names it) and `scheduler_scheduling_attempt_duration_seconds`:
 *   histograms of one attempt, seconds, labels result and profile, buckets
 *   1 ms doubling, 15 of them;
 * - `scheduler_schedule_attempts_total`: counter, labels result and profile;
 * - `scheduler_pending_pods`: gauge, label queue (active, backoff,
 *   unschedulable, gated), read from the scheduling queue at collect time.
 * The scheduling loop sees only the SchedulerMetricsSink, so it stays
 * testable without prom-client.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** How a scheduling attempt ended (kube's result label). */
export type ScheduleResult = 'scheduled' | 'unschedulable' | 'error';

/** Where the scheduling loop reports attempts. Calls are synchronous and must not throw. */
export interface SchedulerMetricsSink {
  /**
   * One attempt of one pod ended with `result`, `seconds` after the pod was
   * popped off the queue (for 'scheduled' and binding errors, binding included).
   */
  attempt(result: ScheduleResult, seconds: number): void;
}

/** Pending pods per sub-queue of the scheduling queue (counts). */
export interface PendingPods {
  active: number;
  backoff: number;
  unschedulable: number;
  /** Pods held by scheduling gates (Skiff's queue has none: 0). */
  gated: number;
}

/** The Prometheus-backed sink plus the hook that feeds scheduler_pending_pods. */
export interface SchedulerMetrics extends SchedulerMetricsSink {
  /** Makes scheduler_pending_pods read `read()` at every collect (the last call wins; before any call it reports 0s). */
  pendingPodsFrom(read: () => PendingPods): void;
}

/** kube's ExponentialBuckets(start, factor, count). */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => start * factor ** i);
}

/**
 * Registers the scheduler's metrics in `registry` for the profile `profile`
 * (the scheduler name, default 'default-scheduler'). Throws if they are
 * already registered there.
 */
export function prometheusSchedulerMetrics(registry: Registry, profile = 'default-scheduler'): SchedulerMetrics {
  const buckets = exponentialBuckets(0.001, 2, 15);
  const labelNames = ['result', 'profile'] as const;
  const e2e = new Histogram({
    name: 'scheduler_e2e_scheduling_duration_seconds',
    help: 'E2e scheduling latency in seconds (scheduling algorithm + binding). This metric is replaced by scheduling_attempt_duration_seconds.',
    labelNames, buckets, registers: [registry],
  });
  const attemptDuration = new Histogram({
    name: 'scheduler_scheduling_attempt_duration_seconds',
    help: 'Scheduling attempt latency in seconds (scheduling algorithm + binding)',
    labelNames, buckets, registers: [registry],
  });
  const attempts = new Counter({
    name: 'scheduler_schedule_attempts_total',
    help: "Number of attempts to schedule pods, by the result. 'unschedulable' means a pod could not be scheduled, while 'error' means an internal scheduler problem.",
    labelNames, registers: [registry],
  });
  let read: () => PendingPods = () => ({ active: 0, backoff: 0, unschedulable: 0, gated: 0 });
  new Gauge({
    name: 'scheduler_pending_pods',
    help: "Number of pending pods, by the queue type. 'active' means number of pods in activeQ; 'backoff' means number of pods in backoffQ; 'unschedulable' means number of pods in unschedulablePods that the scheduler attempted to schedule and failed; 'gated' is the number of unschedulable pods that the scheduler never attempted to schedule because they are gated.",
    labelNames: ['queue'],
    registers: [registry],
    collect() {
      const p = read();
      this.set({ queue: 'active' }, p.active);
      this.set({ queue: 'backoff' }, p.backoff);
      this.set({ queue: 'unschedulable' }, p.unschedulable);
      this.set({ queue: 'gated' }, p.gated);
    },
  });
  return {
    attempt(result, seconds) {
      const labels = { result, profile };
      e2e.observe(labels, seconds);
      attemptDuration.observe(labels, seconds);
      attempts.inc(labels);
    },
    pendingPodsFrom(r) {
      read = r;
    },
  };
}
