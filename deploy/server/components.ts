/**
 * The five Skiff components `skiff server` runs, each as its own child
 * process (`node deploy/bin/skiff.mjs <component> <flags>`), with the URL of
 * the /healthz that tells it is ready. Pure: builds command lines only.
 */
import { fileURLToPath } from 'node:url';
import type { ChildSpec } from '../supervisor/supervisor.ts';
import { defaults, type ServerConfig, type ServerPaths } from './config.ts';
import type { CredentialPaths } from './credentials.ts';
import { clusterDNSAddress, KUBE_DNS_TARGET_PORT } from '../../apiserver/kube-dns.ts';

/** The cluster DNS domain every node serves and every pod searches. */
export const CLUSTER_DOMAIN = 'cluster.local';

/** How to invoke the `skiff` command: `command args... <component> <flags>`. */
export interface Launcher {
  command: string;
  args: string[];
}

/**
 * The launcher for this checkout: this Node binary running deploy/bin/skiff.mjs.
 * In the bundle (`npm run build`) this is dist/skiff.mjs itself, so the
 * components run without tsx (deploy/build/rewrites.ts).
 */
export function defaultLauncher(): Launcher {
  return { command: process.execPath, args: [fileURLToPath(new URL('../bin/skiff.mjs', import.meta.url))] };
}

/** One component to supervise and how to tell it is ready. */
export interface ComponentPlan {
  spec: ChildSpec;
  /** The `skiff` arguments that run it (`<component> <flags>`), for running it in this process instead (component-host.ts). */
  argv: string[];
  /** GET this; 200 with body `ok` means ready. */
  healthUrl: string;
  /** CA file to verify an https healthUrl with. */
  healthCA?: string;
  /** The server gives up starting when a critical component never gets ready. */
  critical: boolean;
}

/** Env var children read to notice their supervising server died (see cli/signals.ts). */
export const parentPidEnv = 'SKIFF_PARENT_PID';

/**
 * The leader election `skiff server` runs the scheduler and the
 * controller-manager with: lease 8 s, renew deadline 5 s, retry period 1 s
 * (kube's defaults are 15 s / 10 s / 2 s). A standby takes over at most
 * lease + one retry period (its observation of the last renewal lags) + one
 * jittered retry (×1.2), about 10.2 s after a kill -9 of the leader, inside
 * issue 7's 15 s with room for a loaded machine; the kube defaults measured
 * up to 19.3 s and 9 s / 6 s / 2 s 13.3 s (e2e/ha.e2e.ts).
 */
export const LEADER_ELECTION_FLAGS = ['--leader-elect-lease-duration', '8s', '--leader-elect-renew-deadline', '5s', '--leader-elect-retry-period', '1s'] as const;

/** How the components reach each other, decided by runServer. */
export interface ClusterWiring {
  /** The embedded containerd's socket or the one given with --containerd-socket. */
  containerdSocket: string;
  /** The node IP the kubelet reports and the apiserver advertises ('' lets the kubelet pick). */
  nodeIP: string;
  creds: CredentialPaths;
  /** etcd's client URL (several comma-separated for a cluster: the apiserver's --etcd-endpoints) and the apiserver's etcd client credentials (absent: plain http). */
  etcd: { url: string; tls?: { caFile: string; certFile: string; keyFile: string } };
}

/**
 * Plans the components in start order: apiserver first (critical), then
 * scheduler, controller-manager, kubelet, proxy. The apiserver serves HTTPS
 * on cfg.bindAddress with x509, token and ServiceAccount authentication and
 * Node,RBAC authorization, and dials kubelets over TLS; every other
 * component reaches it through its own kubeconfig (its client cert); the
 * kubelet serves its API over TLS and authorizes through the API (Webhook).
 * Pure.
 */
export function componentPlans(cfg: ServerConfig, paths: ServerPaths, launcher: Launcher, w: ClusterWiring, parentPid = process.pid): ComponentPlan[] {
  // process.env carries SKIFF_LOG_LEVEL/SKIFF_LOG_FORMAT as the CLI decided them (deploy/cli/logging.ts), so children log alike.
  const env = { ...process.env, [parentPidEnv]: String(parentPid) };
  const mk = (name: string, flags: string[]): { spec: ChildSpec; argv: string[] } => ({
    spec: { name, command: launcher.command, args: [...launcher.args, name, ...flags], env, stopTimeoutMs: 10_000 },
    argv: [name, ...flags],
  });
  const health = (port: number): string => `http://127.0.0.1:${port}/healthz`;
  const nodeIP = w.nodeIP !== '' ? ['--node-ip', w.nodeIP] : [];
  const c = w.creds;
  // The kube-dns Service IP (the apiserver bootstraps it at the same address), for pods' resolv.conf and the node DNS server.
  const clusterDNS = clusterDNSAddress(cfg.serviceCIDR);
  const etcdTLS = w.etcd.tls ? ['--etcd-cafile', w.etcd.tls.caFile, '--etcd-certfile', w.etcd.tls.certFile, '--etcd-keyfile', w.etcd.tls.keyFile] : [];
  return [
    {
      ...mk('apiserver', [
        '--etcd-endpoints', w.etcd.url,
        ...etcdTLS,
        '--bind-address', cfg.bindAddress ?? defaults.bindAddress,
        '--port', String(cfg.apiPort),
        '--service-cidr', cfg.serviceCIDR,
        ...(w.nodeIP !== '' ? ['--advertise-address', w.nodeIP] : []),
        '--tls-cert-file', c.apiserverServing.cert,
        '--tls-private-key-file', c.apiserverServing.key,
        '--client-ca-file', c.clusterCA,
        '--service-account-key-file', c.serviceAccountKey,
        '--authorization-mode', 'Node,RBAC',
        '--kubelet-certificate-authority', c.clusterCA,
        '--kubelet-client-certificate', c.apiserverKubeletClient.cert,
        '--kubelet-client-key', c.apiserverKubeletClient.key,
      ]),
      healthUrl: `https://127.0.0.1:${cfg.apiPort}/healthz`,
      healthCA: c.clusterCA,
      critical: true,
    },
    {
      ...mk('scheduler', ['--kubeconfig', c.kubeconfigs.scheduler, '--healthz-port', String(defaults.schedulerHealthzPort), ...LEADER_ELECTION_FLAGS]),
      healthUrl: health(defaults.schedulerHealthzPort),
      critical: false,
    },
    {
      ...mk('controller-manager', [
        '--kubeconfig', c.kubeconfigs.controllerManager,
        '--root-ca-file', c.clusterCA,
        '--service-account-private-key-file', c.serviceAccountKey,
        '--cluster-signing-cert-file', c.clusterCA,
        '--cluster-signing-key-file', c.clusterCAKey,
        '--cluster-cidr', cfg.clusterCIDR,
        '--node-cidr-mask-size', String(defaults.nodeCIDRMaskSize),
        '--healthz-port', String(defaults.controllerManagerHealthzPort),
        ...(cfg.lbPool !== undefined ? ['--lb-pool', cfg.lbPool] : []),
        ...LEADER_ELECTION_FLAGS,
      ]),
      healthUrl: health(defaults.controllerManagerHealthzPort),
      critical: false,
    },
    {
      ...mk('kubelet', [
        '--kubeconfig', c.kubeconfigs.kubelet,
        '--node-name', cfg.nodeName,
        ...nodeIP,
        '--containerd-socket', w.containerdSocket,
        '--root-dir', paths.kubeletDir,
        '--cni-bin-dir', defaults.cniBinDir,
        '--cni-conf-dir', paths.cniConfDir,
        '--port', String(defaults.kubeletPort),
        '--healthz-port', String(defaults.kubeletHealthzPort),
        '--cluster-dns', clusterDNS,
        '--cluster-domain', CLUSTER_DOMAIN,
        '--tls-cert-file', c.kubeletServing.cert,
        '--tls-private-key-file', c.kubeletServing.key,
        '--client-ca-file', c.clusterCA,
        '--authorization-mode', 'Webhook',
        '--authentication-token-webhook',
        '--project-service-account-tokens',
      ]),
      healthUrl: health(defaults.kubeletHealthzPort),
      critical: false,
    },
    {
      ...mk('proxy', [
        '--kubeconfig', c.kubeconfigs.proxy,
        '--node-name', cfg.nodeName,
        '--service-cidr', cfg.serviceCIDR,
        '--cluster-cidr', cfg.clusterCIDR,
        '--healthz-port', String(defaults.proxyHealthzPort),
        '--cluster-dns', clusterDNS,
        '--cluster-domain', CLUSTER_DOMAIN,
        '--dns-port', String(KUBE_DNS_TARGET_PORT),
        '--dns-kubeconfig', c.kubeconfigs.dns,
        ...(cfg.proxyMode !== undefined ? ['--proxy-mode', cfg.proxyMode] : []),
      ]),
      healthUrl: health(defaults.proxyHealthzPort),
      critical: false,
    },
  ];
}

/**
 * Every TCP port the cluster listens on, by owner: etcd client and peer (unless cfg.externalEtcd), the
 * embedded containerd's stream server (unless an existing containerd is
 * used), and each component in `components` (default: all five). Pure.
 */
export function listenPorts(cfg: ServerConfig, components?: string[]): Array<{ owner: string; port: number }> {
  const has = (n: string): boolean => components === undefined || components.includes(n);
  const out = cfg.externalEtcd !== undefined ? [] : [
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
  if (has('proxy')) {
    out.push({ owner: 'proxy (healthz)', port: defaults.proxyHealthzPort });
    out.push({ owner: 'proxy (cluster DNS, also UDP)', port: KUBE_DNS_TARGET_PORT });
  }
  return out;
}
