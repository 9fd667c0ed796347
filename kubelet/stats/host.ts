/**
 * The node's own CPU time and memory working set, read from the host's
 * /proc/stat and /proc/meminfo (on these machines every simulated node
 * shares one host, so each reports the host's totals). Parsing is pure;
 * `readHostUsage` reads the files.
 */
import { readFile } from 'node:fs/promises';

/** Linux USER_HZ: /proc/stat counts clock ticks of 1/100 s on every Linux architecture the kubelet runs on. */
export const USER_HZ = 100;

/** Node usage at one instant. */
export interface HostUsage {
  /** Cumulative CPU time of all cores, nanoseconds (core-nanoseconds). */
  cpuCoreNanos: bigint;
  /** Memory in use, bytes. */
  workingSetBytes: number;
  /** ms since the epoch when read. */
  timestampMs: number;
}

/**
 * Busy CPU time from the aggregate `cpu` line of /proc/stat, in
 * core-nanoseconds: user + nice + system + irq + softirq + steal (idle and
 * iowait are not usage; guest time is already inside user). Undefined when
 * the line is missing or malformed.
 */
export function parseProcStatCpu(text: string): bigint | undefined {
  const line = text.split('\n').find((l) => /^cpu\s/.test(l));
  if (!line) return undefined;
  const f = line.trim().split(/\s+/).slice(1);
  if (f.length < 4 || !f.every((x) => /^\d+$/.test(x))) return undefined;
  const tick = (i: number): bigint => BigInt(f[i] ?? '0');
  const ticks = tick(0) + tick(1) + tick(2) + tick(5) + tick(6) + tick(7);
  return ticks * (1_000_000_000n / BigInt(USER_HZ));
}

/**
 * The memory working set from /proc/meminfo, bytes: MemTotal − MemAvailable
 * (the host-wide stand-in for the kubelet's root-cgroup usage minus inactive
 * file pages). Undefined when either field is missing.
 */
export function parseMeminfoWorkingSet(text: string): number | undefined {
  const kb = (key: string): number | undefined => {
    const m = new RegExp(`^${key}:\\s+(\\d+)\\s*kB`, 'm').exec(text);
    return m ? Number(m[1]) : undefined;
  };
  const total = kb('MemTotal');
  const avail = kb('MemAvailable');
  if (total === undefined || avail === undefined) return undefined;
  return Math.max(0, total - avail) * 1024;
}

/** Reads the host's usage now; rejects when /proc cannot be read or parsed. */
export async function readHostUsage(now: () => number = Date.now, procDir = '/proc'): Promise<HostUsage> {
  const [stat, meminfo] = await Promise.all([readFile(`${procDir}/stat`, 'utf8'), readFile(`${procDir}/meminfo`, 'utf8')]);
  const cpu = parseProcStatCpu(stat);
  const mem = parseMeminfoWorkingSet(meminfo);
  if (cpu === undefined || mem === undefined) throw new Error(`cannot parse ${procDir}/stat or ${procDir}/meminfo`);
  return { cpuCoreNanos: cpu, workingSetBytes: mem, timestampMs: now() };
}
