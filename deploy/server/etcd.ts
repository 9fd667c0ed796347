/**
 * The embedded etcd: Debian's /usr/bin/etcd run as a supervised child, one
 * member named `skiff`, listening only on loopback. Ports default to
 * 2479/2480 so a distribution etcd on 2379/2380 can keep running.
 */
import type { ChildSpec } from '../supervisor/supervisor.ts';
import { httpReady, pollUntil } from './wait.ts';

/** Where and how to run etcd. */
export interface EtcdOptions {
  /** etcd's --data-dir. */
  dataDir: string;
  clientPort: number;
  peerPort: number;
  /** Default /usr/bin/etcd. */
  binary?: string;
  /** Member name; default skiff. */
  name?: string;
  /** Address to listen and advertise on; default 127.0.0.1. */
  host?: string;
}

/** The client URL (what the apiserver's --etcd-endpoints gets). Pure. */
export function etcdClientUrl(o: EtcdOptions): string {
  return `http://${o.host ?? '127.0.0.1'}:${o.clientPort}`;
}

/**
 * etcd's command line for `o`. Pure. `--initial-cluster-state new` is ignored
 * by etcd once the data dir holds a member, so restarts resume the same data.
 */
export function etcdArgs(o: EtcdOptions): string[] {
  const host = o.host ?? '127.0.0.1';
  const name = o.name ?? 'skiff';
  const client = `http://${host}:${o.clientPort}`;
  const peer = `http://${host}:${o.peerPort}`;
  return [
    '--name', name,
    '--data-dir', o.dataDir,
    '--listen-client-urls', client,
    '--advertise-client-urls', client,
    '--listen-peer-urls', peer,
    '--initial-advertise-peer-urls', peer,
    '--initial-cluster', `${name}=${peer}`,
    '--initial-cluster-state', 'new',
    '--initial-cluster-token', 'skiff',
    '--logger', 'zap',
    '--log-level', 'warn',
    // Idle watches get a progress notification this often: the API server's
    // watch cache turns them into advancing bookmarks (kube's recommended etcd setting).
    '--experimental-watch-progress-notify-interval', '5s',
  ];
}

/** The supervisor entry for etcd (named `etcd`, pid file run/etcd.pid). Pure. */
export function etcdChildSpec(o: EtcdOptions): ChildSpec {
  return {
    name: 'etcd',
    command: o.binary ?? '/usr/bin/etcd',
    args: etcdArgs(o),
    stopTimeoutMs: 10_000,
  };
}

/**
 * Polls etcd's GET /health until it reports `"health":"true"`. Resolves true
 * when healthy, false on timeout (ms) or abort.
 */
export function waitForEtcd(clientUrl: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  return pollUntil(() => httpReady(`${clientUrl}/health`, /"health"\s*:\s*"true"/), { timeoutMs, intervalMs: 100, signal });
}
