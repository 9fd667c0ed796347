/**
 * `checkHost`: judges the readings of one host (deploy/check/readings.ts)
 * and returns one finding per check, each with a level, a one-line
 * statement and, when something is wrong, a concrete fix. Pure.
 *
 * The rules follow kubeadm's preflight (cmd/kubeadm/app/preflight/checks.go:
 * bridge-nf-call-iptables must be 1, swap is a warning, ports must be free;
 * ip_forward is an error there but a warning here, see checkIPForward),
 * k3s's check-config and Raspberry Pi docs (the memory cgroup needs
 * `cgroup_memory=1 cgroup_enable=memory`), and kubernetes-sigs/
 * iptables-wrappers (legacy and nft rules are invisible to each other, so a
 * host must not use both).
 */
import type { PortUse } from '../server/preflight.ts';
import { minAbsSkewMs, skewBounds } from './clock.ts';
import {
  cgroupLayout, cmdlineParams, iptablesBackend, iptablesNftTables, moduleName, parseFilesystems, parseMounts, parseNftTables, parseOsRelease,
  parseProcCgroups, parseProcModules, parseSwaps, parseTableNames, type SwapArea,
} from './parse.ts';
import { REQUIRED_MODULES, type HostReadings } from './readings.ts';

/** ok: fine; warn: works but should be fixed; fail: Skiff will not work right; skip: not checked (e.g. no --server). */
export type Level = 'ok' | 'warn' | 'fail' | 'skip';

/** The checks, in the order they are reported. */
export type CheckId = 'os' | 'kernel' | 'memory-cgroup' | 'swap' | 'modules' | 'bridge-nf' | 'ip-forward' | 'iptables' | 'ports' | 'clock';

/** One check's verdict. */
export interface Finding {
  id: CheckId;
  /** Short name shown before the message, e.g. 'memory cgroup'. */
  title: string;
  level: Level;
  /** One line: what was found. */
  message: string;
  /** What to run or change; set when level is warn or fail. May span lines. */
  fix?: string;
}

/** Skew above this (ms) is a warning: etcd's peer clock-drift limit (rafthttp maxClockDrift, 1 s). */
export const CLOCK_WARN_MS = 1000;
/**
 * Skew above this (ms) fails: a host that far behind sees a just-made
 * cluster CA and certs issued by the server (notBefore = the server's now)
 * as not yet valid, and refuses the TLS handshake when it joins. One minute
 * is also the leeway Kubernetes' JWT checks allow (go-jose jwt.DefaultLeeway).
 */
export const CLOCK_FAIL_MS = 60_000;

/** Supported distributions: os-release ID → VERSION_IDs. Raspberry Pi OS (arm64) reports ID=debian. */
const SUPPORTED: Record<string, string[]> = { debian: ['12', '13'], ubuntu: ['22.04', '24.04'] };

/** Judges every check from `r`, in CheckId order. Pure. */
export function checkHost(r: HostReadings): Finding[] {
  const os = r.osRelease === null ? {} : parseOsRelease(r.osRelease);
  const pi = isRaspberryPi(r, os);
  return [
    checkOS(r, os, pi), checkKernel(r), checkMemoryCgroup(r, pi), checkSwap(r, pi), checkModules(r),
    checkBridgeNf(r), checkIPForward(r), checkIptables(r), checkPorts(r.ports.checked, r.ports.busy), checkClock(r.clock),
  ];
}

/** A Raspberry Pi: its device-tree model, Raspberry Pi OS's /etc/rpi-issue, or the 32-bit Raspbian ID. */
function isRaspberryPi(r: HostReadings, os: Record<string, string>): boolean {
  return (r.deviceModel ?? '').startsWith('Raspberry Pi') || r.rpiIssue || os.ID === 'raspbian';
}

const ok = (id: CheckId, title: string, message: string): Finding => ({ id, title, level: 'ok', message });
const bad = (id: CheckId, title: string, level: 'warn' | 'fail', message: string, fix: string): Finding => ({ id, title, level, message, fix });

function checkOS(r: HostReadings, os: Record<string, string>, pi: boolean): Finding {
  const t = 'operating system';
  const name = os.PRETTY_NAME ?? os.NAME ?? os.ID ?? 'unknown';
  const what = `${pi ? 'Raspberry Pi OS / ' : ''}${name}, ${r.arch}`;
  const supported = 'Debian 12/13, Ubuntu 22.04/24.04 or Raspberry Pi OS (64-bit)';
  if (r.osRelease === null) return bad('os', t, 'warn', 'no /etc/os-release: cannot tell the distribution', `use ${supported}`);
  if (pi && r.arch !== 'arm64') {
    return bad('os', t, 'warn', `${what}: 32-bit Raspberry Pi OS is not supported`, 'install Raspberry Pi OS (64-bit), the arm64 image');
  }
  if (r.arch !== 'x64' && r.arch !== 'arm64') return bad('os', t, 'warn', `${what}: only amd64 and arm64 are supported`, `use ${supported} on amd64 or arm64`);
  const versions = SUPPORTED[os.ID ?? ''];
  if (versions === undefined || !versions.includes(os.VERSION_ID ?? '')) {
    return bad('os', t, 'warn', `${what} is not a supported distribution; Skiff may work but is not tested there`, `use ${supported}`);
  }
  return ok('os', t, `${what}`);
}

function checkKernel(r: HostReadings): Finding {
  if (r.kernelRelease === null) return bad('kernel', 'kernel', 'warn', 'cannot read /proc/sys/kernel/osrelease', 'is /proc mounted?');
  return ok('kernel', 'kernel', `Linux ${r.kernelRelease.trim()}`);
}

/**
 * How to turn the memory cgroup on, ending in "and reboot". A Raspberry Pi's
 * firmware itself adds `cgroup_disable=memory`, so there the fix is to
 * append `cgroup_memory=1 cgroup_enable=memory` to cmdline.txt (a later
 * parameter wins; Raspberry Pi and k3s docs). Elsewhere the kernel command
 * line comes from GRUB: drop a `cgroup_disable=memory` or add
 * `cgroup_enable=memory`.
 */
function memoryCgroupFix(r: HostReadings, pi: boolean, disabledOnCmdline: boolean): string {
  if (pi) {
    const file = r.bootCmdlineFile ?? '/boot/firmware/cmdline.txt (or /boot/cmdline.txt on older releases)';
    return `append \`cgroup_memory=1 cgroup_enable=memory\` to ${file} (it is one line: add them at its end, separated by spaces) and reboot`;
  }
  const grub = 'GRUB_CMDLINE_LINUX (and GRUB_CMDLINE_LINUX_DEFAULT) in /etc/default/grub, run update-grub and reboot';
  return disabledOnCmdline ? `remove \`cgroup_disable=memory\` from ${grub}` : `add \`cgroup_enable=memory\` to ${grub}`;
}

function checkMemoryCgroup(r: HostReadings, pi: boolean): Finding {
  const t = 'memory cgroup';
  const params = cmdlineParams(r.cmdline ?? '');
  const disabledOnCmdline = params.some((p) => p === 'cgroup_disable=memory');
  const ctl = r.cgroups.procCgroups === null ? undefined : parseProcCgroups(r.cgroups.procCgroups).get('memory');
  const layout = cgroupLayout(parseMounts(r.cgroups.mounts ?? ''));
  const v2Has = r.cgroups.v2Controllers === null ? null : r.cgroups.v2Controllers.trim().split(/\s+/).includes('memory');
  const fix = memoryCgroupFix(r, pi, disabledOnCmdline);
  const why = 'pods\' memory limits cannot be enforced and containers with limits fail to start';
  if (r.cgroups.procCgroups !== null && ctl === undefined) {
    return bad('memory-cgroup', t, 'fail', `this kernel has no memory cgroup (no memory row in /proc/cgroups): ${why}`,
      'boot your distribution\'s standard kernel (it is built with CONFIG_MEMCG)');
  }
  if (ctl !== undefined && !ctl.enabled) {
    const cause = pi ? ' (Raspberry Pi OS boots with it off)' : disabledOnCmdline ? ' (cgroup_disable=memory on the kernel command line)' : '';
    return bad('memory-cgroup', t, 'fail', `the memory cgroup controller is disabled${cause}: ${why}`, fix);
  }
  if (layout.mode === 'v2') {
    if (v2Has === false) {
      return bad('memory-cgroup', t, 'fail', `the memory controller is not in ${layout.v2Root}/cgroup.controllers (cgroup v2): ${why}`, fix);
    }
    if (v2Has === true) return ok('memory-cgroup', t, 'memory controller enabled (cgroup v2)');
    return bad('memory-cgroup', t, 'warn', `cannot read ${layout.v2Root}/cgroup.controllers`, 'run skiff check as root');
  }
  if (layout.mode === 'v1' || layout.mode === 'hybrid') {
    if (!layout.v1Controllers.includes('memory')) {
      return bad('memory-cgroup', t, 'fail', `no memory cgroup hierarchy is mounted (cgroup ${layout.mode}): ${why}`,
        'mount it (mount -t cgroup -o memory cgroup /sys/fs/cgroup/memory), or boot with systemd, which mounts it');
    }
    return ok('memory-cgroup', t, `memory controller enabled (cgroup ${layout.mode})`);
  }
  return bad('memory-cgroup', t, 'fail', 'no cgroup filesystem is mounted', 'mount cgroup2 at /sys/fs/cgroup (mount -t cgroup2 none /sys/fs/cgroup), or boot with systemd');
}

const kib = (n: number): string => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} GiB` : `${Math.round(n / 1024)} MiB`);

/** The command(s) that turn off the swap areas found, by kind: dphys-swapfile, zram, fstab entries. */
function swapFix(areas: SwapArea[], pi: boolean): string {
  const steps: string[] = [];
  const zram = areas.some((a) => a.file.startsWith('/dev/zram'));
  const dphys = pi || areas.some((a) => a.file === '/var/swap');
  steps.push('swapoff -a');
  if (dphys) steps.push('systemctl disable --now dphys-swapfile (Raspberry Pi OS\'s swap file)');
  if (zram) steps.push('disable the zram swap: systemctl disable --now zramswap (zram-tools) or remove /etc/systemd/zram-generator.conf');
  steps.push('remove or comment out the swap entries in /etc/fstab so it stays off after a reboot');
  return steps.join('; then ');
}

function checkSwap(r: HostReadings, pi: boolean): Finding {
  const t = 'swap';
  if (r.swaps === null) return bad('swap', t, 'warn', 'cannot read /proc/swaps', 'is /proc mounted?');
  const areas = parseSwaps(r.swaps);
  if (areas.length === 0) return ok('swap', t, 'off');
  const total = areas.reduce((n, a) => n + a.sizeKiB, 0);
  const list = areas.map((a) => a.file).join(', ');
  return bad('swap', t, 'warn',
    `swap is on (${kib(total)} in ${list}): containers can swap past their memory limits instead of being OOM-killed, slowing the whole node`,
    swapFix(areas, pi));
}

/** Where a module stands: in use (loaded or built in), loadable, or absent from this kernel. */
type ModuleState = 'present' | 'loadable' | 'absent' | 'unknown';

function moduleState(r: HostReadings, m: string): ModuleState {
  const loaded = r.modules.procModules === null ? [] : parseProcModules(r.modules.procModules);
  const evidence = m === 'br_netfilter' ? r.sysctl.bridgeNfCallIptables !== null
    : m === 'overlay' ? parseFilesystems(r.modules.filesystems ?? '').includes('overlay') : false;
  if (loaded.includes(m) || r.modules.sysfs.includes(m) || (r.modules.builtin ?? []).includes(m) || evidence) return 'present';
  if (r.modules.available !== null) return r.modules.available.includes(moduleName(m)) ? 'loadable' : 'absent';
  return r.modules.procModules === null ? 'absent' : 'unknown';
}

const CONFIG: Record<string, string> = { br_netfilter: 'CONFIG_BRIDGE_NETFILTER', overlay: 'CONFIG_OVERLAY_FS' };
const WHY: Record<string, string> = { br_netfilter: 'Services between pods on one bridge need it', overlay: 'containerd\'s snapshotter' };

function checkModules(r: HostReadings): Finding {
  const t = 'kernel modules';
  const states = REQUIRED_MODULES.map((m) => ({ m, s: moduleState(r, m) }));
  const missing = states.filter((x) => x.s !== 'present');
  if (missing.length === 0) return ok('modules', t, `${REQUIRED_MODULES.join(', ')} available`);
  const absent = missing.filter((x) => x.s === 'absent').map((x) => x.m);
  const load = missing.filter((x) => x.s !== 'absent').map((x) => x.m);
  const fixes: string[] = [];
  if (load.length > 0) {
    fixes.push(`modprobe ${load.join(' ')}; persist: printf '${load.join('\\n')}\\n' > /etc/modules-load.d/skiff.conf`);
  }
  if (absent.length > 0) {
    fixes.push(`the running kernel${r.kernelRelease ? ` (${r.kernelRelease.trim()})` : ''} has no ${absent.join(', ')}: boot your distribution's standard kernel `
      + `(or one built with ${absent.map((m) => CONFIG[m]).join(', ')})`);
  }
  return bad('modules', t, 'fail', `not loaded: ${missing.map((x) => `${x.m} (${WHY[x.m]})`).join(', ')}`, fixes.join('\n'));
}

const persist = (key: string): string => `sysctl -w ${key}=1; persist: echo '${key} = 1' >> /etc/sysctl.d/90-skiff.conf`;

function checkBridgeNf(r: HostReadings): Finding {
  const t = 'net.bridge.bridge-nf-call-iptables';
  const key = 'net.bridge.bridge-nf-call-iptables';
  const v = r.sysctl.bridgeNfCallIptables?.trim();
  if (v === undefined) {
    return bad('bridge-nf', t, 'fail', 'absent: br_netfilter is not loaded, so Service traffic between pods on one node bypasses iptables',
      `modprobe br_netfilter (see kernel modules), then ${persist(key)}`);
  }
  if (v !== '1') return bad('bridge-nf', t, 'fail', `is ${v}: Service traffic between pods on one node bypasses iptables`, persist(key));
  return ok('bridge-nf', t, '1');
}

function checkIPForward(r: HostReadings): Finding {
  const t = 'net.ipv4.ip_forward';
  const v = r.sysctl.ipForward?.trim();
  if (v === undefined) return bad('ip-forward', t, 'warn', 'cannot read /proc/sys/net/ipv4/ip_forward', 'is /proc mounted?');
  if (v !== '1') {
    // kubeadm makes this an error; here a warning, because Skiff's CNI bridge plugin turns it on when the node's first pod starts.
    return bad('ip-forward', t, 'warn', `is ${v}: until the first pod starts (the CNI bridge turns it on), or after a sysctl reload resets it, `
      + 'the host does not route pod traffic to other nodes or out', persist('net.ipv4.ip_forward'));
  }
  return ok('ip-forward', t, '1');
}

function checkIptables(r: HostReadings): Finding {
  const t = 'iptables';
  if (r.iptables.version === null) return bad('iptables', t, 'fail', 'iptables is not installed (the proxy programs Services with it)', 'apt-get install iptables');
  const version = r.iptables.version.trim();
  const backend = iptablesBackend(version);
  const legacy = [
    ...parseTableNames(r.iptables.legacyTables ?? '').map((n) => `ip ${n}`),
    ...parseTableNames(r.iptables.legacy6Tables ?? '').map((n) => `ip6 ${n}`),
  ];
  const nft = r.iptables.nftTables === null ? null : iptablesNftTables(parseNftTables(r.iptables.nftTables));
  const invisible = 'rules in one are invisible to the other, so pod and Service traffic is filtered by rules Skiff cannot see';
  const toNft = 'update-alternatives --set iptables /usr/sbin/iptables-nft; update-alternatives --set ip6tables /usr/sbin/ip6tables-nft';
  if (backend === 'nft' && legacy.length > 0) {
    return bad('iptables', t, 'fail', `mixed backends: iptables uses nf_tables but legacy tables are loaded (${legacy.join(', ')}); ${invisible}`,
      `keep nf_tables (${toNft}); switch whatever writes legacy rules (an old Docker, kube-proxy or firewall script) to iptables-nft; `
      + 'then reboot (legacy tables live in memory), or flush them: '
      + 'for t in $(cat /proc/net/ip_tables_names); do iptables-legacy -t $t -F; iptables-legacy -t $t -X; done (ip6tables-legacy likewise)');
  }
  if (backend === 'legacy' && nft !== null && nft.length > 0) {
    return bad('iptables', t, 'fail', `mixed backends: iptables uses legacy but iptables-nft tables exist (${nft.join(', ')}); ${invisible}`,
      `switch to nf_tables, the default of current Debian and Ubuntu: ${toNft}; then reboot so only one set of tables remains`);
  }
  if (backend === null) return bad('iptables', t, 'warn', `cannot tell the backend from "${version}"`, 'install iptables 1.8 or newer (apt-get install iptables)');
  const note = backend === 'nft' && nft === null && r.uid !== 0 ? ' (not root: nft tables not listed)' : '';
  return ok('iptables', t, `${version}, one backend${note}`);
}

function checkPorts(checked: PortUse[], busy: PortUse[]): Finding {
  const t = 'ports';
  if (busy.length === 0) return ok('ports', t, `free: ${checked.map((p) => p.port).join(', ')}`);
  const list = busy.map((b) => `${b.port} (${b.owner})`).join(', ');
  const first = busy[0].port;
  const movable = busy.some((b) => b.owner === 'apiserver' || b.owner.startsWith('etcd'));
  return bad('ports', t, 'fail', `in use: ${list}`,
    `find who listens with \`ss -ltnp 'sport = :${first}'\`; stop it (another skiff or Kubernetes?)`
    + `${movable ? ' or pick other ports (--api-port, --etcd-client-port, --etcd-peer-port)' : ''}`);
}

function checkClock(c: HostReadings['clock']): Finding {
  const t = 'clock';
  const fix = 'sync both clocks with NTP: timedatectl set-ntp true (systemd-timesyncd) or apt-get install chrony; '
    + 'a Raspberry Pi has no RTC, so it needs NTP reachable at boot';
  if (c === null) return { id: 'clock', title: t, level: 'skip', message: 'not compared (pass --server https://IP:6443)' };
  if ('error' in c) {
    return bad('clock', t, 'warn', `cannot read the clock of ${c.server}: ${c.error}`, 'check the URL and that the server runs (only GET /version is sent)');
  }
  const b = skewBounds(c);
  if (b === null) return bad('clock', t, 'warn', `${c.server} sent no usable Date header`, 'is that a Skiff or Kubernetes API server?');
  const skew = minAbsSkewMs(b);
  const estimate = (b.lowMs + b.highMs) / 2;
  const side = estimate > 0 ? 'behind' : 'ahead of';
  const what = `this host is ${(Math.abs(estimate) / 1000).toFixed(1)} s ${side} ${c.server}`;
  if (skew > CLOCK_FAIL_MS) return bad('clock', t, 'fail', `${what}: certificates it just issued look not yet valid here (or expire early)`, fix);
  if (skew > CLOCK_WARN_MS) return bad('clock', t, 'warn', `${what} (over ${CLOCK_WARN_MS / 1000} s: etcd and leases expect synced clocks)`, fix);
  const most = Math.max(Math.abs(b.lowMs), Math.abs(b.highMs));
  return ok('clock', t, `within ${(most / 1000).toFixed(1)} s of ${c.server} (Date has 1 s resolution)`);
}
