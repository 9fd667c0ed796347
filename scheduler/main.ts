/**
 * Scheduler entry point: composes a RestClient, shared pod and node
 * informers, the event recorder and the scheduling loop, and serves /healthz.
 * With `leaderElect` (kube-scheduler --leader-elect) the informers run at
 * once but pods are scheduled only while this process holds the Lease
 * kube-system/kube-scheduler; losing it makes runScheduler reject (kube exits).
 * Pod events (Scheduled, FailedScheduling) are written by one sequential
 * writer with a queue of 1000 (events.ts), as client-go's broadcaster.
 * /metrics (on the healthz port) adds the scheduler's metrics (metrics.ts)
 * to the process metrics.
 */
import { newComponentRegistry } from '../apiserver/client/metrics.ts';
import type { Node, Pod } from 'kubernetes-types/core/v1';
import { serveHealthz } from '../apiserver/client/controller.ts';
import { createEventRecorder } from '../apiserver/client/events.ts';
import { createInformerFactory } from '../apiserver/client/informer.ts';
import type { Logger } from '../apiserver/api/log.ts';
import { Nodes, Pods } from '../apiserver/client/resources.ts';
import { RestClient } from '../apiserver/client/rest.ts';
import { connectionFor } from '../apiserver/client/kubeconfig.ts';
import { runWithLeaderElection, type LeaderElectionOptions, type LeaderElector } from '../apiserver/client/leaderelection.ts';
import { boundedRecorder } from './events.ts';
import { prometheusSchedulerMetrics } from './metrics.ts';
import { createScheduler } from './scheduler.ts';

/** Options of runScheduler. */
export interface SchedulerOptions {
  /** API server base URL, e.g. 'http://127.0.0.1:6443'. */
  apiUrl: string;
  /** Reach the API as the kubeconfig says (server, CA, client cert or token); wins over apiUrl. */
  kubeconfig?: string;
  /** Name pods select in spec.schedulerName (default 'default-scheduler'); also the Event source. */
  schedulerName?: string;
  /** Port of GET /healthz (10259 by convention; 0 picks a free one). */
  healthzPort: number;
  log: Logger;
  /** Schedule only while holding the Lease kube-system/kube-scheduler (kube's --leader-elect; default false here). */
  leaderElect?: boolean;
  /** Lease name/namespace, identity and durations (ms; kube defaults 15 000 / 10 000 / 2 000). */
  leaderElection?: LeaderElectionOptions;
  /** kube's percentageOfNodesToScore: 0 (default) adaptive, 1..100 fixed. */
  percentageOfNodesToScore?: number;
  /** Binding cycles in flight at most (default 16). */
  parallelBindings?: number;
}

/**
 * Runs the scheduler until `signal` aborts, then stops everything and
 * resolves. Rejects if the healthz port cannot be bound, or (leaderElect)
 * with LeaderElectionLostError when the Lease was lost; API errors are
 * retried by the informers, the scheduling queue and the elector. A standby
 * is healthy (/healthz 200).
 */
export async function runScheduler(opts: SchedulerOptions, signal: AbortSignal): Promise<void> {
  const schedulerName = opts.schedulerName ?? 'default-scheduler';
  const log = opts.log;
  const client = new RestClient({ ...connectionFor(opts), userAgent: `skiff-scheduler/${schedulerName}` });
  try {
    const factory = createInformerFactory(client, log);
    const pods = factory.for<Pod>(Pods);
    const nodes = factory.for<Node>(Nodes);
    const recorder = createEventRecorder(client, schedulerName, log);
    // Pod events go through one sequential writer with a bounded queue (as client-go's broadcaster), so they never crowd out bindings.
    const podEvents = boundedRecorder(recorder, { log });
    const registry = newComponentRegistry();
    const metrics = prometheusSchedulerMetrics(registry, schedulerName);
    const scheduler = createScheduler({ client, pods, nodes, schedulerName, recorder: podEvents, log, percentageOfNodesToScore: opts.percentageOfNodesToScore, parallelBindings: opts.parallelBindings, metrics });
    metrics.pendingPodsFrom(() => scheduler.queue.sizes());
    let elector: LeaderElector | undefined;
    await serveHealthz(opts.healthzPort, log, signal, { healthy: () => elector?.healthy() ?? true, ready: () => pods.hasSynced() && nodes.hasSynced(), metrics: registry });
    factory.start(signal);
    try {
      if (!opts.leaderElect) await scheduler.run(signal);
      else {
        const deps = { client, log: log.child('leaderelection'), defaultName: 'kube-scheduler', recorder, onElector: (e: LeaderElector) => { elector = e; } };
        await runWithLeaderElection(opts.leaderElection ?? {}, deps, signal, (leading) => scheduler.run(leading));
      }
    } finally {
      await podEvents.flush();
    }
  } finally {
    client.close();
  }
}
