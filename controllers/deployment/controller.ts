/**
 * The Deployment controller (kubernetes pkg/controller/deployment): owns
 * ReplicaSets named `<deploy>-<pod-template-hash>`, rolls template changes
 * out with RollingUpdate (maxSurge/maxUnavailable) or Recreate, resizes
 * proportionally on scaling, prunes history beyond revisionHistoryLimit and
 * writes status/conditions that `kubectl rollout status` waits on.
 * Handlers enqueue 'namespace/name'; `reconcile` re-reads the caches.
 */
import type { Pod } from 'kubernetes-types/core/v1';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1';
import type { OwnerReference } from 'kubernetes-types/meta/v1';
import type { ControllerDeps } from '../deps.ts';
import { runWhenSynced } from '../run.ts';
import type { WorkQueue } from '../../apiserver/client/informer-types.ts';
import { Deployments, Pods, ReplicaSets } from '../../apiserver/client/resources.ts';
import { isAlreadyExists, isNotFound } from '../../apiserver/client/types.ts';
import { createWorkQueue } from '../../apiserver/client/workqueue.ts';
import type { ReconcileResult } from '../../apiserver/client/controller.ts';
import { planClaims } from '../replicaset/claim.ts';
import { adopt, BY_NAMESPACE, namespaceIndex, release, withKind } from '../replicaset/ownership.ts';
import { controllerRef, newControllerRef } from '../../apiserver/api/owner-references.ts';
import { selectorIsEmpty, selectorMatches } from '../../apiserver/api/label-selector.ts';
import { POD_TEMPLATE_HASH, podTemplateHash, templatesEqualIgnoringHash } from './hash.ts';
import { isScalingEvent, newRSReplicas, planCleanup, planRecreate, planRollout, planScale } from './rollout.ts';
import { computeDeploymentStatus, deploymentComplete, deploymentStatusChanged, msUntilDeadline, type NewRSEvent } from './status.ts';
import {
  DESIRED_REPLICAS, desiredReplicas, intAnnotation, isRollingUpdate, MAX_REPLICAS, maxSurge, NOT_COPIED, REVISION, revisionOf, specReplicas,
} from './util.ts';

/** Index of pods by the uid of their controller (used for Recreate's "old pods gone" check). */
export const BY_CONTROLLER_UID = 'by-controller-uid';

/** Options for tests: clock (ms since epoch) and worker count. */
export interface DeploymentControllerOptions {
  now?: () => number;
  workers?: number;
}

/** A created (not yet running) Deployment controller. */
export interface DeploymentController {
  /** Level-based sync of one Deployment by 'namespace/name'; throws to be retried with backoff. */
  reconcile(key: string): Promise<ReconcileResult>;
  readonly queue: WorkQueue<string>;
}

const keyOf = (ns: string | undefined, name: string | undefined): string => `${ns ?? ''}/${name ?? ''}`;

/** State of one sync: the deployment and its RSes as last written by us. */
interface SyncCtx {
  d: Deployment;
  newRS?: ReplicaSet;
  old: ReplicaSet[];
  event: NewRSEvent;
}

/** The controller owner reference a Deployment puts on its ReplicaSets. */
export function ownerRefToDeployment(d: Deployment): OwnerReference {
  return newControllerRef(d, 'apps/v1', 'Deployment');
}

/**
 * The new ReplicaSet for `d` (not yet created): name `<deploy>-<hash>`,
 * pod-template-hash in labels, selector and template labels, the
 * deployment's annotations (minus rollout bookkeeping) plus revision,
 * desired-replicas and max-replicas.
 */
export function newReplicaSetFor(d: Deployment, hash: string, replicas: number, revision: number): ReplicaSet {
  const tpl = structuredClone(d.spec?.template ?? {});
  tpl.metadata = { ...(tpl.metadata ?? {}), labels: { ...(tpl.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash } };
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) if (!NOT_COPIED.has(k)) annotations[k] = v;
  annotations[REVISION] = String(revision);
  annotations[DESIRED_REPLICAS] = String(desiredReplicas(d));
  annotations[MAX_REPLICAS] = String(desiredReplicas(d) + maxSurge(d));
  const sel = d.spec?.selector ?? {};
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${d.metadata?.name ?? ''}-${hash}`,
      namespace: d.metadata?.namespace,
      labels: { ...(tpl.metadata.labels ?? {}) },
      annotations,
      ownerReferences: [ownerRefToDeployment(d)],
    },
    spec: {
      replicas,
      minReadySeconds: d.spec?.minReadySeconds ?? 0,
      selector: { ...sel, matchLabels: { ...(sel.matchLabels ?? {}), [POD_TEMPLATE_HASH]: hash } },
      template: tpl,
    },
  };
}

/** Splits the deployment's RSes into the one matching its current template (oldest such first) and the rest. */
export function splitReplicaSets(d: Deployment, rses: ReplicaSet[], hash: string): { newRS?: ReplicaSet; old: ReplicaSet[] } {
  const sorted = [...rses].sort((a, b) => (a.metadata?.creationTimestamp ?? '').localeCompare(b.metadata?.creationTimestamp ?? ''));
  const newRS = sorted.find((r) => r.metadata?.labels?.[POD_TEMPLATE_HASH] === hash && templatesEqualIgnoringHash(r.spec?.template, d.spec?.template))
    ?? sorted.find((r) => templatesEqualIgnoringHash(r.spec?.template, d.spec?.template))
    ?? sorted.find((r) => r.metadata?.name === `${d.metadata?.name ?? ''}-${hash}` && r.metadata?.labels?.[POD_TEMPLATE_HASH] === hash);
  return { newRS, old: rses.filter((r) => r !== newRS) };
}

/**
 * Registers the Deployment, ReplicaSet and Pod informers (indexes by
 * namespace and pod controller uid) and handlers; does not start anything.
 */
export function createDeploymentController(deps: ControllerDeps, opts: DeploymentControllerOptions = {}): DeploymentController {
  const now = opts.now ?? Date.now;
  const { client, recorder, log } = deps;
  const dInf = deps.informers.for<Deployment>(Deployments);
  const rsInf = deps.informers.for<ReplicaSet>(ReplicaSets);
  const podInf = deps.informers.for<Pod>(Pods);
  dInf.addIndex(BY_NAMESPACE, namespaceIndex);
  rsInf.addIndex(BY_NAMESPACE, namespaceIndex);
  podInf.addIndex(BY_CONTROLLER_UID, (p) => {
    const r = controllerRef(p.metadata);
    return r ? [r.uid] : [];
  });
  const queue = createWorkQueue<string>({ metrics: deps.queueMetrics?.forQueue('deployment') });
  const enqueue = (d: Deployment): void => queue.add(keyOf(d.metadata?.namespace, d.metadata?.name));

  const ownerOf = (rs: ReplicaSet): Deployment | undefined => {
    const ref = controllerRef(rs.metadata);
    if (!ref || ref.kind !== 'Deployment') return undefined;
    const d = dInf.get(keyOf(rs.metadata?.namespace, ref.name));
    return d && d.metadata?.uid === ref.uid ? d : undefined;
  };
  const rsChanged = (rs: ReplicaSet): void => {
    const d = ownerOf(rs);
    if (d) return enqueue(d);
    if (controllerRef(rs.metadata)) return;
    for (const m of dInf.byIndex(BY_NAMESPACE, rs.metadata?.namespace ?? '')) {
      if (selectorMatches(m.spec?.selector, rs.metadata?.labels)) enqueue(m);
    }
  };
  dInf.addHandlers({ onAdd: enqueue, onUpdate: (_o, n) => enqueue(n), onDelete: enqueue });
  rsInf.addHandlers({
    onAdd: rsChanged,
    onUpdate: (o, n) => {
      const a = ownerOf(o);
      if (a && controllerRef(n.metadata)?.uid !== a.metadata?.uid) enqueue(a);
      rsChanged(n);
    },
    onDelete: rsChanged,
  });
  podInf.addHandlers({
    onDelete: (pod) => {
      const ref = controllerRef(pod.metadata);
      if (!ref || ref.kind !== 'ReplicaSet') return;
      const rs = rsInf.get(keyOf(pod.metadata?.namespace, ref.name));
      const d = rs && rs.metadata?.uid === ref.uid ? ownerOf(rs) : undefined;
      if (d && !isRollingUpdate(d)) enqueue(d);
    },
  });

  const claimReplicaSets = async (d: Deployment): Promise<ReplicaSet[]> => {
    const candidates = rsInf.byIndex(BY_NAMESPACE, d.metadata?.namespace ?? '');
    const plan = planClaims(d, d.spec?.selector, candidates);
    const owned = [...plan.owned];
    if (plan.adopt.length > 0) {
      const fresh = await client.tryGet<Deployment>(Deployments, d.metadata?.name ?? '', d.metadata?.namespace);
      if (fresh && fresh.metadata?.uid === d.metadata?.uid && !fresh.metadata?.deletionTimestamp) {
        for (const rs of plan.adopt) {
          const got = await adopt(client, ReplicaSets, rs, ownerRefToDeployment(d));
          if (got) owned.push(got);
        }
      }
    }
    for (const rs of plan.release) await release(client, ReplicaSets, rs, d.metadata?.uid ?? '');
    return owned;
  };

  /** Resizes `rs` to `to` and refreshes its replica annotations; records ScalingReplicaSet. */
  const scaleRS = async (ctx: SyncCtx, rs: ReplicaSet, to: number): Promise<ReplicaSet> => {
    const from = specReplicas(rs);
    const want = desiredReplicas(ctx.d);
    const wantMax = want + maxSurge(ctx.d);
    if (from === to && intAnnotation(rs, DESIRED_REPLICAS) === want && intAnnotation(rs, MAX_REPLICAS) === wantMax) return rs;
    const updated = await client.patch<ReplicaSet>(ReplicaSets, rs.metadata?.name ?? '', 'merge', {
      metadata: { resourceVersion: rs.metadata?.resourceVersion, annotations: { [DESIRED_REPLICAS]: String(want), [MAX_REPLICAS]: String(wantMax) } },
      spec: { replicas: to },
    }, rs.metadata?.namespace);
    if (from !== to) {
      recorder.event(withKind(ctx.d, Deployments), 'Normal', 'ScalingReplicaSet', `Scaled ${to > from ? 'up' : 'down'} replica set ${rs.metadata?.name ?? ''} to ${to} from ${from}`);
    }
    if (ctx.newRS === rs) ctx.newRS = updated;
    else ctx.old = ctx.old.map((r) => (r === rs ? updated : r));
    return updated;
  };

  /** Finds (syncing its annotations) or creates the new RS; false when a hash collision was recorded instead. */
  const ensureNewRS = async (ctx: SyncCtx, hash: string, create: boolean, replicas: () => number): Promise<boolean> => {
    const revision = ctx.old.reduce((m, r) => Math.max(m, revisionOf(r)), 0) + 1;
    const d = ctx.d;
    if (ctx.newRS) {
      const rs = ctx.newRS;
      const ann = rs.metadata?.annotations ?? {};
      const patchAnn: Record<string, string> = {};
      if (revisionOf(rs) < revision) patchAnn[REVISION] = String(revision);
      if (ann[DESIRED_REPLICAS] === undefined) patchAnn[DESIRED_REPLICAS] = String(desiredReplicas(d));
      if (ann[MAX_REPLICAS] === undefined) patchAnn[MAX_REPLICAS] = String(desiredReplicas(d) + maxSurge(d));
      const minReady = d.spec?.minReadySeconds ?? 0;
      const minReadyDiffers = (rs.spec?.minReadySeconds ?? 0) !== minReady;
      if (Object.keys(patchAnn).length > 0 || minReadyDiffers) {
        ctx.newRS = await client.patch<ReplicaSet>(ReplicaSets, rs.metadata?.name ?? '', 'merge', {
          metadata: { resourceVersion: rs.metadata?.resourceVersion, annotations: patchAnn },
          ...(minReadyDiffers ? { spec: { minReadySeconds: minReady } } : {}),
        }, rs.metadata?.namespace);
      }
      ctx.event = 'found';
    } else if (create) {
      const n = replicas();
      const want = newReplicaSetFor(d, hash, n, revision);
      try {
        ctx.newRS = await client.create<ReplicaSet>(ReplicaSets, want, d.metadata?.namespace);
        ctx.event = 'created';
        if (n > 0) recorder.event(withKind(d, Deployments), 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${want.metadata?.name ?? ''} to ${n} from 0`);
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
        const existing = await client.get<ReplicaSet>(ReplicaSets, want.metadata?.name ?? '', d.metadata?.namespace);
        const ours = controllerRef(existing.metadata)?.uid === d.metadata?.uid;
        const sameHash = existing.metadata?.labels?.[POD_TEMPLATE_HASH] === hash;
        if (ours && (sameHash || templatesEqualIgnoringHash(existing.spec?.template, d.spec?.template))) {
          // Our cache lagged behind our own create.
          ctx.newRS = existing;
          ctx.event = 'found';
        } else {
          const count = (d.status?.collisionCount ?? 0) + 1;
          log.warn('pod-template-hash collision', { deployment: d.metadata?.name, rs: existing.metadata?.name, collisionCount: count });
          ctx.d = { ...d, status: { ...(d.status ?? {}), collisionCount: count } };
          await client.updateStatus<Deployment>(Deployments, ctx.d, d.metadata?.namespace);
          return false;
        }
      }
    } else {
      return true;
    }
    if (d.metadata?.annotations?.[REVISION] !== String(revisionOf(ctx.newRS))) {
      ctx.d = await client.patch<Deployment>(Deployments, d.metadata?.name ?? '', 'merge',
        { metadata: { annotations: { [REVISION]: String(revisionOf(ctx.newRS)) } } }, d.metadata?.namespace);
    }
    return true;
  };

  const oldPodsLeft = (old: ReplicaSet[]): number => {
    let n = 0;
    for (const rs of old) {
      for (const p of podInf.byIndex(BY_CONTROLLER_UID, rs.metadata?.uid ?? '')) {
        if (p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded') n += 1;
      }
    }
    return n;
  };

  const cleanup = async (ctx: SyncCtx): Promise<void> => {
    for (const rs of planCleanup(ctx.d, ctx.old)) {
      try {
        await client.delete(ReplicaSets, rs.metadata?.name ?? '', rs.metadata?.namespace, { preconditions: { uid: rs.metadata?.uid } });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
  };

  const writeStatus = async (ctx: SyncCtx): Promise<ReconcileResult> => {
    const all = [...(ctx.newRS ? [ctx.newRS] : []), ...ctx.old];
    const t = now();
    const status = computeDeploymentStatus(ctx.d, ctx.newRS, all, t, ctx.event);
    if (deploymentStatusChanged(ctx.d.status, status)) {
      ctx.d = await client.updateStatus<Deployment>(Deployments, { ...ctx.d, status }, ctx.d.metadata?.namespace);
    }
    const wait = msUntilDeadline(ctx.d, status, t);
    return wait === undefined ? undefined : { requeueAfterMs: wait };
  };

  const reconcile = async (key: string): Promise<ReconcileResult> => {
    const cached = dInf.get(key);
    if (!cached) return;
    const d = structuredClone(cached);
    if (selectorIsEmpty(d.spec?.selector)) {
      recorder.event(withKind(d, Deployments), 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) {
        await client.updateStatus<Deployment>(Deployments, { ...d, status: { ...(d.status ?? {}), observedGeneration: d.metadata?.generation } }, d.metadata?.namespace);
      }
      return;
    }
    const rses = await claimReplicaSets(d);
    const hash = podTemplateHash(d.spec?.template, d.status?.collisionCount);
    const ctx: SyncCtx = { d, ...splitReplicaSets(d, rses, hash), event: undefined };
    if (d.metadata?.deletionTimestamp) return writeStatus(ctx);

    if (d.spec?.paused || isScalingEvent(d, ctx.newRS, ctx.old)) {
      if (!(await ensureNewRS(ctx, hash, false, () => 0))) return;
      const plan = new Map(planScale(ctx.d, ctx.newRS, ctx.old).map((s) => [s.rs, s.to] as const));
      for (const rs of [...(ctx.newRS ? [ctx.newRS] : []), ...ctx.old]) {
        if (specReplicas(rs) > 0 || plan.has(rs)) await scaleRS(ctx, rs, plan.get(rs) ?? specReplicas(rs));
      }
      return writeStatus(ctx);
    }

    if (!isRollingUpdate(d)) {
      if (!(await ensureNewRS(ctx, hash, false, () => 0))) return;
      const step = planRecreate(ctx.d, ctx.newRS, ctx.old, oldPodsLeft(ctx.old));
      switch (step.kind) {
        case 'scaleOld':
          for (const s of step.steps) await scaleRS(ctx, s.rs, s.to);
          break;
        case 'createNew':
          if (!(await ensureNewRS(ctx, hash, true, () => step.replicas))) return;
          break;
        case 'scaleNew':
          if (ctx.newRS) await scaleRS(ctx, ctx.newRS, step.to);
          break;
        case 'waitOldPods':
          break;
        case 'none':
          break;
      }
      return finish(ctx);
    }

    if (!(await ensureNewRS(ctx, hash, true, () => newRSReplicas(ctx.d, ctx.old, 0)))) return;
    const plan = planRollout(ctx.d, ctx.newRS, ctx.old);
    if (plan.scaleNewTo !== undefined && ctx.newRS) await scaleRS(ctx, ctx.newRS, plan.scaleNewTo);
    else for (const s of plan.scaleOld) await scaleRS(ctx, s.rs, s.to);
    return finish(ctx);
  };

  const finish = async (ctx: SyncCtx): Promise<ReconcileResult> => {
    const all = [...(ctx.newRS ? [ctx.newRS] : []), ...ctx.old];
    const status = computeDeploymentStatus(ctx.d, ctx.newRS, all, now(), ctx.event);
    if (deploymentComplete(ctx.d, status)) await cleanup(ctx);
    return writeStatus(ctx);
  };

  return { reconcile, queue };
}

/**
 * Starts the Deployment controller: registers informers now, runs workers
 * (default 5) once the informer factory has synced, until `signal` aborts.
 */
export function startDeploymentController(deps: ControllerDeps, signal: AbortSignal, opts: DeploymentControllerOptions = {}): void {
  const c = createDeploymentController(deps, opts);
  runWhenSynced(deps, 'deployment controller', c, opts.workers ?? 5, signal);
}
