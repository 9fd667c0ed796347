/**
 * Renders a containerd 1.6 config (version 2 TOML) that keeps every movable
 * path under Skiff's data dir and enables the CRI plugin the way this kubelet
 * needs it (see docs/PLATFORM notes: restrict_oom_score_adj, no AppArmor,
 * cgroupfs driver, fixed stream server port, certs.d registry hosts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Inputs of `renderContainerdConfig`; all paths absolute. */
export interface ContainerdConfigOptions {
  /** containerd `root` (persistent data: images, snapshots). */
  rootDir: string;
  /** containerd `state` (runtime state, netns mounts). */
  stateDir: string;
  /** gRPC unix socket path. */
  socket: string;
  cniBinDir: string;
  cniConfDir: string;
  /** Registry hosts directory (`<certsDir>/<registry>/hosts.toml`). */
  certsDir: string;
  /** Port of the streaming server on 127.0.0.1 (exec/attach/port-forward). */
  streamPort: number;
  /** Set restrict_oom_score_adj (needed when CAP_SYS_RESOURCE is missing). */
  restrictOomScoreAdj: boolean;
  /** Sandbox (pause) image; default registry.k8s.io/pause:3.9. */
  sandboxImage?: string;
}

const q = (s: string): string => JSON.stringify(s);

/**
 * Returns the containerd config TOML for `o`. Pure. Never sets registry
 * `mirrors` (together with `config_path` it silently disables CRI).
 */
export function renderContainerdConfig(o: ContainerdConfigOptions): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return [
    'version = 2',
    `root = ${q(o.rootDir)}`,
    `state = ${q(o.stateDir)}`,
    '',
    '[grpc]',
    `  address = ${q(o.socket)}`,
    '',
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = ${q(join(o.rootDir, 'opt'))}`,
    '',
    `[${cri}]`,
    `  sandbox_image = ${q(o.sandboxImage ?? 'registry.k8s.io/pause:3.9')}`,
    '  stream_server_address = "127.0.0.1"',
    `  stream_server_port = ${q(String(o.streamPort))}`,
    '  enable_selinux = false',
    '  disable_apparmor = true',
    `  restrict_oom_score_adj = ${o.restrictOomScoreAdj ? 'true' : 'false'}`,
    '  netns_mounts_under_state_dir = true',
    '  max_container_log_line_size = 16384',
    '',
    `[${cri}.containerd]`,
    '  snapshotter = "overlayfs"',
    '  default_runtime_name = "runc"',
    '',
    `[${cri}.containerd.runtimes.runc]`,
    '  runtime_type = "io.containerd.runc.v2"',
    '',
    `[${cri}.containerd.runtimes.runc.options]`,
    '  SystemdCgroup = false',
    `  Root = ${q(join(o.stateDir, 'runc'))}`,
    '',
    `[${cri}.cni]`,
    `  bin_dir = ${q(o.cniBinDir)}`,
    `  conf_dir = ${q(o.cniConfDir)}`,
    '  max_conf_num = 1',
    '',
    `[${cri}.registry]`,
    `  config_path = ${q(o.certsDir)}`,
    '',
  ].join('\n');
}

/** Bit number of CAP_SYS_RESOURCE in the capability masks. */
const CAP_SYS_RESOURCE = 24n;

/**
 * True when this process's capability bounding set (CapBnd in
 * /proc/self/status) lacks CAP_SYS_RESOURCE, i.e. runc cannot write
 * oom_score_adj and containerd needs `restrict_oom_score_adj = true`.
 * `statusText` overrides the file for tests. Returns false if unreadable.
 */
export function needsRestrictOomScoreAdj(statusText?: string): boolean {
  let text = statusText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/status', 'utf8');
    } catch {
      return false;
    }
  }
  const m = /^CapBnd:\s*([0-9a-fA-F]+)\s*$/m.exec(text);
  if (!m) return false;
  return ((BigInt('0x' + m[1]) >> CAP_SYS_RESOURCE) & 1n) === 0n;
}
