/**
 * The Job controller (kube-controller-manager's job controller,
 * pkg/controller/job): one informer each on Jobs and Pods, one work queue
 * keyed 'namespace/name'. `reconcile` re-reads the Job and its pods from the
 * caches, claims pods by the Job's selector (adopt orphans, release
 * mismatches), asks `decideJob` for the plan, creates/deletes pods (guarded
 * by expectations so a lagging cache never duplicates), writes the status
 * through jobs/status and records events. Safe to run twice.
 */
import type { Job } from 'kubernetes-types/batch/v1';
import type { Pod } from 'kubernetes-types/core/v1';
import type { OwnerReference } from 'kubernetes-types/meta/v1';
import type { ControllerDeps } from '../deps.ts';
import { runWhenSynced } from '../run.ts';
import type { WorkQueue } from '../../apiserver/client/informer-types.ts';
import { Jobs, Pods } from '../../apiserver/client/resources.ts';
import { isNotFound } from '../../apiserver/client/types.ts';
import { createWorkQueue } from '../../apiserver/client/workqueue.ts';
import type { ReconcileResult } from '../../apiserver/client/controller.ts';
import { controllerRef, newControllerRef } from '../../apiserver/api/owner-references.ts';
import { selectorMatches } from '../../apiserver/api/label-selector.ts';
import { Expectations, EXPECTATIONS_TTL_MS } from '../replicaset/expectations.ts';
import { planClaims } from '../replicaset/claim.ts';
import { adopt, BY_NAMESPACE, namespaceIndex, release, withKind } from '../replicaset/ownership.ts';
import { PodControl, nsNameKey as keyOf } from '../replicaset/podcontrol.ts';
import { decideJob, jobStatusChanged } from './decide.ts';

/** Options for tests: clock (ms since epoch), worker count. */
export interface JobControllerOptions {
  now?: () => number;
  workers?: number;
}

/** A created (not yet running) Job controller. */
export interface JobController {
  /** Level-based sync of one Job by 'namespace/name'. Throws to be retried with backoff. */
  reconcile(key: string): Promise<ReconcileResult>;
  readonly queue: WorkQueue<string>;
  readonly expectations: Expectations;
}


/** The controller owner reference a Job puts on its pods. */
export function ownerRefToJob(job: Job): OwnerReference {
  return newControllerRef(job, 'batch/v1', 'Job');
}

/**
 * The pod a Job creates (kube's GetPodFromTemplate): generateName
 * '<job-name>-', the template's labels, annotations, finalizers and spec,
 * and the controller owner reference (controller and blockOwnerDeletion true).
 */
export function podFromJob(job: Job): Pod {
  const t = job.spec?.template;
  const meta: NonNullable<Pod['metadata']> = {
    generateName: `${job.metadata?.name ?? ''}-`,
    namespace: job.metadata?.namespace,
    ownerReferences: [ownerRefToJob(job)],
  };
  if (t?.metadata?.labels) meta.labels = { ...t.metadata.labels };
  if (t?.metadata?.annotations) meta.annotations = { ...t.metadata.annotations };
  if (t?.metadata?.finalizers) meta.finalizers = [...t.metadata.finalizers];
  return { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec: structuredClone(t?.spec ?? { containers: [] }) };
}

/**
 * Registers the Job and Pod informers (by-namespace index) and their
 * handlers on `deps.informers`; starts nothing. Call before `deps.informers.start`.
 */
export function createJobController(deps: ControllerDeps, opts: JobControllerOptions = {}): JobController {
  const now = opts.now ?? Date.now;
  const jobInf = deps.informers.for<Job>(Jobs);
  const podInf = deps.informers.for<Pod>(Pods);
  jobInf.addIndex(BY_NAMESPACE, namespaceIndex);
  podInf.addIndex(BY_NAMESPACE, namespaceIndex);
  const queue = createWorkQueue<string>({ metrics: deps.queueMetrics?.forQueue('job') });
  const expectations = new Expectations(now);
  const enqueue = (job: Job): void => queue.add(keyOf(job.metadata?.namespace, job.metadata?.name));

  const ownerOf = (pod: Pod): Job | undefined => {
    const ref = controllerRef(pod.metadata);
    if (!ref || ref.kind !== 'Job') return undefined;
    const job = jobInf.get(keyOf(pod.metadata?.namespace, ref.name));
    return job && job.metadata?.uid === ref.uid ? job : undefined;
  };
  const matching = (pod: Pod): Job[] =>
    jobInf.byIndex(BY_NAMESPACE, pod.metadata?.namespace ?? '').filter((j) => selectorMatches(j.spec?.selector, pod.metadata?.labels));
  const podGone = (pod: Pod): void => {
    const job = ownerOf(pod);
    if (!job) return;
    const k = keyOf(job.metadata?.namespace, job.metadata?.name);
    expectations.deletionObserved(k, keyOf(pod.metadata?.namespace, pod.metadata?.name));
    queue.add(k);
  };

  jobInf.addHandlers({
    onAdd: enqueue,
    onUpdate: (_o, n) => enqueue(n),
    onDelete: (job) => {
      const k = keyOf(job.metadata?.namespace, job.metadata?.name);
      expectations.delete(k);
      queue.add(k);
    },
  });
  podInf.addHandlers({
    onAdd: (pod) => {
      const job = ownerOf(pod);
      if (job) {
        const k = keyOf(job.metadata?.namespace, job.metadata?.name);
        if (pod.metadata?.deletionTimestamp) expectations.deletionObserved(k, keyOf(pod.metadata?.namespace, pod.metadata?.name));
        else expectations.creationObserved(k);
        queue.add(k);
      } else if (!controllerRef(pod.metadata)) {
        for (const j of matching(pod)) enqueue(j);
      }
    },
    onUpdate: (oldPod, pod) => {
      if (pod.metadata?.deletionTimestamp && !oldPod.metadata?.deletionTimestamp) podGone(pod);
      const oldJob = ownerOf(oldPod);
      if (oldJob) enqueue(oldJob);
      const job = ownerOf(pod);
      if (job) enqueue(job);
      else if (!controllerRef(pod.metadata)) for (const j of matching(pod)) enqueue(j);
    },
    onDelete: podGone,
  });

  const podControl = new PodControl({ client: deps.client, recorder: deps.recorder, expectations }, Jobs);

  /** The pods the Job controls after adopting matching orphans and releasing mismatches (kube ClaimPods). */
  const claimPods = async (job: Job): Promise<Pod[]> => {
    const plan = planClaims(job, job.spec?.selector, podInf.byIndex(BY_NAMESPACE, job.metadata?.namespace ?? ''));
    const owned = [...plan.owned];
    if (plan.adopt.length > 0) {
      const fresh = await deps.client.tryGet<Job>(Jobs, job.metadata?.name ?? '', job.metadata?.namespace);
      if (fresh && fresh.metadata?.uid === job.metadata?.uid && !fresh.metadata?.deletionTimestamp) {
        for (const p of plan.adopt) {
          const patched = await adopt(deps.client, Pods, p, ownerRefToJob(job));
          if (patched) owned.push(patched);
        }
      }
    }
    for (const p of plan.release) await release(deps.client, Pods, p, job.metadata?.uid ?? '');
    return owned;
  };

  const reconcile = async (key: string): Promise<ReconcileResult> => {
    const job = jobInf.get(key);
    if (!job) {
      expectations.delete(key);
      return;
    }
    if (job.metadata?.deletionTimestamp) return;
    const satisfied = expectations.satisfied(key);
    const pods = await claimPods(job);
    const plan = decideJob(job, pods, now());
    if (satisfied) {
      if (plan.create > 0) await podControl.createPods(job, key, plan.create, () => podFromJob(job));
      if (plan.delete.length > 0) await podControl.deletePods(job, key, plan.delete);
    }
    if (jobStatusChanged(job.status, plan.status)) {
      try {
        await deps.client.updateStatus<Job>(Jobs, { ...job, status: plan.status }, job.metadata?.namespace);
      } catch (e) {
        // A Job deleted meanwhile needs nothing more; a conflict (stale cache) is retried with backoff from the newer Job.
        if (isNotFound(e)) return;
        throw e;
      }
      for (const [type, reason, message] of plan.events) deps.recorder.event(withKind(job, Jobs), type, reason, message);
    }
    let wait = plan.requeueAfterMs;
    if (!satisfied) wait = Math.min(wait ?? Infinity, EXPECTATIONS_TTL_MS + 1000);
    return wait === undefined ? undefined : { requeueAfterMs: wait };
  };

  return { reconcile, queue, expectations };
}

/**
 * Starts the Job controller: registers informers now, runs workers (default
 * 5, kube's --concurrent-job-syncs) once the informer factory has synced,
 * until `signal` aborts.
 */
export function startJobController(deps: ControllerDeps, signal: AbortSignal, opts: JobControllerOptions = {}): void {
  const c = createJobController(deps, opts);
  runWhenSynced(deps, 'job controller', c, opts.workers ?? 5, signal);
}
