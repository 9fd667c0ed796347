/**
 * Relisting pod lifecycle event generator (kubelet's GenericPLEG): containerd
 * 1.6 has no container events, so every period the kubelet lists sandboxes
 * and containers, fingerprints each pod uid's CRI objects (id + state) and
 * reports the uids whose fingerprint changed (including new and vanished
 * ones). The first relist reports every uid, which drives adoption after a
 * kubelet restart.
 */
import type { CriRuntime } from '../cri/types.ts';
import type { ContainerStateLabel, RuntimeCounts } from '../metrics.ts';
import { LABEL_POD_UID } from './runtime-state.ts';

/** Pure: uid → fingerprint of its sandboxes and containers. */
export function fingerprints(sandboxes: { id: string; state: string; labels: Record<string, string> }[], containers: { id: string; state: string; labels: Record<string, string> }[]): Map<string, string> {
  const parts = new Map<string, string[]>();
  const add = (uid: string | undefined, s: string): void => {
    if (!uid) return;
    const a = parts.get(uid) ?? [];
    a.push(s);
    parts.set(uid, a);
  };
  for (const s of sandboxes) add(s.labels[LABEL_POD_UID], `s:${s.id}:${s.state}`);
  for (const c of containers) add(c.labels[LABEL_POD_UID], `c:${c.id}:${c.state}`);
  return new Map([...parts].map(([uid, a]) => [uid, a.sort().join(',')]));
}

/** Pure: uids whose fingerprint differs between `prev` and `next`. */
export function changedUids(prev: Map<string, string>, next: Map<string, string>): string[] {
  const out = new Set<string>();
  for (const [uid, fp] of next) if (prev.get(uid) !== fp) out.add(uid);
  for (const uid of prev.keys()) if (!next.has(uid)) out.add(uid);
  return [...out].sort();
}

const stateLabels: Record<string, ContainerStateLabel> = {
  CONTAINER_CREATED: 'created', CONTAINER_RUNNING: 'running', CONTAINER_EXITED: 'exited', CONTAINER_UNKNOWN: 'unknown',
};

/**
 * Pure: the pod uids with a SANDBOX_READY sandbox, and the containers per
 * state, counting only the CRI objects of pods (labelled with a pod uid).
 */
export function runtimeCounts(sandboxes: { state: string; labels: Record<string, string> }[], containers: { state: string; labels: Record<string, string> }[]): RuntimeCounts {
  const ready = new Set<string>();
  for (const s of sandboxes) {
    const uid = s.labels[LABEL_POD_UID];
    if (uid && s.state === 'SANDBOX_READY') ready.add(uid);
  }
  const counts: Record<ContainerStateLabel, number> = { created: 0, running: 0, exited: 0, unknown: 0 };
  for (const c of containers) if (c.labels[LABEL_POD_UID]) counts[stateLabels[c.state] ?? 'unknown'] += 1;
  return { runningPods: ready.size, containers: counts };
}

/** Stateful relister: `relist()` returns the uids that changed since the previous call. Throws on CRI errors. */
export class Pleg {
  private last = new Map<string, string>();
  private lastCounts: RuntimeCounts = runtimeCounts([], []);

  constructor(private readonly runtime: CriRuntime) {}

  /** Lists the runtime and returns changed uids. */
  async relist(): Promise<string[]> {
    const [sbs, ctrs] = await Promise.all([this.runtime.listPodSandbox(), this.runtime.listContainers()]);
    const next = fingerprints(sbs, ctrs);
    const changed = changedUids(this.last, next);
    this.last = next;
    this.lastCounts = runtimeCounts(sbs, ctrs);
    return changed;
  }

  /** Running pods and containers per state at the last relist (all 0 before the first; kubelet_running_* gauges). */
  counts(): RuntimeCounts {
    return this.lastCounts;
  }

  /** Uids seen in the last relist. */
  knownUids(): string[] {
    return [...this.last.keys()];
  }
}
