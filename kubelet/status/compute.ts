/**
 * Pod status from runtime state: a pure function copying the rules of the
 * kubelet's generateAPIPodStatus / getPhase / convertToAPIContainerStatuses.
 */
import type { ContainerState as ApiContainerState, ContainerStatus as ApiContainerStatus, Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1';
import { qosClass } from '../../apiserver/api/qos.ts';
import { containersNamed, readySandbox, type ContainerRecord, type PodRuntimeState } from '../pods/runtime-state.ts';
import { rfc3339 } from '../../apiserver/api/time.ts';

/** A waiting reason the kubelet decided for a container (e.g. ImagePullBackOff, CrashLoopBackOff). */
export interface WaitingReason {
  reason: string;
  message?: string;
}

/** Inputs of `computePodStatus`. */
export interface StatusInput {
  pod: Pod;
  state: PodRuntimeState;
  /** Container name → reason it is waiting (from the last sync). */
  waiting: Record<string, WaitingReason>;
  hostIP: string;
  /** ms since the epoch. */
  now: number;
  /** Readiness-probe results by container name (containers without a probe are ready when running). */
  readiness?: Record<string, boolean>;
}

/** ms → RFC3339 with second precision, as the API server stores times. */

/** CRI runtime-name prefix of containerIDs. */
export const CONTAINER_ID_PREFIX = 'containerd://';

function terminated(c: ContainerRecord): ApiContainerState {
  return {
    terminated: {
      exitCode: c.exitCode,
      reason: c.reason || (c.exitCode === 0 ? 'Completed' : 'Error'),
      ...(c.message ? { message: c.message } : {}),
      startedAt: c.startedAt ? rfc3339(c.startedAt) : undefined,
      finishedAt: c.finishedAt ? rfc3339(c.finishedAt) : undefined,
      containerID: CONTAINER_ID_PREFIX + c.id,
    },
  };
}

/** The API status of one spec container (kubelet convertToAPIContainerStatuses). */
export function containerStatusFor(name: string, image: string, state: PodRuntimeState, waiting: WaitingReason | undefined, probeReady?: boolean): ApiContainerStatus {
  const [latest, previous] = containersNamed(state, name);
  const base: ApiContainerStatus = { name, image, imageID: '', ready: false, restartCount: 0, started: false, state: { waiting: { reason: waiting?.reason ?? 'ContainerCreating', ...(waiting?.message ? { message: waiting.message } : {}) } } };
  if (!latest) return base;
  const st: ApiContainerStatus = { ...base, imageID: latest.imageRef, containerID: CONTAINER_ID_PREFIX + latest.id, restartCount: latest.restartCount };
  if (latest.state === 'CONTAINER_RUNNING') {
    st.state = { running: { startedAt: rfc3339(latest.startedAt || latest.createdAt) } };
    st.ready = probeReady ?? true;
    st.started = true;
    if (previous && previous.state === 'CONTAINER_EXITED') st.lastState = terminated(previous);
  } else if (latest.state === 'CONTAINER_EXITED') {
    if (waiting) {
      st.state = { waiting: { reason: waiting.reason, ...(waiting.message ? { message: waiting.message } : {}) } };
      st.lastState = terminated(latest);
    } else {
      st.state = terminated(latest);
      if (previous && previous.state === 'CONTAINER_EXITED') st.lastState = terminated(previous);
    }
  } else {
    st.state = { waiting: { reason: waiting?.reason ?? 'ContainerCreating' } };
    if (previous && previous.state === 'CONTAINER_EXITED') st.lastState = terminated(previous);
  }
  return st;
}

/** Whether an init container status shows a successful completion. */
const initDone = (s: ApiContainerStatus): boolean => s.state?.terminated?.exitCode === 0;

/** Pod phase from container statuses (kubelet getPhase); init statuses first decide Pending/Failed. */
export function podPhase(pod: Pod, statuses: ApiContainerStatus[], initStatuses: ApiContainerStatus[] = []): NonNullable<PodStatus['phase']> {
  const policy0 = pod.spec?.restartPolicy ?? 'Always';
  if (!initStatuses.every(initDone)) {
    const failed = initStatuses.some((s) => (s.state?.terminated && s.state.terminated.exitCode !== 0) || (s.lastState?.terminated && s.lastState.terminated.exitCode !== 0 && !s.state?.running));
    return failed && policy0 === 'Never' ? 'Failed' : 'Pending';
  }
  let waiting = 0, running = 0, stopped = 0, succeeded = 0;
  for (const s of statuses) {
    if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    }
  }
  const policy = pod.spec?.restartPolicy ?? 'Always';
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'OnFailure') return 'Running';
    return 'Failed';
  }
  return 'Pending';
}

function condition(type: string, ok: boolean, old: PodCondition[] | undefined, now: number, reason?: string, message?: string): PodCondition {
  const status = ok ? 'True' : 'False';
  const prev = old?.find((c) => c.type === type);
  const lastTransitionTime = prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : rfc3339(now);
  return { type, status, lastTransitionTime, ...(reason ? { reason } : {}), ...(message ? { message } : {}) };
}

/**
 * The full pod status. A pod already Succeeded/Failed stays so (terminal).
 * Conditions keep their lastTransitionTime while their status is unchanged;
 * startTime is kept from the old status or set to now.
 */
export function computePodStatus(input: StatusInput): PodStatus {
  const { pod, state, waiting, hostIP, now } = input;
  const old = pod.status ?? {};
  const initStatuses = (pod.spec?.initContainers ?? []).map((c) => {
    const st = containerStatusFor(c.name, c.image ?? '', state, waiting[c.name]);
    st.ready = initDone(st);
    if (!st.containerID && !waiting[c.name]) st.state = { waiting: { reason: 'PodInitializing' } };
    return st;
  });
  const initialized = initStatuses.every(initDone);
  const statuses = (pod.spec?.containers ?? []).map((c) => {
    if (!initialized && containersNamed(state, c.name).length === 0) {
      return { name: c.name, image: c.image ?? '', imageID: '', ready: false, restartCount: 0, started: false, state: { waiting: { reason: 'PodInitializing' } } };
    }
    return containerStatusFor(c.name, c.image ?? '', state, waiting[c.name], input.readiness?.[c.name]);
  });
  let phase = podPhase(pod, statuses, initStatuses);
  if (old.phase === 'Succeeded' || old.phase === 'Failed') phase = old.phase;
  const sb = readySandbox(state);
  const unready = statuses.filter((s) => !s.ready).map((s) => s.name);
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const readyReason = unready.length === 0 ? undefined : terminal ? 'PodCompleted' : 'ContainersNotReady';
  const readyMsg = unready.length === 0 || terminal ? undefined : `containers with unready status: [${unready.join(' ')}]`;
  const notInit = initStatuses.filter((x) => !initDone(x)).map((x) => x.name);
  const conditions: PodCondition[] = [
    condition('PodReadyToStartContainers', sb !== undefined, old.conditions, now),
    condition('Initialized', initialized, old.conditions, now, initialized ? undefined : 'ContainersNotInitialized',
      initialized ? undefined : `containers with incomplete status: [${notInit.join(' ')}]`),
    condition('Ready', unready.length === 0, old.conditions, now, readyReason, readyMsg),
    condition('ContainersReady', unready.length === 0, old.conditions, now, readyReason, readyMsg),
    condition('PodScheduled', true, old.conditions, now),
  ];
  const status: PodStatus = {
    phase,
    conditions,
    hostIP,
    hostIPs: hostIP ? [{ ip: hostIP }] : undefined,
    startTime: old.startTime ?? rfc3339(now),
    containerStatuses: statuses,
    ...(initStatuses.length ? { initContainerStatuses: initStatuses } : {}),
    qosClass: old.qosClass ?? qosClass(pod.spec),
  };
  const ip = pod.spec?.hostNetwork ? hostIP : sb?.ip || old.podIP;
  if (ip) {
    status.podIP = ip;
    status.podIPs = [{ ip }];
  }
  return status;
}

