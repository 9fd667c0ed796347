/**
 * Settings of `skiff server` and the file layout it derives from the data
 * dir (docs/CONVENTIONS.md "Ports and paths").
 */
import { join } from 'node:path';
import type { RegistryMirror } from './registry-mirror.ts';
import type { SnapshotScheduleConfig } from '../snapshot/schedule.ts';
import type { ExternalEtcd } from './external-etcd.ts';
import type { ServerJoin } from './server-join.ts';
import type { ProxyMode } from '../../proxy/backend.ts';

/** Everything `skiff server` is told on its command line. Ports are TCP ports. */
export interface ServerConfig {
  /** Root of all state; default /var/lib/skiff. */
  dataDir: string;
  /** Pod network; node /24s come out of it. Default 10.244.0.0/16. */
  clusterCIDR: string;
  /** Service VIP range; default 10.96.0.0/12. */
  serviceCIDR: string;
  apiPort: number;
  /** Address the API listens on; default 0.0.0.0 (as k3s: nothing is anonymous). */
  bindAddress?: string;
  nodeName: string;
  nodeIP?: string;
  /** Use this existing containerd socket instead of starting containerd. */
  containerdSocket?: string;
  registryMirrors: RegistryMirror[];
  etcdClientPort: number;
  etcdPeerPort: number;
  /** Use this external etcd cluster instead of the embedded one (then etcdClientPort/etcdPeerPort are unused). */
  externalEtcd?: ExternalEtcd;
  /** Join the cluster of this server as another control-plane node (deploy/server/server-join.ts with externalEtcd, else server-join-embedded.ts and an etcd member). */
  join?: ServerJoin;
  /** LoadBalancer address pool for the controller-manager's servicelb controller (`--lb-pool`); absent: node IPs. */
  lbPool?: string;
  /** --agent-token: the agent token to use when the cluster has none yet (deploy/join/agent-token.ts); absent: minted. */
  agentToken?: string;
  /** Scheduled etcd snapshots (deploy/snapshot); absent: none. */
  etcdSnapshots?: SnapshotScheduleConfig;
  /** The proxy's data plane (`--proxy-mode`); absent: iptables. */
  proxyMode?: ProxyMode;
  /** `--split-processes`: every component in its own child process instead of modules in the server's process. */
  splitProcesses?: boolean;
}

/** Absolute paths under the data dir. */
export interface ServerPaths {
  etcdDir: string;
  containerdDir: string;
  containerdRoot: string;
  containerdState: string;
  containerdConfig: string;
  containerdSocket: string;
  certsDir: string;
  kubeletDir: string;
  cniConfDir: string;
  runDir: string;
  logDir: string;
  kubeconfig: string;
}

/** Derives the layout under `dataDir`. Pure. */
export function serverPaths(dataDir: string): ServerPaths {
  const containerdDir = join(dataDir, 'containerd');
  return {
    etcdDir: join(dataDir, 'etcd'),
    containerdDir,
    containerdRoot: join(containerdDir, 'root'),
    containerdState: join(containerdDir, 'state'),
    containerdConfig: join(containerdDir, 'config.toml'),
    containerdSocket: join(containerdDir, 'containerd.sock'),
    certsDir: join(containerdDir, 'certs.d'),
    kubeletDir: join(dataDir, 'kubelet'),
    cniConfDir: join(dataDir, 'cni', 'net.d'),
    runDir: join(dataDir, 'run'),
    logDir: join(dataDir, 'logs'),
    kubeconfig: join(dataDir, 'admin.kubeconfig'),
  };
}

/** Fixed values shared by the server and the standalone subcommands. */
export const defaults = {
  dataDir: '/var/lib/skiff',
  clusterCIDR: '10.244.0.0/16',
  serviceCIDR: '10.96.0.0/12',
  nodeCIDRMaskSize: 24,
  apiPort: 6443,
  bindAddress: '0.0.0.0',
  apiUrl: 'http://127.0.0.1:6443',
  etcdClientPort: 2479,
  etcdPeerPort: 2480,
  etcdEndpoint: 'http://127.0.0.1:2479',
  schedulerName: 'default-scheduler',
  schedulerHealthzPort: 10259,
  controllerManagerHealthzPort: 10257,
  kubeletPort: 10250,
  kubeletHealthzPort: 10248,
  proxyHealthzPort: 10256,
  containerdStreamPort: 10010,
  cniBinDir: '/usr/lib/cni',
  etcdBinary: '/usr/bin/etcd',
  containerdBinary: '/usr/bin/containerd',
} as const;
