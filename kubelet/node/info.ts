/**
 * Machine facts for the Node object (capacity, nodeInfo, addresses), split
 * into pure parsers (table-tested) and one reader of the real files.
 */
import { readFile, statfs } from 'node:fs/promises';
import os from 'node:os';

/** Facts about this machine, as read by `readMachineInfo`. */
export interface MachineInfo {
  cpuCores: number;
  /** Total memory in KiB (MemTotal). */
  memoryKi: number;
  /** Size of the filesystem holding rootDir, bytes. */
  ephemeralStorageBytes: number;
  osImage: string;
  kernelVersion: string;
  /** Kubernetes arch name: amd64, arm64, ... */
  architecture: string;
  machineID: string;
  bootID: string;
  systemUUID: string;
}

/** MemTotal of /proc/meminfo in KiB (0 when absent). */
export function parseMemTotalKi(meminfo: string): number {
  const m = /^MemTotal:\s+(\d+)\s*kB/m.exec(meminfo);
  return m ? Number(m[1]) : 0;
}

/** PRETTY_NAME of /etc/os-release, unquoted ('Linux' when absent). */
export function parseOsRelease(text: string): string {
  const m = /^PRETTY_NAME=(.*)$/m.exec(text);
  if (!m) return 'Linux';
  return m[1].trim().replace(/^(["'])(.*)\1$/, '$2');
}

/** Node's arch → Kubernetes arch name. */
export function kubeArch(nodeArch: string): string {
  const map: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' };
  return map[nodeArch] ?? nodeArch;
}

/**
 * The node's InternalIP: the first IPv4, non-internal address of a
 * non-loopback interface, taking interfaces in name order ('' if none).
 */
export function pickNodeIP(ifaces: NodeJS.Dict<os.NetworkInterfaceInfo[]>): string {
  for (const name of Object.keys(ifaces).sort()) {
    if (name === 'lo' || name.startsWith('cni') || name.startsWith('veth')) continue;
    for (const a of ifaces[name] ?? []) {
      if (a.family === 'IPv4' && !a.internal && !a.address.startsWith('169.254.')) return a.address;
    }
  }
  return '';
}

const readOr = async (path: string, fallback = ''): Promise<string> => {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    return fallback;
  }
};

/** Reads the machine facts; rootDir is statfs'ed for ephemeral-storage. Never throws (falls back to 0/''). */
export async function readMachineInfo(rootDir: string): Promise<MachineInfo> {
  let ephemeralStorageBytes = 0;
  try {
    const s = await statfs(rootDir);
    ephemeralStorageBytes = s.blocks * s.bsize;
  } catch { /* unknown */ }
  return {
    cpuCores: os.cpus().length || 1,
    memoryKi: parseMemTotalKi(await readOr('/proc/meminfo')) || Math.floor(os.totalmem() / 1024),
    ephemeralStorageBytes,
    osImage: parseOsRelease(await readOr('/etc/os-release')),
    kernelVersion: os.release(),
    architecture: kubeArch(process.arch),
    machineID: await readOr('/etc/machine-id'),
    bootID: await readOr('/proc/sys/kernel/random/boot_id'),
    systemUUID: (await readOr('/sys/class/dmi/id/product_uuid')).toLowerCase(),
  };
}
