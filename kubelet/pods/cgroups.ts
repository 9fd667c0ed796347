/**
 * Pod-level cgroups on cgroup v1 (cgroupfs driver). runc creates the
 * `cgroup_parent` directories under every hierarchy but never removes them,
 * so the kubelet creates them before the sandbox and removes them after the
 * pod is gone. Everything here is best effort: failures are returned, not thrown.
 */
import { lstat, mkdir, readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Root of the cgroup mounts. */
export const CGROUP_ROOT = '/sys/fs/cgroup';

/** Cgroup path (cgroupfs syntax) used as a pod's cgroup_parent: `/skiff/pod<uid>`. */
export function podCgroupParent(uid: string): string {
  return `/skiff/pod${uid}`;
}

async function hierarchies(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of await readdir(root).catch(() => [] as string[])) {
    const st = await lstat(join(root, name)).catch(() => undefined);
    if (st?.isDirectory()) out.push(join(root, name));
  }
  return out;
}

/** Creates the pod cgroup in every hierarchy; returns the errors met (empty on success). */
export async function createPodCgroup(uid: string, root = CGROUP_ROOT): Promise<string[]> {
  const errors: string[] = [];
  for (const h of await hierarchies(root)) {
    await mkdir(join(h, podCgroupParent(uid)), { recursive: true }).catch((e: Error) => errors.push(`${h}: ${e.message}`));
  }
  return errors;
}

/** Removes the pod cgroup (children first) from every hierarchy; returns the errors met. */
export async function removePodCgroup(uid: string, root = CGROUP_ROOT): Promise<string[]> {
  const errors: string[] = [];
  const removeTree = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => undefined);
    if (!entries) return;
    for (const e of entries) if (e.isDirectory()) await removeTree(join(dir, e.name));
    await rmdir(dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') errors.push(`${dir}: ${err.message}`);
    });
  };
  for (const h of await hierarchies(root)) await removeTree(join(h, podCgroupParent(uid)));
  return errors;
}
