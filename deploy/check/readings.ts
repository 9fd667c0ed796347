/**
 * The raw readings `skiff check` judges, and `readHost`, which takes them
 * from this machine. Readings are texts as the kernel or a command printed
 * them (null when the file or command is missing), so a test can inject
 * exactly what another host (a Raspberry Pi with the memory cgroup off)
 * would show. Reading never changes the host: no writes to /proc or /sys,
 * no module loading, and never `iptables-legacy` (running it once leaves
 * legacy tables behind; the legacy tables are read from
 * /proc/net/ip_tables_names instead).
 */
import { execFile } from 'node:child_process';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { busyPorts, type PortUse } from '../server/preflight.ts';
import { readServerClock, type ClockReading } from './clock.ts';
import { cgroupLayout, moduleNamesFromPaths, parseMounts } from './parse.ts';

/** The kernel modules Skiff needs: bridge netfilter (Service traffic between pods on one bridge) and overlayfs (containerd's snapshotter). */
export const REQUIRED_MODULES = ['br_netfilter', 'overlay'] as const;

/** Everything `checkHost` looks at. Texts are raw file/command output; null means missing or unreadable. */
export interface HostReadings {
  /** Node's `process.arch`: 'x64', 'arm64', 'arm', ... */
  arch: string;
  /** Effective uid, null where unknown. */
  uid: number | null;
  /** /etc/os-release (or /usr/lib/os-release). */
  osRelease: string | null;
  /** Device-tree model, e.g. 'Raspberry Pi 4 Model B Rev 1.4' (NULs stripped); null on PCs and VMs. */
  deviceModel: string | null;
  /** /etc/rpi-issue exists (Raspberry Pi OS). */
  rpiIssue: boolean;
  /** The Raspberry Pi boot command-line file that exists: /boot/firmware/cmdline.txt (Bookworm on) or /boot/cmdline.txt. */
  bootCmdlineFile: string | null;
  /** /proc/sys/kernel/osrelease, e.g. '6.1.0-26-arm64'. */
  kernelRelease: string | null;
  /** /proc/cmdline. */
  cmdline: string | null;
  cgroups: {
    /** /proc/cgroups. */
    procCgroups: string | null;
    /** /proc/self/mounts. */
    mounts: string | null;
    /** cgroup.controllers at the cgroup2 mount root (/sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrid hosts). */
    v2Controllers: string | null;
  };
  /** /proc/swaps. */
  swaps: string | null;
  modules: {
    /** /proc/modules (missing on kernels without module support). */
    procModules: string | null;
    /** Which of REQUIRED_MODULES have /sys/module/<name> (loaded, or built in with parameters). */
    sysfs: string[];
    /** Module names in /lib/modules/<release>/modules.builtin. */
    builtin: string[] | null;
    /** Module names in /lib/modules/<release>/modules.dep (loadable with modprobe). */
    available: string[] | null;
    /** /proc/filesystems ('overlay' there means overlayfs is usable, loaded or built in). */
    filesystems: string | null;
  };
  sysctl: {
    /** /proc/sys/net/ipv4/ip_forward. */
    ipForward: string | null;
    /** /proc/sys/net/bridge/bridge-nf-call-iptables (exists only with br_netfilter). */
    bridgeNfCallIptables: string | null;
  };
  iptables: {
    /** `iptables --version` stdout; null when iptables is not installed. */
    version: string | null;
    /** /proc/net/ip_tables_names: legacy (xtables) IPv4 tables in use; empty when only nf_tables is used. */
    legacyTables: string | null;
    /** /proc/net/ip6_tables_names. */
    legacy6Tables: string | null;
    /** `nft list tables` stdout; null when nft is missing or may not list (not root). */
    nftTables: string | null;
  };
  ports: {
    /** The ports the node's components will listen on. */
    checked: PortUse[];
    /** Those already taken. */
    busy: PortUse[];
  };
  /** The server's clock; null when no server was given. */
  clock: ClockReading | null;
}

/** What to read besides the host itself. */
export interface ReadHostOptions {
  /** Ports the node will listen on (see deploy/server/components.ts listenPorts). */
  ports: PortUse[];
  /** Server URL (https://IP:6443) whose clock to compare. */
  server?: string;
  /** PEM CA to verify the server with (see ReadClockOptions.ca). */
  serverCA?: string;
}

/** The file's text, or null when it is missing or unreadable. Never throws. */
async function text(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** stdout of `cmd args` when it exits 0 within 5 s, else null. /usr/sbin and /sbin are added to PATH (iptables lives there). */
function run(cmd: string, args: string[]): Promise<string | null> {
  const env = { ...process.env, PATH: `${process.env.PATH ?? '/usr/bin:/bin'}:/usr/sbin:/sbin` };
  return new Promise((resolve) => {
    execFile(cmd, args, { env, timeout: 5000, maxBuffer: 1 << 20 }, (err, stdout) => resolve(err ? null : stdout));
  });
}

/**
 * Reads every HostReadings field from this machine (only reads; see the
 * file comment), checks which of `o.ports` are taken, and, with
 * `o.server`, reads the server's clock. Never throws: missing pieces are
 * null.
 */
export async function readHost(o: ReadHostOptions): Promise<HostReadings> {
  const r = (p: string): string => join('/', p);
  const kernelRelease = await text(r('proc/sys/kernel/osrelease'));
  const release = kernelRelease?.trim() ?? '';
  const mounts = await text(r('proc/self/mounts'));
  const v2Root = mounts === null ? null : cgroupLayout(parseMounts(mounts)).v2Root;
  const model = (await text(r('proc/device-tree/model'))) ?? (await text(r('sys/firmware/devicetree/base/model')));
  const bootFiles = ['boot/firmware/cmdline.txt', 'boot/cmdline.txt'];
  let bootCmdlineFile: string | null = null;
  for (const f of bootFiles) {
    if (await exists(r(f))) { bootCmdlineFile = `/${f}`; break; }
  }
  const sysfs: string[] = [];
  for (const m of REQUIRED_MODULES) if (await exists(r(`sys/module/${m}`))) sysfs.push(m);
  const builtin = release === '' ? null : await text(r(`lib/modules/${release}/modules.builtin`));
  const dep = release === '' ? null : await text(r(`lib/modules/${release}/modules.dep`));
  const [busy, clock] = await Promise.all([
    busyPorts(o.ports),
    o.server === undefined ? Promise.resolve(null) : readServerClock(o.server, o.serverCA !== undefined ? { ca: o.serverCA } : {}),
  ]);
  return {
    arch: process.arch,
    uid: process.getuid?.() ?? null,
    osRelease: (await text(r('etc/os-release'))) ?? (await text(r('usr/lib/os-release'))),
    deviceModel: model === null ? null : model.replace(/\0/g, '').trim(),
    rpiIssue: await exists(r('etc/rpi-issue')),
    bootCmdlineFile,
    kernelRelease,
    cmdline: await text(r('proc/cmdline')),
    cgroups: {
      procCgroups: await text(r('proc/cgroups')),
      mounts,
      v2Controllers: v2Root === null ? null : await text(join(v2Root, 'cgroup.controllers')),
    },
    swaps: await text(r('proc/swaps')),
    modules: {
      procModules: await text(r('proc/modules')),
      sysfs,
      builtin: builtin === null ? null : moduleNamesFromPaths(builtin),
      available: dep === null ? null : moduleNamesFromPaths(dep),
      filesystems: await text(r('proc/filesystems')),
    },
    sysctl: {
      ipForward: await text(r('proc/sys/net/ipv4/ip_forward')),
      bridgeNfCallIptables: await text(r('proc/sys/net/bridge/bridge-nf-call-iptables')),
    },
    iptables: {
      version: await run('iptables', ['--version']),
      legacyTables: await text(r('proc/net/ip_tables_names')),
      legacy6Tables: await text(r('proc/net/ip6_tables_names')),
      nftTables: await run('nft', ['list', 'tables']),
    },
    ports: { checked: o.ports, busy },
    clock,
  };
}
