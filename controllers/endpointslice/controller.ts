/**
 * EndpointSlice controller (kube-controller-manager's endpointslice
 * controller, plus the legacy endpoints controller): reconciles, per Service
 * key, the EndpointSlices and the core/v1 Endpoints of every Service with a
 * selector from the pods it selects.
 */
import type { Endpoints, Pod, Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import type { Informer } from '../../apiserver/client/informer-types.ts';
import { Endpoints as EndpointsRef, EndpointSlices, Pods, Services } from '../../apiserver/client/resources.ts';
import { isAlreadyExists, isNotFound } from '../../apiserver/client/types.ts';
import { createWorkQueue } from '../../apiserver/client/workqueue.ts';
import type { ReconcileResult } from '../../apiserver/client/controller.ts';
import type { ControllerDeps } from '../deps.ts';
import { runWhenSynced } from '../run.ts';
import { planEndpoints } from './endpoints.ts';
import { CONTROLLER_NAME, MANAGED_BY_LABEL, planSlices, SERVICE_NAME_LABEL } from './plan.ts';
import { podMatchesService } from './pods.ts';
import { OwnWrites } from './fresh.ts';

const BY_NAMESPACE = 'endpointslice-controller/namespace';
const BY_SERVICE = 'endpointslice-controller/service';
/** How long a created slice may stay invisible in the cache before we stop waiting for it (ms). */
const CREATE_EXPECTATION_TTL_MS = 10_000;
/** Recheck interval while waiting for our own creates to appear in the cache (ms). */
const EXPECTATION_RECHECK_MS = 100;

/** Options of the controller (tests shrink maxEndpointsPerSlice). */
export interface EndpointSliceControllerOptions {
  workers?: number;
  maxEndpointsPerSlice?: number;
}

/** The pieces of the controller, exposed for tests. */
export function createEndpointSliceController(deps: ControllerDeps, opts: EndpointSliceControllerOptions = {}) {
  const log = deps.log;
  const services: Informer<Service> = deps.informers.for<Service>(Services);
  const pods: Informer<Pod> = deps.informers.for<Pod>(Pods);
  const slices: Informer<EndpointSlice> = deps.informers.for<EndpointSlice>(EndpointSlices, { labelSelector: `${MANAGED_BY_LABEL}=${CONTROLLER_NAME}` });
  const endpoints: Informer<Endpoints> = deps.informers.for<Endpoints>(EndpointsRef);
  const queue = createWorkQueue<string>({ metrics: deps.queueMetrics?.forQueue('endpoint_slice'), baseDelayMs: 50, maxDelayMs: 30_000 });
  /** Slices we created that the cache has not shown yet: service key → (slice name → deadline ms). */
  const pendingCreates = new Map<string, Map<string, number>>();
  /** Our own slice and Endpoints writes, served until the caches show them (fewer 409s). */
  const sliceWrites = new OwnWrites<EndpointSlice>();
  const endpointsWrites = new OwnWrites<Endpoints>();

  const nsOf = (o: { metadata?: { namespace?: string } }): string => o.metadata?.namespace ?? 'default';
  pods.addIndex(BY_NAMESPACE, (p) => [nsOf(p)]);
  services.addIndex(BY_NAMESPACE, (s) => [nsOf(s)]);
  slices.addIndex(BY_SERVICE, (s) => {
    const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
    return svc ? [`${nsOf(s)}/${svc}`] : [];
  });

  const keyOf = (o: { metadata?: { namespace?: string; name?: string } }): string => `${nsOf(o)}/${o.metadata?.name ?? ''}`;
  const enqueueForPod = (pod: Pod): void => {
    for (const svc of services.byIndex(BY_NAMESPACE, nsOf(pod))) {
      if (podMatchesService(svc, pod)) queue.add(keyOf(svc));
    }
  };
  services.addHandlers({
    onAdd: (s) => queue.add(keyOf(s)),
    onUpdate: (_o, s) => queue.add(keyOf(s)),
    onDelete: (s) => queue.add(keyOf(s)),
  });
  pods.addHandlers({
    onAdd: enqueueForPod,
    onUpdate: (oldPod, newPod) => { enqueueForPod(oldPod); enqueueForPod(newPod); },
    onDelete: enqueueForPod,
  });
  const onSlice = (s: EndpointSlice, gone = false): void => {
    sliceWrites.observed(keyOf(s), gone ? undefined : s);
    const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (!svc) return;
    const key = `${nsOf(s)}/${svc}`;
    pendingCreates.get(key)?.delete(s.metadata?.name ?? '');
    queue.add(key);
  };
  slices.addHandlers({ onAdd: (s) => onSlice(s), onUpdate: (_o, s) => onSlice(s), onDelete: (s) => onSlice(s, true) });
  const onEndpoints = (e: Endpoints, gone = false): void => {
    endpointsWrites.observed(keyOf(e), gone ? undefined : e);
    if (services.get(keyOf(e))) queue.add(keyOf(e));
  };
  endpoints.addHandlers({ onAdd: (e) => onEndpoints(e), onUpdate: (_o, e) => onEndpoints(e), onDelete: (e) => onEndpoints(e, true) });

  /** True while slices we created are not in the cache yet (then a plan would duplicate them). */
  const waitingForCreates = (key: string): boolean => {
    const pending = pendingCreates.get(key);
    if (!pending) return false;
    const now = Date.now();
    for (const [name, deadline] of pending) {
      if (slices.get(`${key.split('/')[0]}/${name}`) || deadline < now) pending.delete(name);
    }
    if (pending.size === 0) pendingCreates.delete(key);
    return pending.size > 0;
  };

  const reconcile = async (key: string): Promise<ReconcileResult> => {
    const [namespace = 'default', name = ''] = key.split('/');
    const svc = services.get(key);
    const existing = slices.byIndex(BY_SERVICE, key)
      .map((s) => sliceWrites.fresh(keyOf(s), s))
      .filter((s): s is EndpointSlice => s !== undefined);
    if (!svc) {
      // Service gone: remove what we manage for it (the garbage collector would too, via ownerReferences).
      for (const s of existing) await deleteIgnoringNotFound(() => deps.client.delete(EndpointSlices, s.metadata?.name ?? '', namespace));
      pendingCreates.delete(key);
      const ep = endpoints.get(key);
      if (ep) {
        await deleteIgnoringNotFound(() => deps.client.delete(EndpointsRef, name, namespace));
        endpointsWrites.removed(key);
      }
      return;
    }
    const selector = svc.spec?.selector;
    const hasSelector = selector !== undefined && Object.keys(selector).length > 0;
    if (waitingForCreates(key)) return { requeueAfterMs: EXPECTATION_RECHECK_MS };

    const nsPods = pods.byIndex(BY_NAMESPACE, namespace);
    const plan = planSlices(svc, nsPods, existing, opts.maxEndpointsPerSlice);
    for (const s of plan.delete) {
      await deleteIgnoringNotFound(() => deps.client.delete(EndpointSlices, s.metadata?.name ?? '', namespace));
      sliceWrites.removed(keyOf(s));
    }
    for (const s of plan.update) sliceWrites.wrote(keyOf(s), await deps.client.update<EndpointSlice>(EndpointSlices, s, namespace));
    for (const s of plan.create) {
      const created = await deps.client.create<EndpointSlice>(EndpointSlices, s, namespace);
      sliceWrites.wrote(keyOf(created), created);
      const pending = pendingCreates.get(key) ?? new Map<string, number>();
      pending.set(created.metadata?.name ?? '', Date.now() + CREATE_EXPECTATION_TTL_MS);
      pendingCreates.set(key, pending);
    }
    if (plan.create.length + plan.update.length + plan.delete.length > 0) {
      log.debug('slices reconciled', { service: key, create: plan.create.length, update: plan.update.length, delete: plan.delete.length });
    }

    if (hasSelector && svc.spec?.type !== 'ExternalName') {
      const ep = planEndpoints(svc, nsPods, endpointsWrites.fresh(key, endpoints.get(key)));
      if (ep.action === 'create') {
        try {
          endpointsWrites.wrote(key, await deps.client.create<Endpoints>(EndpointsRef, ep.object, namespace));
        } catch (e) {
          if (!isAlreadyExists(e)) throw e;
          // The cache is behind: read it and retry through the queue.
          throw new Error(`endpoints ${key} exist but are not cached yet`);
        }
      } else if (ep.action === 'update') {
        endpointsWrites.wrote(key, await deps.client.update<Endpoints>(EndpointsRef, ep.object, namespace));
      }
    }
    return;
  };

  return { queue, reconcile };
}

async function deleteIgnoringNotFound(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

/**
 * Starts the EndpointSlice controller: registers informers (Services, Pods,
 * managed EndpointSlices, Endpoints) now, and runs its workers (default 5)
 * once the informers have synced, until `signal` aborts. Writes are
 * per-service and idempotent; conflicts are retried through the queue.
 */
export function startEndpointSliceController(deps: ControllerDeps, signal: AbortSignal, opts: EndpointSliceControllerOptions = {}): void {
  const c = createEndpointSliceController(deps, opts);
  runWhenSynced(deps, 'endpointslice controller', c, opts.workers ?? 5, signal);
}
