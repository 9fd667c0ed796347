/**
 * The kubelet's pod lifecycle for one node: watches the node's pods, runs one
 * worker per pod uid (sync → terminating → terminated), relists the runtime
 * every second (PLEG) and reports statuses through the StatusManager.
 * Pods are matched to CRI objects only by the io.kubernetes.pod.uid label, so
 * a restarted kubelet adopts what is running and never duplicates it.
 * Each pod's first transition to Running is reported to the optional
 * metrics sink (kubelet_pod_start_duration_seconds), once per uid, and every
 * sync of a pod that finished without error is reported with its operation
 * (kubelet_pod_worker_duration_seconds): after a restart, a `create` count of
 * at least one says the new instance has adopted (or recreated) the pod.
 */
import type { Pod, Service } from 'kubernetes-types/core/v1';
import type { Clock, EventRecorder, Informer } from '../../apiserver/client/informer-types.ts';
import type { Logger } from '../../apiserver/api/log.ts';
import { Pods } from '../../apiserver/client/resources.ts';
import { isConflict, isNotFound, type ApiClient } from '../../apiserver/client/types.ts';
import type { CriRuntime, DNSConfig } from '../cri/types.ts';
import type { KubeletMetricsSink, PodSyncOperation, RuntimeCounts } from '../metrics.ts';
import { ProbeManager, type ProbeManagerOptions } from '../prober/manager.ts';
import { computePodStatus } from '../status/compute.ts';
import { StatusManager } from '../status/manager.ts';
import { Backoff } from './backoff.ts';
import { rotateLogs } from './log-rotation.ts';
import { Pleg } from './pleg.ts';
import { readPodRuntimeState } from './runtime-state.ts';
import { gracePeriodSeconds, killPod, removePod, syncPod, type SyncDeps } from './sync.ts';
import type { TokenManager } from './projected.ts';
import { PodWorkers } from './workers.ts';

/** Dependencies of the PodManager. */
export interface PodManagerOptions {
  client: ApiClient;
  /** Informer on pods with fieldSelector spec.nodeName=<node>. */
  pods: Informer<Pod>;
  /** Informer on all Services (service env vars); optional. */
  services?: Informer<Service>;
  runtime: CriRuntime;
  recorder: EventRecorder;
  log: Logger;
  clock: Clock;
  nodeName: string;
  hostIP: string;
  rootDir: string;
  dns: DNSConfig;
  /** kubelet --cluster-dns / --cluster-domain (SyncDeps; pods/dns.ts). */
  clusterDNS?: string[];
  clusterDomain?: string;
  manageCgroups: boolean;
  /** Relist period, ms (default 1000). */
  relistMs?: number;
  /** Period of the full resync of known pods, ms (default 10 000). */
  resyncMs?: number;
  /** One probe attempt (ProbeManagerOptions.runProbe; default the real prober). */
  runProbe?: ProbeManagerOptions['runProbe'];
  /** ServiceAccount tokens for projected volumes (forgotten with the pod); without it projected volumes are skipped (SyncDeps.tokens). */
  tokens?: TokenManager;
  /** Receives pod start durations (kubelet/metrics.ts; default: none). */
  metrics?: KubeletMetricsSink;
}

const terminalPhase = (p: string | undefined): boolean => p === 'Succeeded' || p === 'Failed';

/** See file comment. */
export class PodManager {
  readonly statuses: StatusManager;
  readonly workers: PodWorkers;
  readonly probes: ProbeManager;
  private readonly desired = new Map<string, Pod>();
  private readonly lastKnown = new Map<string, Pod>();
  /** uid → when this kubelet first saw the pod (clock ms), until it runs (kube's config.seen annotation). */
  private readonly firstSeen = new Map<string, number>();
  /** uids already Running (start observed, or Running before this kubelet saw them): never observed again. */
  private readonly started = new Set<string>();
  private readonly deps: SyncDeps;
  private readonly pleg: Pleg;
  private synced = false;

  constructor(private readonly o: PodManagerOptions) {
    this.statuses = new StatusManager(o.client, o.log.child('status'));
    this.workers = new PodWorkers((uid) => this.syncUid(uid), o.clock, o.log.child('workers'));
    this.pleg = new Pleg(o.runtime);
    this.probes = new ProbeManager({ runtime: o.runtime, recorder: o.recorder, log: o.log.child('prober'), clock: o.clock, onChange: (uid) => this.workers.kick(uid, true), ...(o.runProbe ? { runProbe: o.runProbe } : {}) });
    const now = (): number => o.clock.now();
    this.deps = {
      runtime: o.runtime, client: o.client, services: o.services ? () => o.services?.list() ?? [] : undefined, recorder: o.recorder, log: o.log, rootDir: o.rootDir, nodeName: o.nodeName, hostIP: o.hostIP, dns: o.dns, clusterDNS: o.clusterDNS, clusterDomain: o.clusterDomain,
      crashBackoff: new Backoff(10_000, 300_000, now), pullBackoff: new Backoff(10_000, 300_000, now), manageCgroups: o.manageCgroups, now,
      ...(o.tokens ? { tokens: o.tokens.get } : {}),
    };
    o.pods.addHandlers({
      onAdd: (p) => this.observe(p),
      onUpdate: (_old, p) => this.observe(p),
      onDelete: (p) => {
        const uid = p.metadata?.uid ?? '';
        this.desired.delete(uid);
        this.lastKnown.set(uid, p);
        this.workers.kick(uid, true);
      },
    });
  }

  private observe(p: Pod): void {
    const uid = p.metadata?.uid ?? '';
    if (!this.started.has(uid) && !this.firstSeen.has(uid)) this.firstSeen.set(uid, this.o.clock.now());
    this.desired.set(uid, p);
    this.lastKnown.set(uid, p);
    this.workers.kick(uid, true);
  }

  /** Running pods and containers per state at the last relist (kubelet_running_pods / kubelet_running_containers). */
  runtimeCounts(): RuntimeCounts {
    return this.pleg.counts();
  }

  /**
   * Observes kubelet_pod_start_duration_seconds once per pod: when a status
   * computed from Pending (or no phase) is Running. A pod already Running or
   * finished when first synced (e.g. after a kubelet restart) is not observed.
   */
  private recordStart(uid: string, before: string | undefined, after: string | undefined): void {
    if (this.started.has(uid) || (after !== 'Running' && !terminalPhase(after))) return;
    this.started.add(uid);
    const seen = this.firstSeen.get(uid);
    this.firstSeen.delete(uid);
    if (after === 'Running' && (before === undefined || before === 'Pending') && seen !== undefined) this.o.metrics?.podStarted((this.o.clock.now() - seen) / 1000);
  }

  /** Starts relisting and resyncing until `signal` aborts; call after the informer is started. Resolves when stopped. */
  async run(signal: AbortSignal): Promise<void> {
    void Promise.all([this.o.pods.synced(), this.o.services?.synced()]).then(() => {
      this.synced = true;
      for (const uid of new Set([...this.desired.keys(), ...this.pleg.knownUids()])) this.workers.kick(uid, true);
    });
    const relistMs = this.o.relistMs ?? 1000;
    const resyncMs = this.o.resyncMs ?? 10_000;
    let lastResync = this.o.clock.now();
    while (!signal.aborted) {
      try {
        for (const uid of await this.pleg.relist()) this.workers.kick(uid);
      } catch (e) {
        this.o.log.warn('relist failed', { error: e });
      }
      if (this.o.clock.now() - lastResync >= resyncMs) {
        lastResync = this.o.clock.now();
        for (const uid of this.desired.keys()) this.workers.kick(uid);
        void this.statuses.resync();
        void rotateLogs(this.o.runtime, this.o.log, this.o.clock.now());
      }
      await new Promise<void>((resolve) => {
        if (signal.aborted) return resolve();
        const onAbort = (): void => { t.cancel(); resolve(); };
        const t = this.o.clock.setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(); }, relistMs);
        signal.addEventListener('abort', onAbort, { once: true });
      });
    }
    await this.workers.stop();
    this.probes.stop();
  }

  /**
   * One sync of pod `uid` (the worker body). When it finishes without error
   * and did something (not before the informer synced, not for an unknown uid
   * with nothing in the runtime), its duration goes to the metrics sink as
   * `kill` (teardown), `create` (first status this kubelet instance sets for
   * the uid) or `sync`. Throws what the sync throws (the worker retries).
   */
  async syncUid(uid: string): Promise<{ requeueAfterMs?: number } | void> {
    const start = this.o.clock.now();
    const first = this.statuses.get(uid) === undefined;
    const { operation, result } = await this.syncOnce(uid);
    if (operation) this.o.metrics?.podSynced(operation === 'sync' && first ? 'create' : operation, (this.o.clock.now() - start) / 1000);
    return result;
  }

  /** The body of syncUid; `operation` is unset when nothing was synced. */
  private async syncOnce(uid: string): Promise<{ operation?: PodSyncOperation; result?: { requeueAfterMs?: number } }> {
    const d = this.deps;
    // Nothing happens before the pod informer has synced: an unsynced cache would make running pods look orphaned.
    if (!this.synced) return {};
    const state = await readPodRuntimeState(this.o.runtime, uid);
    // Read the pod after the runtime, so the decision uses the newest cache.
    const pod = this.desired.get(uid);
    const empty = state.sandboxes.length === 0 && state.containers.length === 0;

    if (!pod) {
      if (empty) {
        this.forget(uid);
        return {};
      }
      const last = this.lastKnown.get(uid);
      this.o.log.info('tearing down pod not in the API', { uid, pod: last ? `${last.metadata?.namespace}/${last.metadata?.name}` : undefined });
      await killPod(d, last, state, Math.min(gracePeriodSeconds(last), 2));
      await removePod(d, await readPodRuntimeState(this.o.runtime, uid), last);
      this.forget(uid);
      return { operation: 'kill' };
    }

    if (pod.metadata?.deletionTimestamp) {
      this.probes.remove(uid);
      await killPod(d, pod, state, gracePeriodSeconds(pod));
      await removePod(d, await readPodRuntimeState(this.o.runtime, uid), pod);
      try {
        await this.o.client.delete(Pods, pod.metadata.name ?? '', pod.metadata.namespace, { gracePeriodSeconds: 0, preconditions: { uid } });
        this.o.log.info('pod deleted', { pod: `${pod.metadata.namespace}/${pod.metadata.name}` });
      } catch (e) {
        if (!isNotFound(e) && !isConflict(e)) throw e;
      }
      this.desired.delete(uid);
      this.forget(uid);
      return { operation: 'kill' };
    }

    const known = this.statuses.get(uid) ?? pod.status;
    const current: Pod = { ...pod, status: known };
    if (terminalPhase(known?.phase)) {
      this.probes.remove(uid);
      if (state.sandboxes.some((s) => s.state === 'SANDBOX_READY') || state.containers.some((c) => c.state === 'CONTAINER_RUNNING')) {
        await killPod(d, pod, state, gracePeriodSeconds(pod));
      }
      const fresh = await readPodRuntimeState(this.o.runtime, uid);
      await this.statuses.set(pod, computePodStatus({ pod: current, state: fresh, waiting: {}, hostIP: this.o.hostIP, now: this.o.clock.now() }));
      return { operation: 'sync' };
    }

    let r;
    try {
      r = await syncPod(d, current, state);
    } catch (e) {
      // Report what is known (containers waiting in ContainerCreating) before the worker retries.
      await this.statuses.set(pod, computePodStatus({ pod: current, state, waiting: {}, hostIP: this.o.hostIP, now: this.o.clock.now() }));
      throw e;
    }
    const fresh = await readPodRuntimeState(this.o.runtime, uid);
    this.probes.sync(pod, fresh);
    const status = computePodStatus({
      pod: current, state: fresh, waiting: r.waiting, hostIP: this.o.hostIP, now: this.o.clock.now(), readiness: this.probes.readiness(uid),
    });
    this.recordStart(uid, known?.phase, status.phase);
    await this.statuses.set(pod, status);
    if (terminalPhase(status.phase)) return { operation: 'sync', result: { requeueAfterMs: 0 } };
    return { operation: 'sync', ...(r.requeueAfterMs !== undefined ? { result: { requeueAfterMs: r.requeueAfterMs } } : {}) };
  }

  private forget(uid: string): void {
    this.firstSeen.delete(uid);
    this.started.delete(uid);
    this.probes.remove(uid);
    this.o.tokens?.forget(uid);
    this.statuses.forget(uid);
    this.lastKnown.delete(uid);
    this.deps.crashBackoff.resetPrefix(`${uid}/`);
    this.deps.pullBackoff.resetPrefix(`${uid}/`);
  }
}
