/**
 * The host-gw route controller: runs in every node's proxy, watches Nodes,
 * and keeps one `<podCIDR> via <InternalIP> proto 250` route per other node
 * in the main table, plus the pod masquerade chain. Level based: every run
 * re-reads the Node cache and the kernel's table, decides (decide.ts), then
 * acts (iproute.ts). Runs are coalesced by a BoundedFrequencyRunner, repeated
 * every maxIntervalMs (so a route deleted by hand comes back), and retried
 * with backoff after a failure.
 */
import type { Node } from 'kubernetes-types/core/v1';
import type { Logger } from '../../apiserver/api/log.ts';
import type { Clock, Informer } from '../../apiserver/client/informer-types.ts';
import { realClock } from '../../apiserver/client/workqueue.ts';
import type { Exec } from '../exec.ts';
import { BoundedFrequencyRunner } from '../runner.ts';
import { decideRoutes, internalIPv4, podCIDRsV4 } from './decide.ts';
import { applyRoutePlan, listRoutes } from './iproute.ts';
import { ensurePodMasquerade } from './masq.ts';

/** Options of NodeRouteController; times in ms. */
export interface RouteControllerOptions {
  /** This node (its own podCIDR is on the CNI bridge and gets no route). */
  nodeName: string;
  /** A Node informer from the proxy's factory (not yet started or started; either works). */
  nodes: Informer<Node>;
  /** Pod masquerade is kept for this CIDR (masq.ts). */
  clusterCIDR: string;
  exec: Exec;
  log: Logger;
  clock?: Clock;
  /** Min ms between runs (default 500). */
  minIntervalMs?: number;
  /** Max ms between (full) runs (default 30000). */
  maxIntervalMs?: number;
  /** Called after each successful run; for tests. */
  onSynced?: () => void;
}

/** The routing-relevant part of a Node: a change elsewhere (heartbeats, conditions) triggers no run. */
function routingKey(node: Node): string {
  return `${podCIDRsV4(node).join(',')}|${internalIPv4(node) ?? ''}`;
}

/** Keeps host-gw routes in step with Node objects; see file doc. */
export class NodeRouteController {
  private readonly runner: BoundedFrequencyRunner;
  private lastSkipped = '';

  /** Registers the Node handlers; call start() once the informer has synced. */
  constructor(private readonly opts: RouteControllerOptions) {
    const min = opts.minIntervalMs ?? 500;
    const max = opts.maxIntervalMs ?? 30_000;
    this.runner = new BoundedFrequencyRunner({
      clock: opts.clock ?? realClock, minIntervalMs: min, maxIntervalMs: max, retryBaseMs: min,
      fn: (full) => this.sync(full),
      onError: (err, n) => opts.log.warn('route sync failed; retrying', { err, consecutiveFailures: n }),
    });
    const request = (): void => this.runner.request();
    opts.nodes.addHandlers({
      onAdd: request,
      onDelete: request,
      onUpdate: (oldNode, newNode) => { if (routingKey(oldNode) !== routingKey(newNode)) request(); },
    });
  }

  /** Starts the run loop (first run at once) until `signal` aborts. */
  start(signal: AbortSignal): void {
    this.runner.start(signal);
  }

  /** Resolves when no run is in flight (after abort: when the last one ended). */
  idle(): Promise<void> {
    return this.runner.idle();
  }

  /** One reconcile: masquerade (full runs), read routes, decide, act. Throws (→ retry) if any command failed. */
  private async sync(full: boolean): Promise<void> {
    const { exec, log } = this.opts;
    if (full) await ensurePodMasquerade(exec, this.opts.clusterCIDR);
    const plan = decideRoutes(this.opts.nodeName, this.opts.nodes.list(), await listRoutes(exec));
    const skipped = plan.skipped.map((s) => `${s.node}: ${s.reason}`).join('; ');
    if (skipped !== this.lastSkipped) {
      if (skipped !== '') log.info('nodes without a pod route', { skipped });
      this.lastSkipped = skipped;
    }
    if (plan.replace.length + plan.remove.length > 0) {
      log.info('updating pod routes', {
        replace: plan.replace.map((r) => `${r.dst} via ${r.via} (${r.node})`), remove: plan.remove.map((r) => r.dst),
      });
    }
    const errors = await applyRoutePlan(exec, plan);
    if (errors.length > 0) throw new Error(`pod routes: ${errors.join('; ')}`);
    this.opts.onSynced?.();
  }
}
