/**
 * The cells kubectl shows for a pod (Kubernetes pkg/printers/internalversion
 * printPod): READY, STATUS with its reason logic, RESTARTS, and the wide
 * columns. Pure functions of the pod and `now` (ms).
 */
import type { Pod } from 'kubernetes-types/core/v1';
import { humanDuration } from './duration.ts';

/** The STATUS column summary of a pod: the reason kubectl shows. */
export interface PodSummary {
  /** e.g. Running, Pending, ContainerCreating, ErrImagePull, CrashLoopBackOff, Completed, Terminating, Init:0/1. */
  reason: string;
  readyContainers: number;
  totalContainers: number;
  restarts: number;
  /** Latest lastState.terminated.finishedAt (ms), if any container restarted. */
  lastRestart?: number;
}

function later(a: number | undefined, iso: string | undefined): number | undefined {
  if (!iso) return a;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return a;
  return a === undefined || t > a ? t : a;
}

/**
 * Computes the STATUS reason as kubectl does: phase (or status.reason), then
 * the first failing init container as `Init:<reason>` / `Init:i/n`, then the
 * last container's waiting or terminated reason (or `Signal:n` /
 * `ExitCode:n`); "Completed" with a running container reads "Running" (or
 * "NotReady"); a deletion timestamp makes it "Terminating" ("Unknown" for
 * NodeLost).
 */
export function summarizePod(pod: Pod): PodSummary {
  const status = pod.status ?? {};
  const spec = pod.spec;
  let reason: string = status.reason || status.phase || '';
  let restarts = 0;
  let ready = 0;
  let lastRestart: number | undefined;
  const initCount = spec?.initContainers?.length ?? 0;
  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i]!;
    restarts += c.restartCount ?? 0;
    lastRestart = later(lastRestart, c.lastState?.terminated?.finishedAt);
    const term = c.state?.terminated;
    const wait = c.state?.waiting;
    if (term && term.exitCode === 0) continue;
    if (c.started && spec?.initContainers?.[i]?.restartPolicy === 'Always') continue;
    if (term) {
      if (term.reason) reason = `Init:${term.reason}`;
      else if (term.signal) reason = `Init:Signal:${term.signal}`;
      else reason = `Init:ExitCode:${term.exitCode}`;
    } else if (wait && wait.reason && wait.reason !== 'PodInitializing') {
      reason = `Init:${wait.reason}`;
    } else {
      reason = `Init:${i}/${initCount}`;
    }
    initializing = true;
    break;
  }
  const initializedTrue = (status.conditions ?? []).some((c) => c.type === 'Initialized' && c.status === 'True');
  if (!initializing || initializedTrue) {
    let hasRunning = false;
    const cs = status.containerStatuses ?? [];
    for (let i = cs.length - 1; i >= 0; i--) {
      const c = cs[i]!;
      restarts += c.restartCount ?? 0;
      lastRestart = later(lastRestart, c.lastState?.terminated?.finishedAt);
      const wait = c.state?.waiting;
      const term = c.state?.terminated;
      if (wait && wait.reason) reason = wait.reason;
      else if (term && term.reason) reason = term.reason;
      else if (term) reason = term.signal ? `Signal:${term.signal}` : `ExitCode:${term.exitCode}`;
      else if (c.ready && c.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      const podReady = (status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
      reason = podReady ? 'Running' : 'NotReady';
    }
  }
  if (pod.metadata?.deletionTimestamp && status.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata?.deletionTimestamp) reason = 'Terminating';
  const out: PodSummary = { reason, readyContainers: ready, totalContainers: spec?.containers?.length ?? 0, restarts };
  if (lastRestart !== undefined) out.lastRestart = lastRestart;
  return out;
}

/** RESTARTS cell: "2" or "2 (3m ago)" when a last termination time is known. */
export function restartsCell(s: PodSummary, now: number): string {
  if (s.lastRestart === undefined || s.restarts === 0) return String(s.restarts);
  return `${s.restarts} (${humanDuration(now - s.lastRestart)} ago)`;
}

/** READINESS GATES cell: "<none>" or "true/total" over spec.readinessGates. */
export function readinessGatesCell(pod: Pod): string {
  const gates = pod.spec?.readinessGates ?? [];
  if (gates.length === 0) return '<none>';
  const conds = pod.status?.conditions ?? [];
  const ok = gates.filter((g) => conds.some((c) => c.type === g.conditionType && c.status === 'True')).length;
  return `${ok}/${gates.length}`;
}

/** All pod cells after NAME: Ready, Status, Restarts, Age, IP, Node, Nominated Node, Readiness Gates. */
export function podCells(pod: Pod, now: number, age: string): unknown[] {
  const s = summarizePod(pod);
  const ip = pod.status?.podIPs?.[0]?.ip ?? pod.status?.podIP;
  return [
    `${s.readyContainers}/${s.totalContainers}`,
    s.reason,
    restartsCell(s, now),
    age,
    ip || '<none>',
    pod.spec?.nodeName || '<none>',
    pod.status?.nominatedNodeName || '<none>',
    readinessGatesCell(pod),
  ];
}
