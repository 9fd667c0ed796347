/**
 * The LoadBalancer address speaker: runs in every node's proxy, watches
 * Services and Nodes, and keeps on this node exactly the pool addresses it
 * is elected for (decide.ts), as /32s on the interface of its InternalIP, so
 * the node answers ARP for them; a new claim is announced (announce.ts) so
 * clients that cached the address on another node follow at once. Level based: every run re-reads the caches
 * and the kernel's addresses, decides, then acts (ipaddr.ts). Runs are
 * coalesced by a BoundedFrequencyRunner, repeated every maxIntervalMs (an
 * address deleted by hand comes back), and retried with backoff after a
 * failure. Addresses stay in place when the proxy stops (as its rules do);
 * `skiff proxy --cleanup` removes them.
 */
import type { Node, Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import type { Logger } from '../../apiserver/api/log.ts';
import type { Clock, Informer } from '../../apiserver/client/informer-types.ts';
import { realClock } from '../../apiserver/client/workqueue.ts';
import type { Exec } from '../exec.ts';
import { BoundedFrequencyRunner } from '../runner.ts';
import { eligibleNode, EXCLUDE_LB_LABEL, nodeInternalIP } from '../../controllers/servicelb/decide.ts';
import { loadBalancerIPs } from '../model.ts';
import { announceAddress } from './announce.ts';
import { announcePeer, decideAddresses, deviceOf, myInternalIP, readyEndpointNodes } from './decide.ts';
import { applyAddressPlan, listAddresses } from './ipaddr.ts';

/** Options of LoadBalancerSpeaker; times in ms. */
export interface SpeakerOptions {
  nodeName: string;
  /** Informers from the proxy's factory (shared with the rule tracker). */
  services: Informer<Service>;
  nodes: Informer<Node>;
  /** EndpointSlices (externalTrafficPolicy Local: only a node with a ready endpoint announces). */
  slices: Informer<EndpointSlice>;
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

/** The parts of a Node the election reads: heartbeats trigger no run. */
function nodeKey(n: Node): string {
  return `${eligibleNode(n)}|${nodeInternalIP(n) ?? ''}|${n.metadata?.labels?.[EXCLUDE_LB_LABEL] ?? '-'}|${(n.status?.addresses ?? []).map((a) => a.address).join(',')}`;
}

/** The parts of a Service the speaker reads. */
function serviceKey(s: Service): string {
  return `${s.spec?.type ?? ''}|${s.spec?.loadBalancerClass ?? ''}|${s.spec?.externalTrafficPolicy ?? ''}|${loadBalancerIPs(s).join(',')}`;
}

/** The part of a slice the speaker reads: which nodes have a ready endpoint. */
function sliceKey(sl: EndpointSlice): string {
  return [...(readyEndpointNodes([sl]).values().next().value ?? [])].sort().join(',');
}

/** Keeps this node's LoadBalancer addresses in step with Services and Nodes; see file doc. */
export class LoadBalancerSpeaker {
  private readonly runner: BoundedFrequencyRunner;
  private lastSkipped = '';

  /** Registers the handlers; call start() once the informers have synced. */
  constructor(private readonly opts: SpeakerOptions) {
    const min = opts.minIntervalMs ?? 500;
    this.runner = new BoundedFrequencyRunner({
      clock: opts.clock ?? realClock, minIntervalMs: min, maxIntervalMs: opts.maxIntervalMs ?? 30_000, retryBaseMs: min,
      fn: () => this.sync(),
      onError: (err, n) => opts.log.warn('LoadBalancer address sync failed; retrying', { err, consecutiveFailures: n }),
    });
    const request = (): void => this.runner.request();
    opts.services.addHandlers({ onAdd: request, onDelete: request, onUpdate: (o, n) => { if (serviceKey(o) !== serviceKey(n)) request(); } });
    opts.nodes.addHandlers({ onAdd: request, onDelete: request, onUpdate: (o, n) => { if (nodeKey(o) !== nodeKey(n)) request(); } });
    opts.slices.addHandlers({ onAdd: request, onDelete: request, onUpdate: (o, n) => { if (sliceKey(o) !== sliceKey(n)) request(); } });
  }

  /** Starts the run loop (first run at once) until `signal` aborts. */
  start(signal: AbortSignal): void {
    this.runner.start(signal);
  }

  /** Resolves when no run is in flight. */
  idle(): Promise<void> {
    return this.runner.idle();
  }

  /** One reconcile: read addresses, decide, act. Throws (→ retry) if a command failed. */
  private async sync(): Promise<void> {
    const { exec, log, nodeName } = this.opts;
    const nodes = this.opts.nodes.list();
    const current = await listAddresses(exec);
    const dev = deviceOf(myInternalIP(nodeName, nodes), current);
    const plan = decideAddresses(nodeName, this.opts.services.list(), nodes, current, dev, this.opts.slices.list());
    const skipped = plan.skipped.map((s) => `${s.ip}: ${s.reason}`).join('; ');
    if (skipped !== this.lastSkipped) {
      if (skipped !== '') log.info('LoadBalancer addresses not claimed', { skipped });
      this.lastSkipped = skipped;
    }
    if (plan.add.length + plan.remove.length > 0) {
      log.info('updating LoadBalancer addresses', { add: plan.add.map((a) => `${a.ip} dev ${a.dev}`), remove: plan.remove.map((a) => `${a.ip} dev ${a.dev}`) });
    }
    const errors = await applyAddressPlan(exec, plan);
    // Tell hosts that cached a moved address on another node (best effort; see announce.ts).
    const peer = announcePeer(nodeName, nodes);
    if (peer !== undefined) {
      for (const a of plan.add) {
        const err = await announceAddress(exec, a.ip, a.dev, peer);
        if (err !== undefined) log.warn('could not announce LoadBalancer address', { err });
      }
    }
    if (errors.length > 0) throw new Error(`LoadBalancer addresses: ${errors.join('; ')}`);
    this.opts.onSynced?.();
  }
}
