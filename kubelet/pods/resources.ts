/**
 * Container resources → CRI LinuxContainerResources, as the kubelet's
 * kuberuntime does for cgroup v1: cpu shares from requests, CFS quota from
 * limits, memory limit in bytes.
 */
import type { Container } from 'kubernetes-types/core/v1';
import type { LinuxContainerResources } from '../cri/types.ts';
import { milliCpu, parseQuantity } from '../../apiserver/api/quantity.ts';

/** CFS period used for every container, microseconds (Kubernetes' default). */
export const CPU_PERIOD_US = 100_000;
/** Smallest cpu.shares value the kernel accepts (Kubernetes' MinShares). */
export const MIN_CPU_SHARES = 2;

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
