/**
 * Many hollow kubelets in one process (kubemark's hollow-node pods, folded
 * into one Node process): N runHollowKubelet instances named
 * <namePrefix>0 ... <namePrefix>N-1. Shared between them, because it is
 * read-only or connection-level: one RestClient (one keep-alive pool) and
 * one informer factory, so the Services informer is one LIST+watch for all
 * nodes. Each node keeps its own pod informer (its spec.nodeName watch),
 * FakeRuntime, pod workers, status manager, event recorder and heartbeats.
 * Nothing is module-level: two calls in one process are independent.
 */
import { join } from 'node:path';
import type { Logger } from '../apiserver/api/log.ts';
import { createInformerFactory } from '../apiserver/client/informer.ts';
import { connectionFor } from '../apiserver/client/kubeconfig.ts';
import { RestClient } from '../apiserver/client/rest.ts';
import type { ApiClient } from '../apiserver/client/types.ts';
import { hollowNodeIP, hollowPodCIDR } from './hollow-ips.ts';
import { runHollowKubelet } from './hollow.ts';

/** Options of `runHollowNodes`. */
export interface HollowNodesOptions {
  /** Reach the API as the kubeconfig says (wins over apiUrl); one identity for every node, so use one the node authorizer does not narrow (e.g. admin). */
  kubeconfig?: string;
  apiUrl?: string;
  /** Test hook: this client instead of a RestClient (not closed here). */
  client?: ApiClient;
  /** How many hollow nodes (1 ... 32 768). */
  count: number;
  /** Node names are <namePrefix><i> (default 'hollow-'). */
  namePrefix?: string;
  /**
   * Node i takes the InternalIP and fallback pod CIDR of index addressOffset + i
   * (default 0): give groups of hollow nodes on one cluster disjoint ranges
   * (count + addressOffset ≤ 32 768).
   */
  addressOffset?: number;
  /** Their pod log directories go under <rootDir>/<node name>. */
  rootDir: string;
  log: Logger;
  /** Node status and Lease period, ms (default 10 000). */
  heartbeatMs?: number;
  /** PLEG relist period, ms (default 1 000). */
  relistMs?: number;
  /** Nodes started at once (default 10): registration is a burst of GET+POST+PATCH per node. */
  startBurst?: number;
}

/**
 * Runs `count` hollow kubelets until `signal` aborts; resolves when all have
 * stopped. Starts them `startBurst` at a time, each batch once the previous
 * one has registered. Throws at once on a count out of range or no API
 * given; when one node fails (its root directory cannot be created), stops
 * the others and rejects with its error.
 */
export async function runHollowNodes(o: HollowNodesOptions, signal: AbortSignal): Promise<void> {
  const offset = o.addressOffset ?? 0;
  if (!Number.isInteger(o.count) || o.count < 1 || !Number.isInteger(offset) || offset < 0 || o.count + offset > 32_768) {
    throw new Error(`hollow node count must be 1 ... 32768 (with the address offset), got ${o.count} + ${offset}`);
  }
  const prefix = o.namePrefix ?? 'hollow-';
  const client = o.client ?? new RestClient({ ...connectionFor(o), userAgent: `kubelet/${prefix}*` });
  // One node failing stops them all (the caller sees its error).
  const ac = new AbortController();
  const onAbort = (): void => ac.abort();
  if (signal.aborted) ac.abort();
  else signal.addEventListener('abort', onAbort, { once: true });
  const informers = createInformerFactory(client, o.log.child('informers'));
  informers.start(ac.signal);
  const burst = Math.max(1, o.startBurst ?? 10);
  const running: Promise<void>[] = [];
  try {
    for (let i = 0; i < o.count && !ac.signal.aborted; i += burst) {
      const registered: Promise<unknown>[] = [];
      for (let j = i; j < Math.min(o.count, i + burst); j++) {
        const nodeName = `${prefix}${j}`;
        let onRegistered!: () => void;
        const done = new Promise<void>((resolve) => { onRegistered = resolve; });
        const run = runHollowKubelet({
          nodeName, nodeIP: hollowNodeIP(offset + j), fallbackPodCIDR: hollowPodCIDR(offset + j), rootDir: join(o.rootDir, nodeName), log: o.log.child(nodeName),
          client, informers, heartbeatMs: o.heartbeatMs, relistMs: o.relistMs, onRegistered,
        }, ac.signal);
        run.catch(() => ac.abort());
        running.push(run);
        // A node that stops (or fails) before registering releases the batch too.
        registered.push(Promise.race([done, run.catch(() => undefined)]));
      }
      // Pace the start: the next batch begins once this one has registered.
      await Promise.all(registered);
    }
    await Promise.all(running);
  } finally {
    ac.abort();
    signal.removeEventListener('abort', onAbort);
    await Promise.allSettled(running);
    if (!o.client && client instanceof RestClient) client.close();
  }
}
