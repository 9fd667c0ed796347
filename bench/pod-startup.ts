/**
 * Issue 9's `pod-startup` single-pod figure and its CRI floor, measured on a
 * running bench cluster (cluster.ts) with the image cached:
 *
 * - floor: RunPodSandbox → CreateContainer → StartContainer of the same
 *   nginx image straight to the cluster's containerd over CRI (GrpcRuntime,
 *   the kubelet's own client; CNI runs inside containerd as for the kubelet's
 *   pods), each sandbox removed after; ms per pod;
 * - figure: `kubectl create` of one nginx Pod → `kubectl wait
 *   --for=condition=Ready` returns (a watch, so no polling interval), ms per
 *   pod, each pod deleted before the next; kubectl's own process start-up is
 *   part of it, as for a user (two trivial kubectl calls are timed too, to
 *   show that share).
 *
 * Reported as the median of `n` each; target: p50 ≤ floor + 100 ms. The
 * floor side also starts 30 pods at once over CRI: the floor of the 30-pod
 * burst (cluster.ts).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Pod } from 'kubernetes-types/core/v1';
import { GrpcRuntime } from '../kubelet/cri/grpc.ts';
import type { Cluster } from '../e2e/harness/cluster.ts';

/** The single-pod start-up figures, ms. */
export interface PodStartupResult {
  pods: number;
  /** Median apply → Ready through the cluster. */
  p50Ms: number;
  /** Median raw CRI sandbox + create + start. */
  floorP50Ms: number;
  /** p50 − floor: the target is ≤ 100. */
  overheadMs: number;
  /** Median of two trivial kubectl calls (`get --raw /readyz` twice): the share of the figure that is kubectl's own process start, TLS and discovery. */
  kubectlP50Ms: number;
  samplesMs: number[];
  floorSamplesMs: number[];
  /** ms for 30 raw CRI sandbox+create+start at once: the floor of the 30-pod burst. */
  burstFloorMs: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.floor((s.length - 1) / 2)] ?? 0;
};

/** Starts one pod straight over CRI and resolves the sandbox id. */
async function criStart(rt: GrpcRuntime, ref: string, logDir: string, uid: string): Promise<string> {
  const sbc = { metadata: { name: uid, namespace: 'bench', uid, attempt: 0 }, hostname: uid.slice(0, 60), log_directory: join(logDir, uid), port_mappings: [], labels: {}, annotations: {} };
  const sb = await rt.runPodSandbox(sbc);
  const id = await rt.createContainer(sb, {
    metadata: { name: 'nginx', attempt: 0 }, image: { image: ref }, command: [], args: [], working_dir: '', envs: [], mounts: [], labels: {}, annotations: {}, log_path: 'nginx/0.log',
  }, sbc);
  await rt.startContainer(id);
  return sb;
}

/**
 * Raw CRI pod starts of `image` on `socket`: `n` one at a time (ms each),
 * then `burst` at once (ms until the last has started); every sandbox is
 * stopped and removed after. Rejects on a CRI error.
 */
async function criFloor(socket: string, image: string, logDir: string, n: number, burst: number): Promise<{ samples: number[]; burstMs: number }> {
  const rt = new GrpcRuntime({ socket, timeoutMs: 60_000 });
  const samples: number[] = [];
  const remove = async (sb: string): Promise<void> => { await rt.stopPodSandbox(sb); await rt.removePodSandbox(sb); };
  try {
    const st = await rt.imageStatus(image);
    const ref = st?.id ?? (await rt.pullImage(image));
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const sb = await criStart(rt, ref, logDir, `bench-cri-${Date.now()}-${i}`);
      samples.push(Math.round(performance.now() - t0));
      await remove(sb);
    }
    const t0 = performance.now();
    const sbs = await Promise.all(Array.from({ length: burst }, (_, i) => criStart(rt, ref, logDir, `bench-burst-${Date.now()}-${i}`)));
    const burstMs = Math.round(performance.now() - t0);
    await Promise.all(sbs.map(remove));
    return { samples, burstMs };
  } finally {
    rt.close();
  }
}

/** `n` single pods of `image` through the cluster, one at a time. */
async function throughCluster(c: Cluster, image: string, dir: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const name = `startup-${i}`;
    const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'nginx', image }] } };
    const file = join(dir, `${name}.yaml`);
    await writeFile(file, stringify(pod));
    const t0 = performance.now();
    await c.kubectl('create', '-f', file);
    await c.kubectl('wait', '--for=condition=Ready', `pod/${name}`, '--timeout=120s');
    out.push(Math.round(performance.now() - t0));
    await c.kubectl('delete', 'pod', name, '--wait=true');
  }
  return out;
}

/** Measures both sides on `c`, floor first; `dir` holds the manifests and the floor's logs. */
export async function podStartup(c: Cluster, image: string, dir: string, n = 10): Promise<PodStartupResult> {
  const floor = await criFloor(join(c.dataDir, 'containerd', 'containerd.sock'), image, join(dir, 'cri-logs'), n, 30);
  const floorSamplesMs = floor.samples;
  const samplesMs = await throughCluster(c, image, dir, n);
  const kubectlMs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await c.kubectl('get', '--raw', '/readyz');
    await c.kubectl('get', '--raw', '/readyz');
    kubectlMs.push(Math.round(performance.now() - t0));
  }
  const p50Ms = median(samplesMs);
  const floorP50Ms = median(floorSamplesMs);
  return { pods: n, p50Ms, floorP50Ms, overheadMs: p50Ms - floorP50Ms, kubectlP50Ms: median(kubectlMs), samplesMs, floorSamplesMs, burstFloorMs: floor.burstMs };
}
