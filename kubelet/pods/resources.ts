/**
 * Container resources → CRI LinuxContainerResources, as the kubelet's
 * kuberuntime does for cgroup v1: cpu shares from requests, CFS quota from
 * limits, memory limit in bytes.
 */
import type { Container } from 'kubernetes-types/core/v1';
import type { LinuxContainerResources } from '../cri/types.ts';

/** CFS period used for every container, microseconds (Kubernetes' default). */
export const CPU_PERIOD_US = 100_000;
/** Smallest cpu.shares value the kernel accepts (Kubernetes' MinShares). */
export const MIN_CPU_SHARES = 2;

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/**
 * Parses a Kubernetes quantity ('500m', '1.5', '64Mi', '1G', '2e3') into a
 * plain number (cores for cpu, bytes for memory). Throws on malformed input.
 */
export function parseQuantity(q: string | number): number {
  if (typeof q === 'number') return q;
  const m = /^([+-]?[0-9.]+)(?:([eE][+-]?[0-9]+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)$/.exec(q.trim());
  if (!m || Number.isNaN(Number(m[1]))) throw new Error(`invalid quantity ${JSON.stringify(q)}`);
  const base = Number(m[1]);
  if (m[2]) return base * 10 ** Number(m[2].slice(1));
  const suffix = m[3] ?? '';
  return base * (BINARY[suffix] ?? DECIMAL[suffix]);
}

/** Millicores of a cpu quantity, rounded up ('250m' → 250, '1' → 1000). */
export function milliCpu(q: string | number): number {
  return Math.ceil(parseQuantity(q) * 1000 - 1e-9);
}

/**
 * Linux resources for `container`: cpu_shares = request millicores × 1024 /
 * 1000 (min 2; the request defaults to the limit, and with neither it is 2),
 * cpu_quota = limit millicores × period / 1000 (0 = unlimited; min 1000 µs),
 * cpu_period 100000 µs, memory_limit_in_bytes from the memory limit (0 = none).
 */
export function containerResources(container: Container): LinuxContainerResources {
  const limits = container.resources?.limits ?? {};
  const requests = container.resources?.requests ?? {};
  const cpuReq = requests.cpu ?? limits.cpu;
  const shares = cpuReq === undefined ? MIN_CPU_SHARES : Math.max(MIN_CPU_SHARES, Math.floor((milliCpu(cpuReq) * 1024) / 1000));
  let quota = 0;
  if (limits.cpu !== undefined) quota = Math.max(1000, Math.floor((milliCpu(limits.cpu) * CPU_PERIOD_US) / 1000));
  const memory = limits.memory !== undefined ? Math.floor(parseQuantity(limits.memory)) : 0;
  return { cpu_period: CPU_PERIOD_US, cpu_quota: quota, cpu_shares: shares, memory_limit_in_bytes: memory };
}
