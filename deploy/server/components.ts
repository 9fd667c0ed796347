/**
 * The five Skiff components `skiff server` runs, each as its own child
 * process (`node deploy/bin/skiff.mjs <component> <flags>`), with the URL of
 * the /healthz that tells it is ready. Pure: builds command lines only.
 */
import { fileURLToPath } from 'node:url';
import type { ChildSpec } from '../supervisor/supervisor.ts';
import { defaults, type ServerConfig, type ServerPaths } from './config.ts';

/** How to invoke the `skiff` command: `command args... <component> <flags>`. */
export interface Launcher {
  command: string;
  args: string[];
}

/** The launcher for this checkout: this Node binary running deploy/bin/skiff.mjs. */
export function defaultLauncher(): Launcher {
  return { command: process.execPath, args: [fileURLToPath(new URL('../bin/skiff.mjs', import.meta.url))] };
}

/** One component to supervise and how to tell it is ready. */
export interface ComponentPlan {
  spec: ChildSpec;
  /** GET this; 200 with body `ok` means ready. */
  healthUrl: string;
  /** The server gives up starting when a critical component never gets ready. */
  critical: boolean;
}

/** Env var children read to notice their supervising server died (see cli/signals.ts). */
export const parentPidEnv = 'SKIFF_PARENT_PID';

/**
 * Plans the components in start order: apiserver first (critical), then
 * scheduler, controller-manager, kubelet, proxy. `containerdSocket` is the
 * embedded containerd's or the one given with --containerd-socket.
 */
export function componentPlans(cfg: ServerConfig, paths: ServerPaths, launcher: Launcher, containerdSocket: string, parentPid = process.pid): ComponentPlan[] {
  const apiUrl = `http://127.0.0.1:${cfg.apiPort}`;
  const env = { ...process.env, [parentPidEnv]: String(parentPid) };
  const mk = (name: string, flags: string[]): ChildSpec => ({
    name,
    command: launcher.command,
    args: [...launcher.args, name, ...flags],
    env,
    stopTimeoutMs: 10_000,
  });
  const health = (port: number): string => `http://127.0.0.1:${port}/healthz`;
  const nodeIP = cfg.nodeIP ? ['--node-ip', cfg.nodeIP] : [];
  return [
    {
      spec: mk('apiserver', [
        '--etcd-endpoints', `http://127.0.0.1:${cfg.etcdClientPort}`,
        '--bind-address', '127.0.0.1',
        '--port', String(cfg.apiPort),
        '--service-cidr', cfg.serviceCIDR,
      ]),
      healthUrl: health(cfg.apiPort),
      critical: true,
    },
    {
      spec: mk('scheduler', ['--api-url', apiUrl, '--healthz-port', String(defaults.schedulerHealthzPort)]),
      healthUrl: health(defaults.schedulerHealthzPort),
      critical: false,
    },
    {
      spec: mk('controller-manager', [
        '--api-url', apiUrl,
        '--cluster-cidr', cfg.clusterCIDR,
        '--node-cidr-mask-size', String(defaults.nodeCIDRMaskSize),
        '--healthz-port', String(defaults.controllerManagerHealthzPort),
      ]),
      healthUrl: health(defaults.controllerManagerHealthzPort),
      critical: false,
    },
    {
      spec: mk('kubelet', [
        '--api-url', apiUrl,
        '--node-name', cfg.nodeName,
        ...nodeIP,
        '--containerd-socket', containerdSocket,
        '--root-dir', paths.kubeletDir,
        '--cni-bin-dir', defaults.cniBinDir,
        '--cni-conf-dir', paths.cniConfDir,
        '--port', String(defaults.kubeletPort),
        '--healthz-port', String(defaults.kubeletHealthzPort),
      ]),
      healthUrl: health(defaults.kubeletHealthzPort),
      critical: false,
    },
    {
      spec: mk('proxy', [
        '--api-url', apiUrl,
        '--node-name', cfg.nodeName,
        '--service-cidr', cfg.serviceCIDR,
        '--cluster-cidr', cfg.clusterCIDR,
        '--healthz-port', String(defaults.proxyHealthzPort),
      ]),
      healthUrl: health(defaults.proxyHealthzPort),
      critical: false,
    },
  ];
}

/**
 * Every TCP port the cluster listens on, by owner: etcd client and peer, the
 * embedded containerd's stream server (unless an existing containerd is
 * used), and each component in `components` (default: all five). Pure.
 */
export function listenPorts(cfg: ServerConfig, components?: string[]): Array<{ owner: string; port: number }> {
  const has = (n: string): boolean => components === undefined || components.includes(n);
  const out = [
    { owner: 'etcd (client)', port: cfg.etcdClientPort },
    { owner: 'etcd (peer)', port: cfg.etcdPeerPort },
  ];
  if (cfg.containerdSocket === undefined) out.push({ owner: 'containerd (stream server)', port: defaults.containerdStreamPort });
  if (has('apiserver')) out.push({ owner: 'apiserver', port: cfg.apiPort });
  if (has('scheduler')) out.push({ owner: 'scheduler (healthz)', port: defaults.schedulerHealthzPort });
  if (has('controller-manager')) out.push({ owner: 'controller-manager (healthz)', port: defaults.controllerManagerHealthzPort });
  if (has('kubelet')) {
    out.push({ owner: 'kubelet (API)', port: defaults.kubeletPort });
    out.push({ owner: 'kubelet (healthz)', port: defaults.kubeletHealthzPort });
  }
  if (has('proxy')) out.push({ owner: 'proxy (healthz)', port: defaults.proxyHealthzPort });
  return out;
}
