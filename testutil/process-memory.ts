/** Resident memory of a process from /proc, for benches and e2e notes. */
import { readFile } from 'node:fs/promises';

/** A process's memory, MiB with one decimal: VmRSS now and VmHWM (the peak). */
export interface Rss { rssMiB: number; peakMiB: number }

const round1 = (x: number): number => Math.round(x * 10) / 10;

/** VmRSS and VmHWM of `pid` in MiB, from /proc/<pid>/status. Rejects when the process is gone. */
export async function readRss(pid: number | 'self'): Promise<Rss> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
  return { rssMiB: round1(kb('VmRSS') / 1024), peakMiB: round1(kb('VmHWM') / 1024) };
}
