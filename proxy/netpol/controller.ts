/**
 * The NetworkPolicy controller of one node: runs in every node's proxy,
 * watches NetworkPolicies, Pods and Namespaces (informers from the proxy's
 * factory), and keeps `table inet skiff-netpol` equal to
 * render(decide(caches)) for the pods on this node. Level based: each run
 * re-reads the caches, decides (decide.ts), renders (render.ts) and applies
 * the whole table in one `nft -f` transaction (nft.ts). Runs are coalesced
 * by a BoundedFrequencyRunner; an unchanged payload is not re-applied
 * except on the periodic full run (which repairs a table changed by hand);
 * a failed run is retried with backoff.
 */
import type { Namespace, Pod } from 'kubernetes-types/core/v1';
import type { NetworkPolicy } from 'kubernetes-types/networking/v1';
import type { Logger } from '../../apiserver/api/log.ts';
import type { Clock, Informer } from '../../apiserver/client/informer-types.ts';
import { realClock } from '../../apiserver/client/workqueue.ts';
import type { Exec } from '../exec.ts';
import { BoundedFrequencyRunner } from '../runner.ts';
import { decideNetpol, policyPodIPs } from './decide.ts';
import { applyNetpol } from './nft.ts';
import { renderNetpol } from './render.ts';

/** Options of NetworkPolicyController; times in ms. */
export interface NetpolControllerOptions {
  /** This node: policies are enforced for the pods whose spec.nodeName it is. */
  nodeName: string;
  policies: Informer<NetworkPolicy>;
  pods: Informer<Pod>;
  namespaces: Informer<Namespace>;
  exec: Exec;
  log: Logger;
  clock?: Clock;
  /** Min ms between runs (default 200: a new pod's IP should be admitted quickly). */
  minIntervalMs?: number;
  /** Max ms between (full) runs (default 30000). */
  maxIntervalMs?: number;
  /** Called after each successful run with the payload applied (or kept); for tests. */
  onSynced?: (payload: string) => void;
}

/** The parts of a Pod that decide reads: other changes (conditions, container statuses) trigger no run. */
export function podPolicyKey(pod: Pod): string {
  const ports = (pod.spec?.containers ?? []).flatMap((c) => (c.ports ?? []).filter((p) => p.name).map((p) => `${p.name}/${p.protocol ?? 'TCP'}/${p.containerPort}`));
  return JSON.stringify([pod.spec?.nodeName ?? '', policyPodIPs(pod), pod.metadata?.labels ?? {}, ports]);
}

const namespaceKey = (ns: Namespace): string => JSON.stringify(ns.metadata?.labels ?? {});

/** Keeps the node's NetworkPolicy table in step with the API; see file doc. */
export class NetworkPolicyController {
  private readonly runner: BoundedFrequencyRunner;
  private applied: string | undefined;

  /** Registers the handlers; call start() once the informers have synced. */
  constructor(private readonly opts: NetpolControllerOptions) {
    const min = opts.minIntervalMs ?? 200;
    this.runner = new BoundedFrequencyRunner({
      clock: opts.clock ?? realClock, minIntervalMs: min, maxIntervalMs: opts.maxIntervalMs ?? 30_000, retryBaseMs: Math.max(min, 500),
      fn: (full) => this.sync(full),
      onError: (err, n) => opts.log.warn('network policy sync failed; retrying', { err, consecutiveFailures: n }),
    });
    const request = (): void => this.runner.request();
    opts.policies.addHandlers({ onAdd: request, onUpdate: request, onDelete: request });
    opts.pods.addHandlers({
      onAdd: request, onDelete: request,
      onUpdate: (a, b) => { if (podPolicyKey(a) !== podPolicyKey(b)) request(); },
    });
    opts.namespaces.addHandlers({
      onAdd: request, onDelete: request,
      onUpdate: (a, b) => { if (namespaceKey(a) !== namespaceKey(b)) request(); },
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

  /** One reconcile: decide, render, apply when changed (always on a full run). Throws (→ retry) when nft fails. */
  private async sync(full: boolean): Promise<void> {
    const { opts } = this;
    const model = decideNetpol(opts.policies.list(), opts.pods.list(), opts.namespaces.list(), opts.nodeName);
    const payload = renderNetpol(model);
    if (full || payload !== this.applied) {
      const started = Date.now();
      this.applied = undefined;
      await applyNetpol(opts.exec, payload);
      this.applied = payload;
      opts.log.debug('network policies applied', {
        ingressChains: model.ingress.length, egressChains: model.egress.length, bytes: payload.length, ms: Date.now() - started,
      });
    }
    opts.onSynced?.(payload);
  }
}
