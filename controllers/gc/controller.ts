/**
 * The garbage collector (kubernetes pkg/controller/garbagecollector,
 * simplified): watches every kind that carries ownerReferences here, keeps a
 * uid → object map, and keys its work queue by uid.
 *
 * - A dependent whose owners are all gone (confirmed by a live GET by name:
 *   404 or another uid) is deleted with propagationPolicy Background; one with
 *   a surviving owner just loses the dangling references.
 * - An owner deleted in the foreground (deletionTimestamp + finalizer
 *   `foregroundDeletion`) has its dependents deleted; once none with
 *   blockOwnerDeletion remains, the finalizer is removed and the API server
 *   finishes the deletion.
 * - An owner deleted with `orphan` has its references removed from all
 *   dependents, then loses the finalizer.
 */
import type { OwnerReference } from 'kubernetes-types/meta/v1';
import type { ControllerDeps } from '../deps.ts';
import { runWhenSynced } from '../run.ts';
import type { Informer, WorkQueue } from '../../apiserver/client/informer-types.ts';
import {
  Deployments, EndpointSlices, Jobs, Namespaces, Nodes, Pods, ReplicaSets, Services, Endpoints, Leases, apiVersionOf, type ResourceRef,
} from '../../apiserver/client/resources.ts';
import type { KubeObject } from '../../apiserver/api/object.ts';
import { ApiError, isConflict, isNotFound } from '../../apiserver/client/types.ts';
import { createWorkQueue } from '../../apiserver/client/workqueue.ts';
import type { ReconcileResult } from '../../apiserver/client/controller.ts';
import { decideDependent, decideOwner, stateOfOwner, type OwnerState } from './decide.ts';

/** Kinds whose objects the GC watches by default (dependents and owners). */
export const DEFAULT_GC_RESOURCES: ResourceRef[] = [Pods, ReplicaSets, Deployments, Jobs, EndpointSlices, Services];

/** Every kind an ownerReference may name and the GC can look up live. */
const KNOWN_OWNER_KINDS: ResourceRef[] = [Pods, Nodes, Namespaces, Services, Endpoints, Deployments, ReplicaSets, Jobs, EndpointSlices, Leases];

/** Index of objects by the uids in their ownerReferences. */
export const BY_OWNER_UID = 'gc-by-owner-uid';

/** Options: which kinds to watch, worker count, and the safety requeue while waiting on dependents (ms). */
export interface GarbageCollectorOptions {
  resources?: ResourceRef[];
  workers?: number;
  waitRequeueMs?: number;
}

/** A created (not yet running) garbage collector. */
export interface GarbageCollector {
  /** Processes the object with this uid (level-based; safe to repeat). Throws to be retried. */
  reconcile(uid: string): Promise<ReconcileResult>;
  readonly queue: WorkQueue<string>;
}

interface Entry {
  ref: ResourceRef;
  obj: KubeObject;
}

const refKey = (apiVersion: string, kind: string): string => `${apiVersion}|${kind}`;

/**
 * Registers informers for `opts.resources` (with an owner-uid index) and
 * handlers; does not start anything.
 */
export function createGarbageCollector(deps: ControllerDeps, opts: GarbageCollectorOptions = {}): GarbageCollector {
  const { client, log } = deps;
  const resources = opts.resources ?? DEFAULT_GC_RESOURCES;
  const waitRequeueMs = opts.waitRequeueMs ?? 10_000;
  const byUid = new Map<string, Entry>();
  const informers: Array<{ ref: ResourceRef; inf: Informer<KubeObject> }> = [];
  const kinds = new Map<string, ResourceRef>();
  for (const r of [...KNOWN_OWNER_KINDS, ...resources]) kinds.set(refKey(apiVersionOf(r), r.kind), r);
  const queue = createWorkQueue<string>({ metrics: deps.queueMetrics?.forQueue('garbage_collector') });

  const dependentsOf = (uid: string): Entry[] => {
    const out: Entry[] = [];
    for (const { ref, inf } of informers) for (const o of inf.byIndex(BY_OWNER_UID, uid)) out.push({ ref, obj: o });
    return out;
  };
  const enqueueOwners = (o: KubeObject): void => {
    for (const r of o.metadata?.ownerReferences ?? []) {
      const owner = byUid.get(r.uid);
      if (owner?.obj.metadata?.deletionTimestamp) queue.add(r.uid);
    }
  };
  const interesting = (o: KubeObject): boolean =>
    (o.metadata?.ownerReferences ?? []).length > 0 || Boolean(o.metadata?.deletionTimestamp && (o.metadata.finalizers ?? []).length > 0);

  for (const ref of resources) {
    const inf = deps.informers.for<KubeObject>(ref);
    inf.addIndex(BY_OWNER_UID, (o) => (o.metadata?.ownerReferences ?? []).map((r) => r.uid));
    informers.push({ ref, inf });
    inf.addHandlers({
      onAdd: (o) => {
        const uid = o.metadata?.uid;
        if (!uid) return;
        byUid.set(uid, { ref, obj: o });
        if (interesting(o)) queue.add(uid);
      },
      onUpdate: (old, o) => {
        const uid = o.metadata?.uid;
        if (!uid) return;
        byUid.set(uid, { ref, obj: o });
        const refsChanged = JSON.stringify(old.metadata?.ownerReferences ?? []) !== JSON.stringify(o.metadata?.ownerReferences ?? []);
        const deletionChanged = old.metadata?.deletionTimestamp !== o.metadata?.deletionTimestamp
          || JSON.stringify(old.metadata?.finalizers ?? []) !== JSON.stringify(o.metadata?.finalizers ?? []);
        if (refsChanged || deletionChanged) {
          queue.add(uid);
          enqueueOwners(old);
          enqueueOwners(o);
        }
        if (old.metadata?.uid && old.metadata.uid !== uid) byUid.delete(old.metadata.uid);
      },
      onDelete: (o) => {
        const uid = o.metadata?.uid;
        if (!uid) return;
        byUid.delete(uid);
        for (const d of dependentsOf(uid)) if (d.obj.metadata?.uid) queue.add(d.obj.metadata.uid);
        enqueueOwners(o);
      },
    });
  }

  /** Live state of an owner not in our map: absent on an object 404 or a different uid. Unknown or unserved kinds count as solid. */
  const liveOwnerState = async (dep: KubeObject, r: OwnerReference): Promise<OwnerState> => {
    const ref = kinds.get(refKey(r.apiVersion, r.kind));
    if (!ref) return 'solid';
    const ns = ref.namespaced ? dep.metadata?.namespace : undefined;
    if (ref.namespaced && !ns) return 'solid';
    let owner: KubeObject;
    try {
      owner = await client.get<KubeObject>(ref, r.name, ns);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      // Only an object-level 404 (details.name set) proves absence; a 404 for
      // the whole path means the kind is not served, and then we keep the object.
      if (e instanceof ApiError && e.status.details?.name === r.name) return 'absent';
      log.warn('owner kind not served; keeping dependent', { kind: r.kind, apiVersion: r.apiVersion, dependent: dep.metadata?.name });
      return 'solid';
    }
    if (owner.metadata?.uid !== r.uid) return 'absent';
    return stateOfOwner(owner);
  };

  const removeFinalizer = async (e: Entry, finalizer: string): Promise<void> => {
    const o = e.obj;
    const rest = (o.metadata?.finalizers ?? []).filter((f) => f !== finalizer);
    try {
      await client.patch(e.ref, o.metadata?.name ?? '', 'merge',
        { metadata: { finalizers: rest.length > 0 ? rest : null, resourceVersion: o.metadata?.resourceVersion } }, o.metadata?.namespace);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  };

  const removeRefs = async (e: Entry, uids: string[]): Promise<void> => {
    const o = e.obj;
    const refs = (o.metadata?.ownerReferences ?? []).filter((r) => !uids.includes(r.uid));
    try {
      await client.patch(e.ref, o.metadata?.name ?? '', 'merge',
        { metadata: { ownerReferences: refs.length > 0 ? refs : null, resourceVersion: o.metadata?.resourceVersion } }, o.metadata?.namespace);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  };

  const processOwner = async (uid: string, e: Entry): Promise<ReconcileResult> => {
    const deps_ = dependentsOf(uid);
    const plan = decideOwner(e.obj, deps_.map((d) => d.obj));
    if (plan.orphan.length === 0 && plan.process.length === 0 && !plan.removeFinalizer) return;
    for (const d of deps_) {
      if (plan.orphan.includes(d.obj)) await removeRefs(d, [uid]);
    }
    for (const d of deps_) if (plan.process.includes(d.obj) && d.obj.metadata?.uid) queue.add(d.obj.metadata.uid);
    if (plan.removeFinalizer) {
      log.info('removing finalizer', { kind: e.ref.kind, name: e.obj.metadata?.name, finalizer: plan.removeFinalizer });
      await removeFinalizer(e, plan.removeFinalizer);
      return;
    }
    return { requeueAfterMs: waitRequeueMs };
  };

  const processDependent = async (uid: string, e: Entry): Promise<ReconcileResult> => {
    const o = e.obj;
    const states = new Map<string, OwnerState>();
    for (const r of o.metadata?.ownerReferences ?? []) {
      const cached = byUid.get(r.uid);
      states.set(r.uid, cached ? stateOfOwner(cached.obj) : await liveOwnerState(o, r));
    }
    const action = decideDependent(o, states, dependentsOf(uid).length > 0);
    if (action.kind === 'none') return;
    // Re-check against the live object: the cache may be behind (e.g. refs already changed).
    const live = await client.tryGet<KubeObject>(e.ref, o.metadata?.name ?? '', o.metadata?.namespace);
    if (!live || live.metadata?.uid !== uid) return;
    if (JSON.stringify(live.metadata?.ownerReferences ?? []) !== JSON.stringify(o.metadata?.ownerReferences ?? [])) {
      queue.add(uid);
      return;
    }
    if (action.kind === 'removeOwnerRefs') {
      log.info('removing dangling owner references', { kind: e.ref.kind, name: o.metadata?.name, owners: action.uids });
      await removeRefs({ ref: e.ref, obj: live }, action.uids);
      return;
    }
    log.info('deleting dependent', { kind: e.ref.kind, namespace: o.metadata?.namespace, name: o.metadata?.name, policy: action.policy });
    try {
      await client.delete(e.ref, o.metadata?.name ?? '', o.metadata?.namespace, { propagationPolicy: action.policy, preconditions: { uid } });
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return;
      throw err;
    }
  };

  const reconcile = async (uid: string): Promise<ReconcileResult> => {
    const e = byUid.get(uid);
    if (!e) return;
    if (e.obj.metadata?.deletionTimestamp) return processOwner(uid, e);
    return processDependent(uid, e);
  };

  return { reconcile, queue };
}

/**
 * Starts the garbage collector: registers informers now, runs workers
 * (default 5) once the informer factory has synced, until `signal` aborts.
 */
export function startGarbageCollector(deps: ControllerDeps, signal: AbortSignal, opts: GarbageCollectorOptions = {}): void {
  const gc = createGarbageCollector(deps, opts);
  runWhenSynced(deps, 'garbage collector', gc, opts.workers ?? 5, signal);
}
