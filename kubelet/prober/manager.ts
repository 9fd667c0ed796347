/**
 * Probe workers (kubelet prober_manager.go / worker.go): one periodic worker
 * per (container id, probe kind) for running containers with a readiness or
 * liveness probe. Readiness results feed the pod status (a container with a
 * readiness probe is unready until it succeeds); a liveness failure past the
 * threshold kills the container so the pod worker restarts it.
 */
import type { Container, Pod, Probe } from 'kubernetes-types/core/v1';
import type { Clock, EventRecorder } from '../../apiserver/client/informer-types.ts';
import type { Logger } from '../../apiserver/api/log.ts';
import type { CriRuntime } from '../cri/types.ts';
import { readySandbox, type PodRuntimeState } from '../pods/runtime-state.ts';
import { nextProbeState, runProbe } from './probe.ts';

type Kind = 'readiness' | 'liveness';

interface Worker {
  uid: string;
  container: string;
  containerId: string;
  kind: Kind;
  state: { result: boolean; successes: number; failures: number };
  timer?: { cancel(): void };
  stopped: boolean;
}

/** Dependencies of the ProbeManager. */
export interface ProbeManagerOptions {
  runtime: CriRuntime;
  recorder: EventRecorder;
  log: Logger;
  clock: Clock;
  /** Called when a readiness result changes or a container was killed by liveness. */
  onChange(uid: string): void;
  /** Runs one probe attempt (default probe.ts runProbe; hollow nodes answer without dialling). */
  runProbe?: typeof runProbe;
}

/** See file comment. */
export class ProbeManager {
  private readonly workers = new Map<string, Worker>();

  constructor(private readonly o: ProbeManagerOptions) {}

  /** Readiness per container name of pod `uid` (only containers with a readiness probe and a worker). */
  readiness(uid: string): Record<string, boolean> {
    const out: Record<string, boolean> = {};
    for (const w of this.workers.values()) if (w.uid === uid && w.kind === 'readiness') out[w.container] = w.state.result;
    return out;
  }

  /** Starts workers for running containers with probes and stops workers of containers that are gone. */
  sync(pod: Pod, state: PodRuntimeState): void {
    const uid = pod.metadata?.uid ?? '';
    const want = new Set<string>();
    const podIP = readySandbox(state)?.ip ?? '';
    for (const c of pod.spec?.containers ?? []) {
      const running = state.containers.find((r) => r.name === c.name && r.state === 'CONTAINER_RUNNING');
      if (!running) continue;
      for (const [kind, probe] of [['readiness', c.readinessProbe], ['liveness', c.livenessProbe]] as [Kind, Probe | undefined][]) {
        if (!probe) continue;
        const key = `${uid}/${running.id}/${kind}`;
        want.add(key);
        if (!this.workers.has(key)) this.start(key, pod, c, running.id, kind, probe, podIP);
      }
    }
    for (const [key, w] of this.workers) if (w.uid === uid && !want.has(key)) this.stopWorker(key, w);
  }

  /** Stops every worker of pod `uid`. */
  remove(uid: string): void {
    for (const [key, w] of this.workers) if (w.uid === uid) this.stopWorker(key, w);
  }

  /** Stops all workers. */
  stop(): void {
    for (const [key, w] of this.workers) this.stopWorker(key, w);
  }

  private stopWorker(key: string, w: Worker): void {
    w.stopped = true;
    w.timer?.cancel();
    this.workers.delete(key);
  }

  private start(key: string, pod: Pod, c: Container, containerId: string, kind: Kind, probe: Probe, podIP: string): void {
    const uid = pod.metadata?.uid ?? '';
    // Readiness starts false; liveness starts true (alive until proven otherwise).
    const w: Worker = { uid, container: c.name, containerId, kind, state: { result: kind === 'liveness', successes: 0, failures: 0 }, stopped: false };
    this.workers.set(key, w);
    const period = (probe.periodSeconds ?? 10) * 1000;
    const tick = async (): Promise<void> => {
      if (w.stopped) return;
      const r = await (this.o.runProbe ?? runProbe)(probe, c, podIP, containerId, this.o.runtime);
      if (w.stopped) return;
      const before = w.state.result;
      w.state = nextProbeState(w.state, r.ok, kind === 'liveness' ? 1 : probe.successThreshold ?? 1, probe.failureThreshold ?? 3);
      const ref = { ...pod, apiVersion: 'v1', kind: 'Pod' };
      if (!r.ok) this.o.recorder.event(ref, 'Warning', 'Unhealthy', `${kind === 'readiness' ? 'Readiness' : 'Liveness'} probe failed: ${r.output}`);
      if (kind === 'readiness' && before !== w.state.result) this.o.onChange(uid);
      if (kind === 'liveness' && before && !w.state.result) {
        this.o.recorder.event(ref, 'Normal', 'Killing', `Container ${c.name} failed liveness probe, will be restarted`);
        this.stopWorker(key, w);
        const grace = pod.spec?.terminationGracePeriodSeconds ?? 30;
        await this.o.runtime.stopContainer(containerId, grace).catch((e: unknown) => this.o.log.warn('liveness kill failed', { error: e }));
        this.o.onChange(uid);
        return;
      }
      w.timer = this.o.clock.setTimeout(() => void tick(), period);
    };
    w.timer = this.o.clock.setTimeout(() => void tick(), (probe.initialDelaySeconds ?? 0) * 1000);
  }
}
