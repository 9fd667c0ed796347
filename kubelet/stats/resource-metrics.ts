/**
 * The kubelet's `/metrics/resource` endpoint body: Prometheus text with the
 * names, help texts and timestamps of Kubernetes' kubelet
 * (pkg/kubelet/metrics/collectors/resource_metrics.go), the source
 * metrics-server scrapes. CPU is cumulative core-seconds, memory the working
 * set in bytes, each sample stamped with its read time in ms.
 * `renderResourceMetrics` is pure; `collectResourceUsage` asks CRI
 * ListContainerStats and the host.
 */
import type { ContainerStats, CriRuntime } from '../cri/types.ts';
import { LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE } from '../pods/runtime-state.ts';
import type { HostUsage } from './host.ts';

/** One container's usage. */
export interface ContainerUsage {
  namespace: string;
  pod: string;
  container: string;
  /** Cumulative CPU time, core-nanoseconds. */
  cpuCoreNanos: bigint;
  /** ms since the epoch of the CPU reading. */
  cpuTimestampMs: number;
  /** Working set, bytes. */
  workingSetBytes: number;
  /** ms since the epoch of the memory reading. */
  memoryTimestampMs: number;
}

/** What one scrape reports: the node (absent when /proc failed) and its containers. */
export interface ResourceUsage {
  node?: HostUsage;
  containers: ContainerUsage[];
  /** True when the container stats could not be read (resource_scrape_error 1). */
  scrapeError: boolean;
}

/** Core-nanoseconds as exact decimal seconds (`12.000000345` → trimmed `12.000000345`, `3000000000n` → `3`). */
export function nanosToSeconds(n: bigint): string {
  const s = n / 1_000_000_000n;
  const frac = (n % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return frac ? `${s}.${frac}` : `${s}`;
}

/** A Prometheus label value with `\`, `"` and newlines escaped. */
const esc = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/**
 * ContainerStats → ContainerUsage for containers that carry the kubelet's
 * pod/namespace/container labels and both usages; others are skipped (not
 * running, or not ours). Pure.
 */
export function containerUsages(stats: ContainerStats[]): ContainerUsage[] {
  const out: ContainerUsage[] = [];
  for (const s of stats) {
    const l = s.attributes?.labels ?? {};
    const [namespace, pod, container] = [l[LABEL_POD_NAMESPACE], l[LABEL_POD_NAME], l[LABEL_CONTAINER_NAME]];
    const cpu = s.cpu?.usage_core_nano_seconds?.value;
    const mem = s.memory?.working_set_bytes?.value;
    if (!namespace || !pod || !container || cpu === undefined || mem === undefined || !/^\d+$/.test(cpu) || !/^\d+$/.test(mem)) continue;
    out.push({
      namespace, pod, container, cpuCoreNanos: BigInt(cpu), workingSetBytes: Number(mem),
      cpuTimestampMs: Number(BigInt(s.cpu?.timestamp ?? '0') / 1_000_000n), memoryTimestampMs: Number(BigInt(s.memory?.timestamp ?? '0') / 1_000_000n),
    });
  }
  return out;
}

/** Renders `u` as the kubelet's /metrics/resource text (pods summed from their containers). Pure. */
export function renderResourceMetrics(u: ResourceUsage): string {
  const lines: string[] = [];
  const family = (name: string, type: 'counter' | 'gauge', help: string, samples: string[]): void => {
    lines.push(`# HELP ${name} [STABLE] ${help}`, `# TYPE ${name} ${type}`, ...samples);
  };
  const cl = (c: ContainerUsage): string => `{container="${esc(c.container)}",namespace="${esc(c.namespace)}",pod="${esc(c.pod)}"}`;
  family('container_cpu_usage_seconds_total', 'counter', 'Cumulative cpu time consumed by the container in core-seconds',
    u.containers.map((c) => `container_cpu_usage_seconds_total${cl(c)} ${nanosToSeconds(c.cpuCoreNanos)} ${c.cpuTimestampMs}`));
  family('container_memory_working_set_bytes', 'gauge', 'Current working set of the container in bytes',
    u.containers.map((c) => `container_memory_working_set_bytes${cl(c)} ${c.workingSetBytes} ${c.memoryTimestampMs}`));
  if (u.node) {
    family('node_cpu_usage_seconds_total', 'counter', 'Cumulative cpu time consumed by the node in core-seconds', [`node_cpu_usage_seconds_total ${nanosToSeconds(u.node.cpuCoreNanos)} ${u.node.timestampMs}`]);
    family('node_memory_working_set_bytes', 'gauge', 'Current working set of the node in bytes', [`node_memory_working_set_bytes ${u.node.workingSetBytes} ${u.node.timestampMs}`]);
  }
  const pods = new Map<string, { ns: string; pod: string; cpu: bigint; mem: number; cpuTs: number; memTs: number }>();
  for (const c of u.containers) {
    const k = `${c.namespace}/${c.pod}`;
    const p = pods.get(k) ?? { ns: c.namespace, pod: c.pod, cpu: 0n, mem: 0, cpuTs: 0, memTs: 0 };
    p.cpu += c.cpuCoreNanos;
    p.mem += c.workingSetBytes;
    p.cpuTs = Math.max(p.cpuTs, c.cpuTimestampMs);
    p.memTs = Math.max(p.memTs, c.memoryTimestampMs);
    pods.set(k, p);
  }
  const pl = (p: { ns: string; pod: string }): string => `{namespace="${esc(p.ns)}",pod="${esc(p.pod)}"}`;
  family('pod_cpu_usage_seconds_total', 'counter', 'Cumulative cpu time consumed by the pod in core-seconds', [...pods.values()].map((p) => `pod_cpu_usage_seconds_total${pl(p)} ${nanosToSeconds(p.cpu)} ${p.cpuTs}`));
  family('pod_memory_working_set_bytes', 'gauge', 'Current working set of the pod in bytes', [...pods.values()].map((p) => `pod_memory_working_set_bytes${pl(p)} ${p.mem} ${p.memTs}`));
  family('resource_scrape_error', 'gauge', '1 if there was an error while getting container metrics, 0 otherwise', [`resource_scrape_error ${u.scrapeError ? 1 : 0}`]);
  return `${lines.join('\n')}\n`;
}

/** Reads container stats from the runtime and the node's usage; a failing part is reported as missing, never thrown. */
export async function collectResourceUsage(runtime: Pick<CriRuntime, 'listContainerStats'>, readHost: () => Promise<HostUsage>): Promise<ResourceUsage> {
  const [stats, node] = await Promise.all([runtime.listContainerStats().then(containerUsages, () => undefined), readHost().catch(() => undefined)]);
  return { containers: stats ?? [], scrapeError: stats === undefined, ...(node ? { node } : {}) };
}
