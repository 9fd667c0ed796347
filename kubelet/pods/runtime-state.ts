/**
 * The kubelet's view of one pod in the runtime: its sandboxes and containers
 * as read from CRI (found by the io.kubernetes.pod.uid label), with times in
 * ms. Built by `readPodRuntimeState`, consumed by the pure deciders.
 */
import type { ContainerState, CriRuntime, PodSandboxState } from '../cri/types.ts';
import { isCriNotFound } from '../cri/types.ts';

/** Labels and annotations the kubelet puts on CRI objects (same keys as Kubernetes). */
export const LABEL_POD_NAME = 'io.kubernetes.pod.name';
export const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const LABEL_POD_UID = 'io.kubernetes.pod.uid';
export const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';
export const ANNOTATION_RESTART_COUNT = 'io.kubernetes.container.restartCount';
/** Marks CRI objects created by a Skiff kubelet. */
export const LABEL_MANAGED = 'io.skiff.managed';

/** One sandbox of a pod. */
export interface SandboxRecord {
  id: string;
  state: PodSandboxState;
  attempt: number;
  /** ms since the epoch. */
  createdAt: number;
  /** Pod IP ('' when not ready or unknown). */
  ip: string;
  labels: Record<string, string>;
}

/** One container of a pod (any attempt). */
export interface ContainerRecord {
  id: string;
  sandboxId: string;
  name: string;
  attempt: number;
  restartCount: number;
  state: ContainerState;
  /** ms since the epoch; 0 when unset. */
  createdAt: number;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  reason: string;
  message: string;
  image: string;
  imageRef: string;
  logPath: string;
}

/** Everything the runtime holds for one pod uid; lists are newest first. */
export interface PodRuntimeState {
  uid: string;
  sandboxes: SandboxRecord[];
  containers: ContainerRecord[];
}

/** ns decimal string → ms. */
export const nsToMs = (ns: string): number => (ns && ns !== '0' ? Number(BigInt(ns) / 1_000_000n) : 0);

/** The newest sandbox in state READY, if any. */
export function readySandbox(state: PodRuntimeState): SandboxRecord | undefined {
  return state.sandboxes.find((s) => s.state === 'SANDBOX_READY');
}

/** Containers named `name`, newest first (by restartCount, then creation time). */
export function containersNamed(state: PodRuntimeState, name: string): ContainerRecord[] {
  return state.containers.filter((c) => c.name === name);
}

/**
 * Reads the sandboxes and containers labelled with `uid` and the status of
 * each container. Containers that vanish mid-read are skipped. Throws on CRI
 * errors other than NotFound.
 */
export async function readPodRuntimeState(rt: CriRuntime, uid: string): Promise<PodRuntimeState> {
  const sel = { [LABEL_POD_UID]: uid };
  const [sbs, ctrs] = await Promise.all([rt.listPodSandbox({ label_selector: sel }), rt.listContainers({ label_selector: sel })]);
  const sandboxes: SandboxRecord[] = [];
  for (const s of sbs) {
    let ip = '';
    if (s.state === 'SANDBOX_READY') {
      try {
        ip = (await rt.podSandboxStatus(s.id)).network?.ip ?? '';
      } catch (e) {
        if (!isCriNotFound(e)) throw e;
        continue;
      }
    }
    sandboxes.push({ id: s.id, state: s.state, attempt: s.metadata?.attempt ?? 0, createdAt: nsToMs(s.created_at), ip, labels: s.labels });
  }
  sandboxes.sort((a, b) => b.createdAt - a.createdAt || b.attempt - a.attempt);
  const containers: ContainerRecord[] = [];
  for (const c of ctrs) {
    try {
      const st = await rt.containerStatus(c.id);
      containers.push({
        id: c.id,
        sandboxId: c.pod_sandbox_id,
        name: c.labels[LABEL_CONTAINER_NAME] ?? c.metadata?.name ?? '',
        attempt: c.metadata?.attempt ?? 0,
        restartCount: Number(c.annotations[ANNOTATION_RESTART_COUNT] ?? c.metadata?.attempt ?? 0) || 0,
        state: st.state,
        createdAt: nsToMs(st.created_at),
        startedAt: nsToMs(st.started_at),
        finishedAt: nsToMs(st.finished_at),
        exitCode: st.exit_code,
        reason: st.reason,
        message: st.message,
        image: c.image?.image ?? st.image?.image ?? '',
        imageRef: st.image_ref || c.image_ref,
        logPath: st.log_path,
      });
    } catch (e) {
      if (!isCriNotFound(e)) throw e;
    }
  }
  containers.sort((a, b) => b.restartCount - a.restartCount || b.createdAt - a.createdAt);
  return { uid, sandboxes, containers };
}
