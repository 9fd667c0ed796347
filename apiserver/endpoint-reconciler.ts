/**
 * The endpoint reconciler loop of a running API server (kube-apiserver's
 * lease reconciler, --endpoint-reconciler-type=lease): every 10 s it renews
 * this server's endpoint Lease, deletes expired ones, and reconciles the
 * `kubernetes` Service's Endpoints and EndpointSlice to every live server
 * (apiserver-leases.ts decides). On stop it deletes its own Lease and points
 * the endpoints at the servers still alive, so clients move off it. Every
 * write goes through the registry.
 */
import type { Lease } from 'kubernetes-types/coordination/v1';
import type { Logger } from './api/log.ts';
import { StatusError } from './api/errors.ts';
import { microTime } from './api/time.ts';
import type { Registry } from './registry/registry.ts';
import { reconcileKubernetesEndpoints } from './bootstrap.ts';
import { apiEndpoint } from './kubernetes-endpoints.ts';
import {
  APISERVER_LEASE_LABEL, APISERVER_LEASE_NAMESPACE, APISERVER_LEASE_RENEW_MS, apiserverLease, apiserverLeaseName, liveApiservers,
} from './apiserver-leases.ts';

/** Options of startEndpointReconciler. Times in ms. */
export interface EndpointReconcilerOptions {
  registry: Registry;
  advertiseAddress: string;
  port: number;
  log: Logger;
  /** Default Date.now. */
  now?: () => number;
  /** Default 10 000 (kube's endpoint reconciler interval). */
  periodMs?: number;
}

const notFoundOrConflict = (e: unknown): boolean => e instanceof StatusError && (e.code === 404 || e.code === 409);

/**
 * Runs one pass, then one every periodMs until `stop()`; pass errors are
 * logged and retried at the next tick. `stop()` resolves after the final
 * clean-up (never throws). Throws at once on a bad address or port, or
 * when leases are not served.
 */
export function startEndpointReconciler(o: EndpointReconcilerOptions): { stop(): Promise<void> } {
  const self = apiEndpoint(o.advertiseAddress, o.port).address;
  const leases = o.registry.find('coordination.k8s.io', 'v1', 'leases');
  if (!leases) throw new Error('endpoint reconciler: leases are not served');
  const now = o.now ?? Date.now;
  const name = apiserverLeaseName(self);
  let running: Promise<void> = Promise.resolve();
  let stopped = false;

  const others = async (): Promise<{ addresses: string[]; expired: string[] }> => {
    const list = await leases.list(APISERVER_LEASE_NAMESPACE, { labelSelector: `${APISERVER_LEASE_LABEL}=true` });
    return liveApiservers(list.items as Lease[], self, now());
  };
  const pass = async (): Promise<void> => {
    let current: Lease | undefined;
    try {
      current = (await leases.get(APISERVER_LEASE_NAMESPACE, name)) as Lease;
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 404)) throw e;
    }
    const want = apiserverLease(self, microTime(now()), current);
    if (current) await leases.update(APISERVER_LEASE_NAMESPACE, name, want);
    else await leases.create(APISERVER_LEASE_NAMESPACE, want);
    const live = await others();
    for (const n of live.expired) {
      await leases.delete(APISERVER_LEASE_NAMESPACE, n).catch((e: unknown) => { if (!notFoundOrConflict(e)) throw e; });
    }
    await reconcileKubernetesEndpoints(o.registry, self, o.port, o.log, live.addresses.filter((a) => a !== self));
  };
  const tick = (): void => {
    running = pass().catch((e: unknown) => o.log.warn('endpoint reconcile failed; retrying', { err: e }));
  };
  tick();
  const timer = setInterval(() => { if (!stopped) tick(); }, o.periodMs ?? APISERVER_LEASE_RENEW_MS);
  timer.unref();
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
      try {
        await leases.delete(APISERVER_LEASE_NAMESPACE, name).catch((e: unknown) => { if (!notFoundOrConflict(e)) throw e; });
        const rest = (await others()).addresses.filter((a) => a !== self);
        const [first, ...peers] = rest;
        if (first !== undefined) await reconcileKubernetesEndpoints(o.registry, first, o.port, o.log, peers);
      } catch (e) {
        o.log.warn('endpoint reconciler: clean-up at stop failed', { err: e });
      }
    },
  };
}
