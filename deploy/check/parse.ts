/**
 * Pure parsers for the host files and command outputs `skiff check` reads
 * (deploy/check/readings.ts gathers them): os-release, /proc/cgroups,
 * /proc/self/mounts, /proc/swaps, module lists, `iptables --version`,
 * `nft list tables` and the xtables table-name files. Each takes the raw
 * text and never throws; unknown or malformed lines are skipped.
 */

/**
 * os-release(5) as a map: `KEY=value`, the value optionally in double or
 * single quotes (backslash escapes `\"`, `\\`, `` \` ``, `\$` inside double
 * quotes); comments and blank lines skipped.
 */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    let value = line.slice(eq + 1);
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1).replace(/\\(["\\`$])/g, '$1');
    else if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) value = value.slice(1, -1);
    out[key] = value;
  }
  return out;
}

/** One controller row of /proc/cgroups. */
export interface CgroupController {
  /** Hierarchy ID; 0 on cgroup v2 (or a v1 controller not mounted). */
  hierarchy: number;
  enabled: boolean;
}

/** /proc/cgroups (`#subsys_name hierarchy num_cgroups enabled`) as controller name → row. */
export function parseProcCgroups(text: string): Map<string, CgroupController> {
  const out = new Map<string, CgroupController>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const f = line.trim().split(/\s+/);
    if (f.length < 4) continue;
    const hierarchy = Number(f[1]);
    const enabled = Number(f[3]);
    if (!Number.isInteger(hierarchy) || !Number.isInteger(enabled)) continue;
    out.set(f[0], { hierarchy, enabled: enabled === 1 });
  }
  return out;
}

/** One line of /proc/self/mounts. */
export interface Mount {
  source: string;
  /** Mount point, with the kernel's octal escapes (`\040` for space) decoded. */
  target: string;
  fstype: string;
  options: string[];
}

/** /proc/self/mounts (fstab format) as a list, in order. */
export function parseMounts(text: string): Mount[] {
  const out: Mount[] = [];
  const unescape = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4) continue;
    out.push({ source: unescape(f[0]), target: unescape(f[1]), fstype: f[2], options: f[3].split(',') });
  }
  return out;
}

/** Where cgroups are mounted: the cgroup2 root (if any) and each v1 hierarchy's controllers. */
export interface CgroupLayout {
  /**
   * 'v2': cgroup2 at /sys/fs/cgroup (unified); 'hybrid': v1 hierarchies plus
   * a cgroup2 mount elsewhere (e.g. /sys/fs/cgroup/unified); 'v1': only v1;
   * 'none': no cgroup mount at all.
   */
  mode: 'v2' | 'hybrid' | 'v1' | 'none';
  /** Mount point of the cgroup2 hierarchy, if mounted (the /sys/fs/cgroup one preferred). */
  v2Root: string | null;
  /** Controllers mounted as v1 hierarchies (from the mount options, e.g. 'memory', 'cpu'). */
  v1Controllers: string[];
}

/** Mount options of a cgroup v1 mount that are not controller names. */
const V1_NON_CONTROLLER = /^(rw|ro|nosuid|nodev|noexec|relatime|noatime|nodiratime|strictatime|lazytime|sync|async|name=.*|none|xattr|clone_children|noprefix|release_agent=.*|cpuset_v2_mode|favordynmods|nsdelegate|memory_recursiveprot|memory_localevents|memory_hugetlb_accounting)$/;

/** The cgroup layout from the mount table. */
export function cgroupLayout(mounts: Mount[]): CgroupLayout {
  const v2 = mounts.filter((m) => m.fstype === 'cgroup2');
  const v1 = mounts.filter((m) => m.fstype === 'cgroup');
  const v1Controllers = [...new Set(v1.flatMap((m) => m.options.filter((o) => !V1_NON_CONTROLLER.test(o))))];
  const unified = v2.find((m) => m.target === '/sys/fs/cgroup');
  const v2Root = unified?.target ?? v2[0]?.target ?? null;
  const mode = unified !== undefined && v1.length === 0 ? 'v2' : v1.length > 0 ? (v2.length > 0 ? 'hybrid' : 'v1') : v2.length > 0 ? 'v2' : 'none';
  return { mode, v2Root, v1Controllers };
}

/** One active swap area of /proc/swaps. Sizes in KiB, as the kernel prints them. */
export interface SwapArea {
  file: string;
  /** 'partition' or 'file'. */
  type: string;
  sizeKiB: number;
  usedKiB: number;
}

/** /proc/swaps (a header line, then one line per active area). */
export function parseSwaps(text: string): SwapArea[] {
  const out: SwapArea[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4) continue;
    out.push({ file: f[0].replace(/\\040/g, ' '), type: f[1], sizeKiB: Number(f[2]), usedKiB: Number(f[3]) });
  }
  return out;
}

/** A module name as the kernel compares them: '-' and '_' are the same. */
export function moduleName(name: string): string {
  return name.replace(/-/g, '_');
}

/** Module names in /proc/modules (first field of each line). */
export function parseProcModules(text: string): string[] {
  return text.split('\n').map((l) => l.split(' ')[0]).filter((n) => n !== '').map(moduleName);
}

/**
 * Module names from a list of module paths, one per line, as in
 * /lib/modules/<release>/modules.builtin (`kernel/fs/overlayfs/overlay.ko`)
 * or modules.dep (`kernel/...ko.xz: deps...`): the file name without
 * `.ko` and any compression suffix.
 */
export function moduleNamesFromPaths(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const path = line.split(':')[0].trim();
    const m = /([^/]+)\.ko(\.[a-z0-9]+)?$/.exec(path);
    if (m) out.push(moduleName(m[1]));
  }
  return out;
}

/** Filesystem types the kernel supports, from /proc/filesystems (`nodev\toverlay`). */
export function parseFilesystems(text: string): string[] {
  return text.split('\n').map((l) => l.trim().split(/\s+/).pop() ?? '').filter((n) => n !== '');
}

/**
 * The backend of the `iptables` command from `iptables --version`:
 * 'iptables v1.8.9 (nf_tables)' → 'nft', '(legacy)' → 'legacy', a
 * version before 1.8 (no suffix; only legacy existed) → 'legacy';
 * anything else → null.
 */
export function iptablesBackend(versionOutput: string): 'nft' | 'legacy' | null {
  if (/\(nf_tables\)/.test(versionOutput)) return 'nft';
  if (/\(legacy\)/.test(versionOutput)) return 'legacy';
  const v = /iptables v(\d+)\.(\d+)/.exec(versionOutput);
  if (v && (Number(v[1]) < 1 || (Number(v[1]) === 1 && Number(v[2]) < 8))) return 'legacy';
  return null;
}

/** Non-empty lines of /proc/net/ip_tables_names or ip6_tables_names: the loaded legacy xtables tables. */
export function parseTableNames(text: string): string[] {
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
}

/** An nf_tables table from `nft list tables` (`table ip filter`). */
export interface NftTable {
  family: string;
  name: string;
}

/** `nft list tables` output as a list of tables. */
export function parseNftTables(text: string): NftTable[] {
  const out: NftTable[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*table\s+(\S+)\s+(\S+)/.exec(line);
    if (m) out.push({ family: m[1], name: m[2] });
  }
  return out;
}

/** The tables iptables-nft / ip6tables-nft create, in families ip and ip6. */
const XTABLES_NAMES = new Set(['filter', 'nat', 'mangle', 'raw', 'security']);

/** The nf_tables tables that iptables-nft made (`ip filter`, `ip6 nat`, ...), as 'family name'. */
export function iptablesNftTables(tables: NftTable[]): string[] {
  return tables.filter((t) => (t.family === 'ip' || t.family === 'ip6') && XTABLES_NAMES.has(t.name)).map((t) => `${t.family} ${t.name}`);
}

/** Kernel command-line parameters (space-separated words; `--` ends the kernel's part). */
export function cmdlineParams(cmdline: string): string[] {
  const words = cmdline.trim().split(/\s+/).filter((w) => w !== '');
  const end = words.indexOf('--');
  return end < 0 ? words : words.slice(0, end);
}
