/**
 * The built-in Ingress controller of a node: informers on IngressClasses,
 * Ingresses, Services, EndpointSlices and Nodes, plus one watch per TLS
 * Secret that an Ingress of ours names (secret-watch.ts; the proxy may read
 * no other Secret) →
 * a bounded-frequency runner that rebuilds the routing table (table.ts,
 * pure) and hands it to the IngressServer (server.ts), then makes the
 * status writes status.ts decides. Runs inside each node's `skiff proxy`
 * process, as that process's identity (see README.md).
 */
import type { Node, Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import type { Ingress, IngressClass, IngressLoadBalancerIngress } from 'kubernetes-types/networking/v1';
import type { Logger } from '../../apiserver/api/log.ts';
import type { Clock, InformerFactory } from '../../apiserver/client/informer-types.ts';
import { EndpointSlices, IngressClasses, Ingresses, Nodes, Services } from '../../apiserver/client/resources.ts';
import { ApiError, type ApiClient } from '../../apiserver/client/types.ts';
import { SERVICE_NAME_LABEL } from '../model.ts';
import { BoundedFrequencyRunner } from '../runner.ts';
import { IngressServer } from './server.ts';
import { decideStatusWrites, nodeAddresses, rememberStatuses } from './status.ts';
import { tlsSecretRefs } from './refs.ts';
import { SecretWatches } from './secret-watch.ts';
import { buildRoutingTable } from './table.ts';

/** Options of runIngressController. */
export interface IngressControllerOptions {
  client: ApiClient;
  /** The process's shared informer factory (Services and EndpointSlices are shared with the service proxy). */
  factory: InformerFactory;
  log: Logger;
  clock: Clock;
  /** HTTP port (80 in `skiff`); 0 = any free port. */
  httpPort: number;
  /** HTTPS port (443 in `skiff`); 0 = any free port. */
  httpsPort: number;
  /** Bind address (default '0.0.0.0'). */
  host?: string;
  /** Min ms between rebuilds (default 200). */
  minSyncIntervalMs?: number;
  /** Max ms between full rebuilds and status checks (default 30000). */
  maxSyncIntervalMs?: number;
  /** Retry period of a failed listen, ms (default 10000). */
  listenRetryMs?: number;
  /** Called with the bound ports once listening (tests). */
  onListening?: (ports: { httpPort: number; httpsPort: number }) => void;
  /** Called after every successful rebuild (tests). */
  onSynced?: () => void;
  /** Endpoint choice (default random); see IngressServerOptions.pick. */
  pick?: (endpoints: readonly string[]) => string;
}

/** The handle runIngressController returns: wait for `synced` before relying on routes, `stop` on shutdown. */
export interface IngressController {
  /** Starts the loop once the informer caches synced (call after `factory.start`). */
  start(signal: AbortSignal): void;
  /** Resolves after the in-flight run and the servers have stopped. */
  stopped(): Promise<void>;
}

/**
 * Registers the informers (call before `factory.start`) and returns the
 * controller. Never throws at run time: a failed listen is logged and
 * retried every `listenRetryMs`, a failed status write makes the next run
 * full and retried with backoff.
 */
export function createIngressController(opts: IngressControllerOptions): IngressController {
  const log = opts.log;
  const f = opts.factory;
  const classes = f.for<IngressClass>(IngressClasses);
  const ingresses = f.for<Ingress>(Ingresses);
  const services = f.for<Service>(Services);
  const slices = f.for<EndpointSlice>(EndpointSlices, { labelSelector: SERVICE_NAME_LABEL });
  const nodes = f.for<Node>(Nodes);
  const server = new IngressServer({ httpPort: opts.httpPort, httpsPort: opts.httpsPort, host: opts.host, log, pick: opts.pick });
  const seen = new Map<string, IngressLoadBalancerIngress[]>();
  /** The controller's signal, set by `start` before the first run. */
  let running: AbortSignal | undefined;
  // Declared before the runner it bumps; `request` is looked up at call time.
  let requestRun: () => void = () => {};
  const secrets = new SecretWatches({ client: opts.client, log, onChange: () => requestRun() });

  const run = async (): Promise<void> => {
    const all = ingresses.list();
    const cls = classes.list();
    // Exactly the Secrets the ingress-tls controller grants us (same rule, refs.ts).
    if (running) secrets.setWanted(tlsSecretRefs(all, cls), running);
    const table = buildRoutingTable({
      classes: cls, ingresses: all, services: services.list(), endpointSlices: slices.list(), secrets: secrets.list(),
    });
    server.setTable(table);
    const served = new Set(table.served);
    const ips = nodeAddresses(nodes.list());
    rememberStatuses(all, served, ips, seen);
    const writes = decideStatusWrites(all, served, ips, seen);
    let failed: unknown;
    for (const w of writes) {
      const ns = w.ingress.metadata?.namespace ?? '';
      try {
        await opts.client.updateStatus<Ingress>(Ingresses, { ...w.ingress, status: { ...w.ingress.status, loadBalancer: { ingress: w.want } } }, ns);
        log.info('ingress status written', { ingress: `${ns}/${w.ingress.metadata?.name ?? ''}`, ips: w.want.map((x) => x.ip) });
      } catch (e) {
        // 409: another node wrote first (or the object moved on); 404: deleted meanwhile. The informer event reruns us.
        if (e instanceof ApiError && (e.code === 409 || e.code === 404)) continue;
        failed ??= e;
      }
    }
    opts.onSynced?.();
    if (failed !== undefined) throw failed;
  };

  const runner = new BoundedFrequencyRunner({
    clock: opts.clock, minIntervalMs: opts.minSyncIntervalMs ?? 200, maxIntervalMs: opts.maxSyncIntervalMs ?? 30_000, retryBaseMs: 1000,
    fn: run,
    onError: (err, n) => log.warn('ingress sync failed; retrying', { err, consecutiveFailures: n }),
  });
  requestRun = () => runner.request();
  const bump = { onAdd: () => runner.request(), onUpdate: () => runner.request(), onDelete: () => runner.request() };
  classes.addHandlers(bump);
  ingresses.addHandlers(bump);
  services.addHandlers(bump);
  slices.addHandlers(bump);
  nodes.addHandlers(bump);

  let done: Promise<void> = Promise.resolve();
  return {
    start(signal) {
      running = signal;
      let retry: { cancel(): void } | undefined;
      const listen = (): void => {
        if (signal.aborted) return;
        server.listen().then((ports) => {
          log.info('ingress listening', ports);
          opts.onListening?.(ports);
        }, (e: unknown) => {
          log.error('ingress ports cannot be bound; retrying', { err: (e as Error).message, httpPort: opts.httpPort, httpsPort: opts.httpsPort });
          retry = opts.clock.setTimeout(listen, opts.listenRetryMs ?? 10_000);
        });
      };
      listen();
      const synced = Promise.all([classes, ingresses, services, slices, nodes].map((i) => i.synced()));
      void synced.then(() => { if (!signal.aborted) runner.start(signal); });
      done = new Promise<void>((resolve) => {
        const stop = async (): Promise<void> => {
          retry?.cancel();
          await runner.idle();
          await server.close();
          resolve();
        };
        if (signal.aborted) void stop(); else signal.addEventListener('abort', () => void stop(), { once: true });
      });
    },
    stopped: () => done,
  };
}
