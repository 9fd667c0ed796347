/**
 * The embedded etcd: Debian's /usr/bin/etcd run as a supervised child.
 * Ports default to 2479/2480 so a distribution etcd on 2379/2380 can keep
 * running. With `tls` both its client and peer ports speak TLS and require
 * a client cert from the trusted CA (k3s's embedded-etcd setup). By default
 * it listens on loopback only; with `advertiseHost` (the node address, as
 * k3s's embedded etcd) clients are served on loopback AND that address,
 * peers on that address, and both are advertised there, so another server
 * can add itself as a member (deploy/server/etcd-join.ts).
 */
import type { ChildSpec } from '../supervisor/supervisor.ts';
import { httpReady, pollUntil, type HttpTLS } from './wait.ts';

/**
 * etcd's TLS files (paths, PEM): the client-port serving cert and the CA its
 * clients' certs must chain to, and the same for the peer port. See
 * deploy/server/etcd-tls.ts etcdTLSFiles for the PKI's files.
 */
export interface EtcdServerTLS {
  /** --cert-file: serving cert of the client port. */
  certFile: string;
  /** --key-file. */
  keyFile: string;
  /** --trusted-ca-file: CA of accepted client certs. */
  trustedCAFile: string;
  /** --peer-cert-file: serving and client cert of the peer port. */
  peerCertFile: string;
  /** --peer-key-file. */
  peerKeyFile: string;
  /** --peer-trusted-ca-file: CA of accepted peer certs. */
  peerTrustedCAFile: string;
}

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
  /** Address to listen on for clients (the local apiserver's endpoint); default 127.0.0.1. Also the peer and advertised address unless `advertiseHost` is set. */
  host?: string;
  /** The node address: clients are served there too, peers only there, and both URLs are advertised there. */
  advertiseHost?: string;
  /** --initial-cluster (`name=peerURL,...`); default this member alone. Ignored by etcd once the data dir holds a member. */
  initialCluster?: string;
  /** --initial-cluster-state: 'new' (default) for a fresh cluster, 'existing' for a member added with MemberAdd. */
  initialClusterState?: 'new' | 'existing';
  /** Serve both ports over TLS with client-cert auth; default plain http. */
  tls?: EtcdServerTLS;
}

const scheme = (o: EtcdOptions): string => (o.tls ? 'https' : 'http');
/** `host:port`, an IPv6 address in brackets. */
const at = (host: string, port: number): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/** The local client URL (what this server's apiserver's --etcd-endpoints gets; on `host`): https when `o.tls` is set. Pure. */
export function etcdClientUrl(o: EtcdOptions): string {
  return `${scheme(o)}://${at(o.host ?? '127.0.0.1', o.clientPort)}`;
}

/** The client URL other members and servers are told (--advertise-client-urls): on `advertiseHost` when set, else etcdClientUrl. Pure. */
export function etcdAdvertiseClientUrl(o: EtcdOptions): string {
  return o.advertiseHost === undefined ? etcdClientUrl(o) : `${scheme(o)}://${at(o.advertiseHost, o.clientPort)}`;
}

/** The peer URL (--listen-peer-urls, --initial-advertise-peer-urls, --initial-cluster): on `advertiseHost` when set, else `host`. Pure. */
export function etcdPeerUrl(o: EtcdOptions): string {
  return `${scheme(o)}://${at(o.advertiseHost ?? o.host ?? '127.0.0.1', o.peerPort)}`;
}

/** --listen-client-urls: the local client URL, plus the advertised one when it differs. Pure. */
export function etcdListenClientUrls(o: EtcdOptions): string {
  return [...new Set([etcdClientUrl(o), etcdAdvertiseClientUrl(o)])].join(',');
}

/** etcd 3.4's TLS flags for `tls`: both ports require a verified client cert (--client-cert-auth, --peer-client-cert-auth). Pure. */
export function etcdTLSArgs(tls: EtcdServerTLS): string[] {
  return [
    '--cert-file', tls.certFile,
    '--key-file', tls.keyFile,
    '--trusted-ca-file', tls.trustedCAFile,
    '--client-cert-auth',
    '--peer-cert-file', tls.peerCertFile,
    '--peer-key-file', tls.peerKeyFile,
    '--peer-trusted-ca-file', tls.peerTrustedCAFile,
    '--peer-client-cert-auth',
  ];
}

/**
 * etcd's command line for `o`, with etcdTLSArgs appended when `o.tls` is set.
 * Pure. The --initial-* flags are ignored by etcd once the data dir holds a
 * member, so restarts resume the same member and data.
 */
export function etcdArgs(o: EtcdOptions): string[] {
  const name = o.name ?? 'skiff';
  const peer = etcdPeerUrl(o);
  return [
    '--name', name,
    '--data-dir', o.dataDir,
    '--listen-client-urls', etcdListenClientUrls(o),
    '--advertise-client-urls', etcdAdvertiseClientUrl(o),
    '--listen-peer-urls', peer,
    '--initial-advertise-peer-urls', peer,
    '--initial-cluster', o.initialCluster ?? `${name}=${peer}`,
    '--initial-cluster-state', o.initialClusterState ?? 'new',
    '--initial-cluster-token', 'skiff',
    '--logger', 'zap',
    '--log-level', 'warn',
    // Idle watches get a progress notification this often: the API server's
    // watch cache turns them into advancing bookmarks (kube's recommended etcd setting).
    '--experimental-watch-progress-notify-interval', '5s',
    ...(o.tls ? etcdTLSArgs(o.tls) : []),
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
 * when healthy, false on timeout (ms) or abort. An https `clientUrl` of an
 * etcd with client-cert auth needs `tls` with the etcd CA and a client cert
 * (PEM); without one every poll fails and this resolves false.
 */
export function waitForEtcd(clientUrl: string, timeoutMs: number, signal?: AbortSignal, tls?: HttpTLS): Promise<boolean> {
  return pollUntil(() => httpReady(`${clientUrl}/health`, /"health"\s*:\s*"true"/, { tls }), { timeoutMs, intervalMs: 50, signal });
}

/**
 * waitForEtcd over several members: resolves true as soon as one of
 * `clientUrls` reports healthy (a member's /health is true only while it
 * sees a quorum, so one is enough), false on timeout (ms) or abort.
 */
export function waitForAnyEtcd(clientUrls: string[], timeoutMs: number, signal?: AbortSignal, tls?: HttpTLS): Promise<boolean> {
  const one = (u: string): Promise<boolean> => httpReady(`${u}/health`, /"health"\s*:\s*"true"/, { tls });
  return pollUntil(async () => (await Promise.all(clientUrls.map(one))).some((h) => h), { timeoutMs, intervalMs: 50, signal });
}
