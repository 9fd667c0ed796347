/**
 * Usage over a window from two kubelet samples, and the metrics.k8s.io
 * objects built from it. CPU is the rate of the cumulative counter between
 * the samples (metrics-server's `resourceUsage`: Δcore-ns / Δt, nanocores);
 * memory is the newer working set. A counter that went backwards (a
 * restarted container) or a zero-length window yields nothing, as
 * metrics-server drops such points. Pure.
 */
import type { CpuReading, KubeletSample, UsageReading } from './kubelet-text.ts';
import { formatCpuNanocores, formatMemoryBytes, goDuration } from './quantity-format.ts';

/** Usage of the node or of one container over a window. */
export interface Usage {
  /** Average CPU over the window, nanocores (1e-9 core). */
  nanocores: bigint;
  /** Working set at the window's end, bytes. */
  memoryBytes: number;
  /** ms since the epoch: the window's end. */
  timestampMs: number;
  /** Window length, ms. */
  windowMs: number;
}

/** Nanocores between two cumulative readings, with the window; undefined when time did not advance or the counter reset. */
export function cpuRate(older: CpuReading, newer: CpuReading): { nanocores: bigint; windowMs: number; timestampMs: number } | undefined {
  const dt = newer.timestampMs - older.timestampMs;
  const dc = newer.coreNanos - older.coreNanos;
  if (dt <= 0 || dc < 0n) return undefined;
  return { nanocores: (dc * 1000n) / BigInt(dt), windowMs: dt, timestampMs: newer.timestampMs };
}

/** Usage between two readings of the same thing; undefined when either lacks CPU or memory, or the rate is undefined. */
export function usageBetween(older: UsageReading | undefined, newer: UsageReading | undefined): Usage | undefined {
  if (!older?.cpu || !newer?.cpu || newer.memoryBytes === undefined) return undefined;
  const r = cpuRate(older.cpu, newer.cpu);
  return r && { ...r, memoryBytes: newer.memoryBytes };
}

/** One pod's usage: per container, with the pod's window (the widest of its containers') and end time (the latest). */
export interface PodUsage {
  namespace: string;
  pod: string;
  containers: Array<{ name: string; usage: Usage }>;
  timestampMs: number;
  windowMs: number;
}

/** Pod usages keyed `namespace/pod`, from the containers present in both samples with a valid rate; containers sorted by name. */
export function podUsages(older: KubeletSample, newer: KubeletSample): Map<string, PodUsage> {
  const out = new Map<string, PodUsage>();
  for (const [key, c] of newer.containers) {
    const u = usageBetween(older.containers.get(key), c);
    if (!u) continue;
    const pk = `${c.namespace}/${c.pod}`;
    const p = out.get(pk) ?? { namespace: c.namespace, pod: c.pod, containers: [], timestampMs: 0, windowMs: 0 };
    p.containers.push({ name: c.container, usage: u });
    p.timestampMs = Math.max(p.timestampMs, u.timestampMs);
    p.windowMs = Math.max(p.windowMs, u.windowMs);
    out.set(pk, p);
  }
  for (const p of out.values()) p.containers.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return out;
}

/** metrics.k8s.io/v1beta1 `usage`: `{ cpu, memory }` as quantities. */
export interface ResourceList {
  cpu: string;
  memory: string;
}

/** metrics.k8s.io/v1beta1 NodeMetrics. */
export interface NodeMetrics {
  kind: 'NodeMetrics';
  apiVersion: 'metrics.k8s.io/v1beta1';
  metadata: { name: string; creationTimestamp: string; labels?: Record<string, string> };
  timestamp: string;
  window: string;
  usage: ResourceList;
}

/** metrics.k8s.io/v1beta1 PodMetrics. */
export interface PodMetrics {
  kind: 'PodMetrics';
  apiVersion: 'metrics.k8s.io/v1beta1';
  metadata: { name: string; namespace: string; creationTimestamp: string; labels?: Record<string, string> };
  timestamp: string;
  window: string;
  containers: Array<{ name: string; usage: ResourceList }>;
}

const rfc3339 = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

const resources = (u: Usage): ResourceList => ({ cpu: formatCpuNanocores(u.nanocores), memory: formatMemoryBytes(u.memoryBytes) });

/** The NodeMetrics of node `name` (metadata.labels copied from the Node, creationTimestamp = `nowMs`, as metrics-server). */
export function nodeMetrics(name: string, labels: Record<string, string> | undefined, u: Usage, nowMs: number): NodeMetrics {
  return {
    kind: 'NodeMetrics', apiVersion: 'metrics.k8s.io/v1beta1',
    metadata: { name, creationTimestamp: rfc3339(nowMs), ...(labels ? { labels } : {}) },
    timestamp: rfc3339(u.timestampMs), window: goDuration(u.windowMs), usage: resources(u),
  };
}

/** The PodMetrics of a pod (labels copied from the Pod). */
export function podMetrics(p: PodUsage, labels: Record<string, string> | undefined, nowMs: number): PodMetrics {
  return {
    kind: 'PodMetrics', apiVersion: 'metrics.k8s.io/v1beta1',
    metadata: { name: p.pod, namespace: p.namespace, creationTimestamp: rfc3339(nowMs), ...(labels ? { labels } : {}) },
    timestamp: rfc3339(p.timestampMs), window: goDuration(p.windowMs),
    containers: p.containers.map((c) => ({ name: c.name, usage: resources(c.usage) })),
  };
}
