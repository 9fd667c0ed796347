/**
 * Reading containerd's view of a node with `ctr` (CRI containers live in the
 * `k8s.io` namespace), so tests can compare it with the pods the API reports.
 */
import type { RunResult } from '../../deploy/images/exec.ts';

/** One containerd container created through CRI. */
export interface CriContainer {
  id: string;
  /** `sandbox` for pod sandboxes (pause), `container` for app containers. */
  kind: string;
  podName: string;
  podNamespace: string;
  podUid: string;
  /** CRI container name (empty for sandboxes). */
  containerName: string;
  image: string;
  /** Task status from `ctr tasks ls` (RUNNING, STOPPED, ...), or `NONE` when there is no task. */
  status: string;
  /** Task pid, 0 when there is no task. */
  pid: number;
}

/** parseTasks parses `ctr tasks ls` (header TASK PID STATUS) into id → { pid, status }. */
export function parseTasks(output: string): Map<string, { pid: number; status: string }> {
  const tasks = new Map<string, { pid: number; status: string }>();
  for (const line of output.split('\n').slice(1)) {
    const [id, pid, status] = line.trim().split(/\s+/);
    if (!id || !pid || !status) continue;
    tasks.set(id, { pid: Number(pid), status });
  }
  return tasks;
}

/** parseContainerInfo reads the fields tests need from `ctr containers info <id>` JSON; throws on bad JSON. */
export function parseContainerInfo(json: string, task?: { pid: number; status: string }): CriContainer {
  const info = JSON.parse(json) as { ID?: string; Image?: string; Labels?: Record<string, string> };
  const labels = info.Labels ?? {};
  return {
    id: info.ID ?? '',
    kind: labels['io.cri-containerd.kind'] ?? '',
    podName: labels['io.kubernetes.pod.name'] ?? '',
    podNamespace: labels['io.kubernetes.pod.namespace'] ?? '',
    podUid: labels['io.kubernetes.pod.uid'] ?? '',
    containerName: labels['io.kubernetes.container.name'] ?? '',
    image: info.Image ?? '',
    status: task?.status ?? 'NONE',
    pid: task?.pid ?? 0,
  };
}

/** A way to run `ctr` with the node's address and the k8s.io namespace already set. */
export type CtrRunner = (...args: string[]) => Promise<RunResult>;

/**
 * listCriContainers lists every container in containerd's k8s.io namespace
 * with its CRI labels and task state. Throws with ctr's stderr when ctr fails.
 */
export async function listCriContainers(ctr: CtrRunner): Promise<CriContainer[]> {
  const ids = await ctr('containers', 'ls', '-q');
  if (ids.code !== 0) throw new Error(`ctr containers ls failed: ${ids.stderr.trim()}`);
  const tasksOut = await ctr('tasks', 'ls');
  if (tasksOut.code !== 0) throw new Error(`ctr tasks ls failed: ${tasksOut.stderr.trim()}`);
  const tasks = parseTasks(tasksOut.stdout);
  const out: CriContainer[] = [];
  for (const id of ids.stdout.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const info = await ctr('containers', 'info', id);
    if (info.code !== 0) continue; // removed between the list and the info call
    out.push(parseContainerInfo(info.stdout, tasks.get(id)));
  }
  return out;
}

/**
 * runningAppContainersByPod groups RUNNING app containers (not sandboxes) by
 * `namespace/pod`, so a test can check exactly one per pod.
 */
export function runningAppContainersByPod(containers: readonly CriContainer[]): Map<string, CriContainer[]> {
  const byPod = new Map<string, CriContainer[]>();
  for (const c of containers) {
    if (c.kind !== 'container' || c.status !== 'RUNNING') continue;
    const key = `${c.podNamespace}/${c.podName}`;
    byPod.set(key, [...(byPod.get(key) ?? []), c]);
  }
  return byPod;
}
