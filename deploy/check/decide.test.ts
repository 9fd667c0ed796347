import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkHost, type CheckId, type Finding, type Level } from './decide.ts';
import type { HostReadings } from './readings.ts';
import { renderFindings } from './render.ts';

/** A healthy Debian 12 amd64 host on cgroup v2, as its files read. */
function healthy(): HostReadings {
  return {
    arch: 'x64', uid: 0,
    osRelease: 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n',
    deviceModel: null, rpiIssue: false, bootCmdlineFile: null,
    kernelRelease: '6.1.0-26-amd64\n',
    cmdline: 'BOOT_IMAGE=/boot/vmlinuz-6.1.0-26-amd64 root=UUID=x ro quiet\n',
    cgroups: {
      procCgroups: '#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpuset\t0\t80\t1\ncpu\t0\t80\t1\nmemory\t0\t80\t1\npids\t0\t80\t1\n',
      mounts: 'sysfs /sys sysfs rw 0 0\ncgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime,nsdelegate 0 0\n',
      v2Controllers: 'cpuset cpu io memory hugetlb pids rdma misc\n',
    },
    swaps: 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n',
    modules: {
      procModules: 'br_netfilter 32768 0 - Live 0x0000000000000000\nbridge 311296 1 br_netfilter, Live 0x0\noverlay 163840 0 - Live 0x0\n',
      sysfs: ['br_netfilter', 'overlay'], builtin: [], available: ['br_netfilter', 'overlay', 'bridge'],
      filesystems: 'nodev\tsysfs\nnodev\toverlay\n\text4\n',
    },
    sysctl: { ipForward: '1\n', bridgeNfCallIptables: '1\n' },
    iptables: { version: 'iptables v1.8.9 (nf_tables)\n', legacyTables: '', legacy6Tables: '', nftTables: 'table ip filter\ntable ip nat\ntable ip skiff\n' },
    ports: { checked: [{ owner: 'apiserver', port: 6443 }, { owner: 'kubelet (API)', port: 10250 }], busy: [] },
    clock: null,
  };
}

/** A Raspberry Pi 4 on Raspberry Pi OS (64-bit) Bookworm, cgroup v2, as it boots out of the box: memory controller off, dphys-swapfile on. */
function raspberryPiOutOfTheBox(): HostReadings {
  const h = healthy();
  return {
    ...h, arch: 'arm64', deviceModel: 'Raspberry Pi 4 Model B Rev 1.4', rpiIssue: true, bootCmdlineFile: '/boot/firmware/cmdline.txt',
    osRelease: 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_ID="12"\nID=debian\n',
    kernelRelease: '6.6.51+rpt-rpi-v8\n',
    cmdline: 'coherent_pool=1M 8250.nr_uarts=0 cgroup_disable=memory numa_policy=interleave console=tty1 root=PARTUUID=1-02 rootfstype=ext4 fsck.repair=yes rootwait\n',
    cgroups: {
      procCgroups: '#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpuset\t0\t60\t1\ncpu\t0\t60\t1\nmemory\t0\t60\t0\npids\t0\t60\t1\n',
      mounts: h.cgroups.mounts,
      v2Controllers: 'cpuset cpu io pids\n',
    },
    swaps: 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/var/swap                               file\t\t102396\t\t0\t\t-2\n',
  };
}

const find = (fs: Finding[], id: CheckId): Finding => {
  const f = fs.find((x) => x.id === id);
  assert.ok(f, `a ${id} finding`);
  return f;
};

test('acceptance: a Raspberry Pi with the memory cgroup disabled and swap on gets both, each with its fix, and exit code 1', () => {
  const findings = checkHost(raspberryPiOutOfTheBox());
  const mem = find(findings, 'memory-cgroup');
  assert.equal(mem.level, 'fail');
  assert.match(mem.message, /^the memory cgroup controller is disabled \(Raspberry Pi OS boots with it off\): pods' memory limits cannot be enforced/);
  assert.equal(mem.fix, 'append `cgroup_memory=1 cgroup_enable=memory` to /boot/firmware/cmdline.txt '
    + '(it is one line: add them at its end, separated by spaces) and reboot');
  const swap = find(findings, 'swap');
  assert.equal(swap.level, 'warn');
  assert.match(swap.message, /^swap is on \(100 MiB in \/var\/swap\)/);
  assert.match(swap.fix ?? '', /^swapoff -a; then systemctl disable --now dphys-swapfile .*; then remove or comment out the swap entries in \/etc\/fstab/);
  const r = renderFindings(findings);
  assert.equal(r.exitCode, 1);
  assert.match(r.text, /^✗ memory cgroup: .*\n {4}fix: append `cgroup_memory=1 cgroup_enable=memory` to \/boot\/firmware\/cmdline.txt/m);
  assert.match(r.text, /^! swap: swap is on .*\n {4}fix: swapoff -a; then systemctl disable --now dphys-swapfile/m);
  // Everything else on that Pi is fine.
  assert.deepEqual(findings.filter((f) => f.level !== 'ok' && f.level !== 'skip').map((f) => f.id), ['memory-cgroup', 'swap']);
});

test('a healthy host: every check ok (the clock skipped without --server), exit code 0', () => {
  const findings = checkHost(healthy());
  assert.deepEqual(findings.map((f) => [f.id, f.level]), [
    ['os', 'ok'], ['kernel', 'ok'], ['memory-cgroup', 'ok'], ['swap', 'ok'], ['modules', 'ok'], ['bridge-nf', 'ok'],
    ['ip-forward', 'ok'], ['iptables', 'ok'], ['ports', 'ok'], ['clock', 'skip'],
  ]);
  assert.ok(findings.every((f) => f.fix === undefined));
  const r = renderFindings(findings);
  assert.equal(r.exitCode, 0);
  assert.equal(r.text.split('\n').filter((l) => /^[✓!✗-] /.test(l)).length, findings.length);
  assert.match(r.text, /All checks passed\.\n$/);
});

/** One case: a change to the healthy readings and what the named check must then say. */
interface Case {
  name: string;
  change: (h: HostReadings) => HostReadings;
  id: CheckId;
  level: Level;
  message: RegExp;
  fix?: RegExp;
}

const v1Mounts = 'cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0\ncgroup /sys/fs/cgroup/memory cgroup rw,nosuid,relatime,memory 0 0\n'
  + 'cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0\n';
const nowMs = Date.parse('Wed, 02 Dec 2026 00:30:00 GMT');
const clock = (offsetS: number): HostReadings['clock'] => ({
  server: 'https://10.0.0.1:6443', sentAtMs: nowMs + 480, receivedAtMs: nowMs + 520, dateHeader: new Date(nowMs + offsetS * 1000).toUTCString(),
});

const cases: Case[] = [
  // memory cgroup
  {
    name: 'memory disabled in /proc/cgroups on a PC: the GRUB fix', id: 'memory-cgroup', level: 'fail',
    change: (h) => ({ ...h, cgroups: { ...h.cgroups, procCgroups: '#subsys_name\thierarchy\tnum_cgroups\tenabled\nmemory\t0\t1\t0\n' } }),
    message: /controller is disabled: pods' memory limits cannot be enforced/,
    fix: /^add `cgroup_enable=memory` to GRUB_CMDLINE_LINUX \(and GRUB_CMDLINE_LINUX_DEFAULT\) in \/etc\/default\/grub, run update-grub and reboot$/,
  },
  {
    name: 'memory disabled by cgroup_disable=memory on a PC: remove it from GRUB', id: 'memory-cgroup', level: 'fail',
    change: (h) => ({
      ...h, cmdline: 'root=UUID=x ro cgroup_disable=memory quiet\n',
      cgroups: { ...h.cgroups, procCgroups: '#subsys_name\thierarchy\tnum_cgroups\tenabled\nmemory\t0\t1\t0\n', v2Controllers: 'cpu pids\n' },
    }),
    message: /disabled \(cgroup_disable=memory on the kernel command line\)/,
    fix: /^remove `cgroup_disable=memory` from GRUB_CMDLINE_LINUX/,
  },
  {
    name: 'Raspberry Pi with /boot/cmdline.txt only (older release), v2 controllers lack memory, /proc/cgroups unreadable', id: 'memory-cgroup', level: 'fail',
    change: (h) => ({
      ...h, deviceModel: 'Raspberry Pi 3 Model B Plus Rev 1.3', arch: 'arm64', bootCmdlineFile: '/boot/cmdline.txt',
      cgroups: { ...h.cgroups, procCgroups: null, v2Controllers: 'cpuset cpu io pids\n' },
    }),
    message: /memory controller is not in \/sys\/fs\/cgroup\/cgroup.controllers \(cgroup v2\)/,
    fix: /^append `cgroup_memory=1 cgroup_enable=memory` to \/boot\/cmdline.txt \(it is one line/,
  },
  {
    name: 'Raspberry Pi, no boot file found: both places named', id: 'memory-cgroup', level: 'fail',
    change: (h) => ({ ...h, rpiIssue: true, arch: 'arm64', cgroups: { ...h.cgroups, v2Controllers: 'cpu pids' } }),
    message: /not in \/sys\/fs\/cgroup\/cgroup.controllers/,
    fix: /to \/boot\/firmware\/cmdline.txt \(or \/boot\/cmdline.txt on older releases\)/,
  },
  {
    name: 'kernel without a memory row at all', id: 'memory-cgroup', level: 'fail',
    change: (h) => ({ ...h, cgroups: { ...h.cgroups, procCgroups: '#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpu\t0\t1\t1\n' } }),
    message: /no memory cgroup \(no memory row in \/proc\/cgroups\)/, fix: /CONFIG_MEMCG/,
  },
  {
    name: 'cgroup v1 hybrid with memory mounted: ok', id: 'memory-cgroup', level: 'ok',
    change: (h) => ({ ...h, cgroups: { procCgroups: '#subsys_name\thierarchy\tnum_cgroups\tenabled\nmemory\t4\t9\t1\n', mounts: v1Mounts, v2Controllers: '' } }),
    message: /^memory controller enabled \(cgroup hybrid\)$/,
  },
  {
    name: 'cgroup v1 without a memory hierarchy mounted', id: 'memory-cgroup', level: 'fail',
    change: (h) => ({ ...h, cgroups: { procCgroups: '#subsys_name\thierarchy\tnum_cgroups\tenabled\nmemory\t0\t1\t1\n', mounts: 'cgroup /sys/fs/cgroup/cpu cgroup rw,cpu 0 0\n', v2Controllers: null } }),
    message: /no memory cgroup hierarchy is mounted \(cgroup v1\)/, fix: /mount -t cgroup -o memory/,
  },
  {
    name: 'no cgroup mount at all', id: 'memory-cgroup', level: 'fail',
    change: (h) => ({ ...h, cgroups: { ...h.cgroups, mounts: 'proc /proc proc rw 0 0\n', v2Controllers: null } }),
    message: /no cgroup filesystem is mounted/, fix: /mount -t cgroup2/,
  },
  // swap
  {
    name: 'swap partition from fstab (no Pi)', id: 'swap', level: 'warn',
    change: (h) => ({ ...h, swaps: `${h.swaps}/dev/sda3                               partition\t2097148\t\t1024\t\t-2\n` }),
    message: /^swap is on \(2\.0 GiB in \/dev\/sda3\)/, fix: /^swapoff -a; then remove or comment out the swap entries in \/etc\/fstab/,
  },
  {
    name: 'zram swap', id: 'swap', level: 'warn',
    change: (h) => ({ ...h, swaps: `${h.swaps}/dev/zram0                              partition\t524284\t\t0\t\t100\n` }),
    message: /in \/dev\/zram0/, fix: /zramswap/,
  },
  { name: '/proc/swaps unreadable', id: 'swap', level: 'warn', change: (h) => ({ ...h, swaps: null }), message: /cannot read \/proc\/swaps/ },
  // modules
  {
    name: 'br_netfilter loadable but not loaded: modprobe and modules-load.d', id: 'modules', level: 'fail',
    change: (h) => ({
      ...h, modules: { ...h.modules, procModules: 'overlay 163840 0 - Live 0x0\n', sysfs: ['overlay'] }, sysctl: { ...h.sysctl, bridgeNfCallIptables: null },
    }),
    message: /^not loaded: br_netfilter \(Services between pods on one bridge need it\)$/, fix: /^modprobe br_netfilter; persist: printf 'br_netfilter\\n' > \/etc\/modules-load.d\/skiff.conf$/,
  },
  {
    name: 'both missing', id: 'modules', level: 'fail',
    change: (h) => ({
      ...h, modules: { ...h.modules, procModules: '', sysfs: [], filesystems: 'nodev\tsysfs\n' }, sysctl: { ...h.sysctl, bridgeNfCallIptables: null },
    }),
    message: /^not loaded: br_netfilter \(.*\), overlay \(containerd's snapshotter\)$/, fix: /^modprobe br_netfilter overlay; persist: printf 'br_netfilter\\noverlay\\n' > \/etc\/modules-load.d\/skiff.conf$/,
  },
  {
    name: 'a kernel without the module at all', id: 'modules', level: 'fail',
    change: (h) => ({
      ...h, modules: { ...h.modules, procModules: '', sysfs: [], available: ['bridge'], filesystems: 'nodev\toverlay\n' },
      sysctl: { ...h.sysctl, bridgeNfCallIptables: null },
    }),
    message: /^not loaded: br_netfilter/, fix: /^the running kernel \(6\.1\.0-26-amd64\) has no br_netfilter: .*CONFIG_BRIDGE_NETFILTER/,
  },
  {
    name: 'built in (no /proc/modules, no /sys/module entry): seen through the sysctl and /proc/filesystems', id: 'modules', level: 'ok',
    change: (h) => ({ ...h, modules: { procModules: null, sysfs: [], builtin: null, available: null, filesystems: 'nodev\toverlay\n' } }),
    message: /^br_netfilter, overlay available$/,
  },
  {
    name: 'built in, listed in modules.builtin', id: 'modules', level: 'ok',
    change: (h) => ({ ...h, modules: { procModules: '', sysfs: [], builtin: ['br_netfilter', 'overlay'], available: [], filesystems: '' } }),
    message: /available/,
  },
  // sysctls
  {
    name: 'bridge-nf-call-iptables 0', id: 'bridge-nf', level: 'fail', change: (h) => ({ ...h, sysctl: { ...h.sysctl, bridgeNfCallIptables: '0\n' } }),
    message: /^is 0:/, fix: /^sysctl -w net.bridge.bridge-nf-call-iptables=1; persist: echo 'net.bridge.bridge-nf-call-iptables = 1' >> \/etc\/sysctl.d\/90-skiff.conf$/,
  },
  {
    name: 'bridge-nf-call-iptables absent', id: 'bridge-nf', level: 'fail', change: (h) => ({ ...h, sysctl: { ...h.sysctl, bridgeNfCallIptables: null } }),
    message: /^absent: br_netfilter is not loaded/, fix: /^modprobe br_netfilter .*then sysctl -w net.bridge.bridge-nf-call-iptables=1/,
  },
  {
    name: 'ip_forward 0', id: 'ip-forward', level: 'warn', change: (h) => ({ ...h, sysctl: { ...h.sysctl, ipForward: '0\n' } }),
    message: /^is 0:/, fix: /^sysctl -w net.ipv4.ip_forward=1; persist: echo 'net.ipv4.ip_forward = 1' >> \/etc\/sysctl.d\/90-skiff.conf$/,
  },
  // iptables
  {
    name: 'nft backend with legacy tables loaded: mixed', id: 'iptables', level: 'fail',
    change: (h) => ({ ...h, iptables: { ...h.iptables, legacyTables: 'filter\nnat\n', legacy6Tables: 'filter\n' } }),
    message: /^mixed backends: iptables uses nf_tables but legacy tables are loaded \(ip filter, ip nat, ip6 filter\)/,
    fix: /update-alternatives --set iptables \/usr\/sbin\/iptables-nft.*then reboot .*iptables-legacy -t \$t -F/,
  },
  {
    name: 'legacy backend with iptables-nft tables: mixed', id: 'iptables', level: 'fail',
    change: (h) => ({ ...h, iptables: { ...h.iptables, version: 'iptables v1.8.7 (legacy)\n', legacyTables: 'filter\n' } }),
    message: /^mixed backends: iptables uses legacy but iptables-nft tables exist \(ip filter, ip nat\)/, fix: /update-alternatives --set iptables \/usr\/sbin\/iptables-nft/,
  },
  {
    name: 'legacy only (Skiff\'s own nft table does not count)', id: 'iptables', level: 'ok',
    change: (h) => ({ ...h, iptables: { version: 'iptables v1.8.7 (legacy)\n', legacyTables: 'filter\n', legacy6Tables: '', nftTables: 'table ip skiff\n' } }),
    message: /^iptables v1\.8\.7 \(legacy\), one backend$/,
  },
  {
    name: 'not root: nft tables not listed', id: 'iptables', level: 'ok',
    change: (h) => ({ ...h, uid: 1000, iptables: { ...h.iptables, nftTables: null } }), message: /not root: nft tables not listed/,
  },
  { name: 'no iptables', id: 'iptables', level: 'fail', change: (h) => ({ ...h, iptables: { ...h.iptables, version: null } }), message: /not installed/, fix: /apt-get install iptables/ },
  // ports
  {
    name: 'ports in use', id: 'ports', level: 'fail',
    change: (h) => ({ ...h, ports: { checked: h.ports.checked, busy: h.ports.checked } }),
    message: /^in use: 6443 \(apiserver\), 10250 \(kubelet \(API\)\)$/, fix: /ss -ltnp 'sport = :6443'.* or pick other ports \(--api-port/,
  },
  {
    name: 'a node port in use: no flag to move it', id: 'ports', level: 'fail',
    change: (h) => ({ ...h, ports: { checked: h.ports.checked, busy: [{ owner: 'kubelet (API)', port: 10250 }] } }),
    message: /^in use: 10250 \(kubelet \(API\)\)$/, fix: /^find who listens with `ss -ltnp 'sport = :10250'`; stop it \(another skiff or Kubernetes\?\)$/,
  },
  // clock
  { name: 'clock in sync', id: 'clock', level: 'ok', change: (h) => ({ ...h, clock: clock(0) }), message: /^within 0\.5 s of https:\/\/10.0.0.1:6443/ },
  { name: 'clock 1 s off: within what 1 s resolution allows', id: 'clock', level: 'ok', change: (h) => ({ ...h, clock: clock(1) }), message: /^within 1\.5 s/ },
  { name: 'clock 5 s behind', id: 'clock', level: 'warn', change: (h) => ({ ...h, clock: clock(5) }), message: /^this host is 5\.0 s behind https:\/\/10.0.0.1:6443/, fix: /timedatectl set-ntp true/ },
  { name: 'clock 2 min ahead', id: 'clock', level: 'fail', change: (h) => ({ ...h, clock: clock(-120) }), message: /^this host is 120\.0 s ahead of/, fix: /chrony/ },
  { name: 'server unreachable', id: 'clock', level: 'warn', change: (h) => ({ ...h, clock: { server: 'https://10.0.0.1:6443', error: 'connect ECONNREFUSED' } }), message: /ECONNREFUSED/ },
  { name: 'no Date header', id: 'clock', level: 'warn', change: (h) => ({ ...h, clock: { ...clock(0) as object, dateHeader: null } as HostReadings['clock'] }), message: /no usable Date header/ },
  // os
  { name: 'Ubuntu 24.04', id: 'os', level: 'ok', change: (h) => ({ ...h, osRelease: 'NAME="Ubuntu"\nVERSION_ID="24.04"\nID=ubuntu\nPRETTY_NAME="Ubuntu 24.04.1 LTS"\n' }), message: /^Ubuntu 24\.04\.1 LTS, x64$/ },
  { name: 'Debian 13', id: 'os', level: 'ok', change: (h) => ({ ...h, osRelease: 'ID=debian\nVERSION_ID="13"\nPRETTY_NAME="Debian GNU/Linux 13 (trixie)"\n' }), message: /trixie/ },
  { name: 'Fedora', id: 'os', level: 'warn', change: (h) => ({ ...h, osRelease: 'ID=fedora\nVERSION_ID=41\nNAME="Fedora Linux"\n' }), message: /^Fedora Linux, x64 is not a supported distribution/, fix: /Debian 12\/13, Ubuntu 22\.04\/24\.04/ },
  { name: 'Ubuntu 20.04', id: 'os', level: 'warn', change: (h) => ({ ...h, osRelease: 'ID=ubuntu\nVERSION_ID="20.04"\n' }), message: /not a supported distribution/ },
  { name: '32-bit Raspbian', id: 'os', level: 'warn', change: (h) => ({ ...h, arch: 'arm', osRelease: 'ID=raspbian\nVERSION_ID="12"\n' }), message: /32-bit Raspberry Pi OS/, fix: /arm64/ },
  { name: 'Raspberry Pi OS arm64', id: 'os', level: 'ok', change: (h) => ({ ...h, arch: 'arm64', rpiIssue: true }), message: /^Raspberry Pi OS \/ Debian GNU\/Linux 12 \(bookworm\), arm64$/ },
  { name: 'no os-release', id: 'os', level: 'warn', change: (h) => ({ ...h, osRelease: null }), message: /no \/etc\/os-release/ },
];

for (const c of cases) {
  test(`checkHost: ${c.name}`, () => {
    const findings = checkHost(c.change(healthy()));
    const f = find(findings, c.id);
    assert.equal(f.level, c.level, f.message);
    assert.match(f.message, c.message);
    if (c.fix) assert.match(f.fix ?? '', c.fix);
    if (c.level === 'ok') assert.equal(f.fix, undefined);
    else assert.ok(f.fix, 'a problem comes with a fix');
    // The change affects only what it is about (and, for br_netfilter, its sysctl).
    const others = findings.filter((x) => x.id !== c.id && x.level !== 'ok' && x.level !== 'skip').map((x) => x.id);
    assert.ok(others.every((id) => (c.id === 'modules' && id === 'bridge-nf') || (c.id === 'bridge-nf' && id === 'modules')), `unexpected: ${others.join(', ')}`);
  });
}
