/**
 * The embedded containerd: Debian's /usr/bin/containerd run as a supervised
 * child with a config generated under `<data-dir>/containerd/` by the
 * kubelet's renderer (kubelet/cri/containerd-config.ts), so every movable
 * path stays under the data dir and the socket differs from a distribution
 * containerd's /run/containerd/containerd.sock.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { needsRestrictOomScoreAdj, renderContainerdConfig } from '../../kubelet/cri/containerd-config.ts';
import type { ChildSpec } from '../supervisor/supervisor.ts';
import type { ServerPaths } from './config.ts';
import { criReady, pollUntil } from './wait.ts';

/** Inputs for the embedded containerd. */
export interface ContainerdSetup {
  paths: ServerPaths;
  cniBinDir: string;
  /** Streaming server port on 127.0.0.1 (exec/attach/port-forward). */
  streamPort: number;
  /** Default: on only where CAP_SYS_RESOURCE is missing (PLATFORM.md). */
  restrictOomScoreAdj?: boolean;
  /** Default /usr/bin/containerd. */
  binary?: string;
  /** containerd's --log-level; default warn (info logs every plugin load). */
  logLevel?: string;
}

/** Renders the config TOML for `s`. Pure apart from the capability probe when `restrictOomScoreAdj` is unset. */
export function containerdConfigText(s: ContainerdSetup): string {
  return renderContainerdConfig({
    rootDir: s.paths.containerdRoot,
    stateDir: s.paths.containerdState,
    socket: s.paths.containerdSocket,
    cniBinDir: s.cniBinDir,
    cniConfDir: s.paths.cniConfDir,
    certsDir: s.paths.certsDir,
    streamPort: s.streamPort,
    restrictOomScoreAdj: s.restrictOomScoreAdj ?? needsRestrictOomScoreAdj(),
    sandboxImage: 'registry.k8s.io/pause:3.9',
  });
}

/**
 * Creates containerd's directories and writes `config.toml`, then returns the
 * supervisor entry (`containerd --config <file>`). Throws on I/O errors.
 */
export function prepareContainerd(s: ContainerdSetup): ChildSpec {
  const p = s.paths;
  for (const d of [p.containerdDir, p.containerdRoot, p.containerdState, p.certsDir, p.cniConfDir]) {
    mkdirSync(d, { recursive: true });
  }
  writeFileSync(p.containerdConfig, containerdConfigText(s));
  return {
    name: 'containerd',
    command: s.binary ?? '/usr/bin/containerd',
    args: ['--config', p.containerdConfig, '--log-level', s.logLevel ?? 'warn'],
    stopTimeoutMs: 10_000,
  };
}

/** Polls until the CRI plugin at `socket` answers. True when ready, false on timeout (ms) or abort. */
export function waitForContainerd(socket: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  return pollUntil(() => criReady(socket), { timeoutMs, intervalMs: 50, signal });
}
