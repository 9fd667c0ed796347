/**
 * Last-resort cleanup for a test node: container processes keep running when
 * containerd and the kubelet are gone (each lives in its own pod network
 * namespace, so `ip netns pids` on the node namespace misses them). They are
 * recognised by their root filesystem, an overlay whose layers live under the
 * node's containerd root inside the test's data dir.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * rootMountUnder reports whether a /proc/<pid>/mountinfo text has its root
 * mount ("/" mount point, 5th field) backed by something under `dir` (a path
 * in its source or options, e.g. overlay lowerdir=<dir>/containerd/root/...).
 */
export function rootMountUnder(mountinfo: string, dir: string): boolean {
  const prefix = dir.endsWith('/') ? dir : dir + '/';
  for (const line of mountinfo.split('\n')) {
    const fields = line.split(' ');
    if (fields[4] !== '/') continue;
    if (line.includes(prefix)) return true;
  }
  return false;
}

/**
 * killProcessesRootedUnder sends SIGKILL to every process whose root mount is
 * backed by a path under `dir`, and returns their pids. Processes that vanish
 * meanwhile are ignored. Needs root to read other processes' mountinfo.
 */
export async function killProcessesRootedUnder(dir: string): Promise<number[]> {
  const killed: number[] = [];
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    const info = await readFile(`/proc/${pid}/mountinfo`, 'utf8').catch(() => '');
    if (!info || !rootMountUnder(info, dir)) continue;
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      // exited meanwhile
    }
  }
  return killed;
}

/**
 * releaseCniState removes the host-local IPAM reservations (files under
 * `<cniDir>/networks/<net>/` whose first line is one of `sandboxIds`) and the
 * CNI result cache entries (`<cniDir>/results/<net>-<id>-<ifname>`) left by
 * these sandboxes. The CNI state dir is shared by every node on the host, so
 * without this each torn-down test cluster would leak pod IPs. Returns the
 * number of files removed.
 */
export async function releaseCniState(sandboxIds: Iterable<string>, cniDir = '/var/lib/cni'): Promise<number> {
  const ids = new Set(sandboxIds);
  if (ids.size === 0) return 0;
  let removed = 0;
  const networks = join(cniDir, 'networks');
  for (const net of await readdir(networks).catch(() => [] as string[])) {
    for (const f of await readdir(join(networks, net)).catch(() => [] as string[])) {
      const p = join(networks, net, f);
      const first = (await readFile(p, 'utf8').catch(() => '')).split(/\r?\n/)[0]?.trim() ?? '';
      if (ids.has(first)) {
        await rm(p, { force: true });
        removed++;
      }
    }
  }
  const results = join(cniDir, 'results');
  for (const f of await readdir(results).catch(() => [] as string[])) {
    for (const id of ids) {
      if (f.includes(`-${id}-`)) {
        await rm(join(results, f), { force: true });
        removed++;
        break;
      }
    }
  }
  return removed;
}
