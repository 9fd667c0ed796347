/**
 * Scheduler entry point: composes a RestClient, shared pod and node
 * informers, the event recorder and the scheduling loop, and serves /healthz.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1';
import { serveHealthz } from '../apiserver/client/controller.ts';
import { createEventRecorder } from '../apiserver/client/events.ts';
import { createInformerFactory } from '../apiserver/client/informer.ts';
import type { Logger } from '../apiserver/api/log.ts';
import { Nodes, Pods } from '../apiserver/client/resources.ts';
import { RestClient } from '../apiserver/client/rest.ts';
import { connectionFor } from '../apiserver/client/kubeconfig.ts';
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
}

/**
 * Runs the scheduler until `signal` aborts, then stops everything and
 * resolves. Rejects only if the healthz port cannot be bound; API errors are
 * retried by the informers and the scheduling queue.
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
    const scheduler = createScheduler({ client, pods, nodes, schedulerName, recorder, log });
    await serveHealthz(opts.healthzPort, log, signal, { ready: () => pods.hasSynced() && nodes.hasSynced() });
    factory.start(signal);
    await scheduler.run(signal);
    await recorder.flush();
  } finally {
    client.close();
  }
}
