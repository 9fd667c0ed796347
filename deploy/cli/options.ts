/**
 * Option shapes of the standalone `skiff <component>` subcommands (matching
 * each component's run function in docs/CONVENTIONS.md, minus the logger),
 * and the flag value parsers commander uses. Parsers throw commander's
 * InvalidArgumentError, which it prints as `error: option '--x' argument ...`.
 */
import { InvalidArgumentError, Option } from 'commander';
import ipaddr from 'ipaddr.js';
import { parseRegistryMirror, type RegistryMirror } from '../server/registry-mirror.ts';
import { parseLBPool } from '../../controllers/servicelb/pool.ts';
import { isProxyMode, PROXY_MODES, type ProxyMode } from '../../proxy/backend.ts';

/** `skiff apiserver` → runApiServer. File paths where a PEM is meant. */
export interface ApiServerFlags {
  etcdEndpoints: string[];
  bindAddress: string;
  port: number;
  serviceCIDR: string;
  /** HTTPS with authentication (--tls-cert-file, --tls-private-key-file, --client-ca-file, --service-account-key-file). */
  tls?: { cert: string; key: string; clientCA: string; serviceAccountKey?: string };
  /** --authorization-mode. */
  authorization?: 'AlwaysAllow' | 'RBAC' | 'Node,RBAC';
  /** --kubelet-certificate-authority, --kubelet-client-certificate, --kubelet-client-key. */
  kubeletClient?: { ca: string; cert: string; key: string };
  /** --etcd-cafile, --etcd-certfile, --etcd-keyfile. */
  etcdTLS?: { caFile: string; certFile: string; keyFile: string };
  /** --advertise-address: the IP the `kubernetes` Service's endpoints point at. */
  advertiseAddress?: string;
}

/** `skiff scheduler` → runScheduler. */
export interface SchedulerFlags extends LeaderElectionFlags {
  apiUrl: string;
  kubeconfig?: string;
  schedulerName: string;
  healthzPort: number;
}

/** The --leader-elect* flags of the scheduler and controller-manager (kube's names). Durations in ms. */
export interface LeaderElectionFlags {
  /** --leader-elect (default true, as kube). */
  leaderElect?: boolean;
  leaderElection?: { leaseDurationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number };
}

/** `skiff controller-manager` → runControllerManager. */
export interface ControllerManagerFlags extends LeaderElectionFlags {
  apiUrl: string;
  kubeconfig?: string;
  clusterCIDR: string;
  nodeCIDRMaskSize: number;
  healthzPort: number;
  /** --root-ca-file: the PEM file published as kube-root-ca.crt in every namespace. */
  rootCAFile?: string;
  /** --service-account-private-key-file: signs the tokens of legacy ServiceAccount token Secrets. */
  serviceAccountKeyFile?: string;
  /** --node-monitor-grace-period, ms. */
  nodeMonitorGracePeriodMs?: number;
  /** --node-startup-grace-period, ms. */
  nodeStartupGracePeriodMs?: number;
  /** --node-monitor-period, ms. */
  nodeMonitorPeriodMs?: number;
  /** --cluster-signing-cert-file / --cluster-signing-key-file: the CA approved CSRs are signed with (both or neither). */
  clusterSigningCertFile?: string;
  clusterSigningKeyFile?: string;
  /** --lb-pool: LoadBalancer addresses (controllers/servicelb); absent: node IPs. */
  lbPool?: string;
}

/** `skiff kubelet` → runKubelet. */
export interface KubeletFlags {
  apiUrl: string;
  kubeconfig?: string;
  nodeName: string;
  nodeIP?: string;
  containerdSocket: string;
  rootDir: string;
  cniBinDir: string;
  cniConfDir: string;
  port: number;
  healthzPort: number;
  /** Kubelet API over TLS (both or neither); present only when given. */
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  /** Authenticate client certs against this CA. */
  clientCAFile?: string;
  /** Default (when absent) AlwaysAllow, as the kubelet. */
  authorizationMode?: 'AlwaysAllow' | 'Webhook';
  /** Accept bearer tokens checked by TokenReview. */
  authenticationTokenWebhook?: boolean;
  /** Mount projected ServiceAccount token volumes (TokenRequest). */
  projectServiceAccountTokens?: boolean;
  /** --cluster-dns (comma-separated) and --cluster-domain: ClusterFirst pods' resolv.conf (kubelet/pods/dns.ts). */
  clusterDNS: string[];
  clusterDomain: string;
}

/** `skiff hollow-nodes` → runHollowNodes (kubelet/hollow-nodes.ts). */
export interface HollowNodesFlags {
  apiUrl: string;
  kubeconfig?: string;
  /** --count: how many hollow nodes. */
  count: number;
  /** --name-prefix: nodes are <prefix>0 ... <prefix>N-1. */
  namePrefix: string;
  /** --address-offset: node i takes the fake addresses of index offset + i. */
  addressOffset: number;
  /** --root-dir: pod log directories, one subdirectory per node. */
  rootDir: string;
  /** --node-status-update-frequency, ms (node status and Lease). */
  heartbeatMs: number;
  /** --start-burst: nodes registered at once. */
  startBurst: number;
}

/** `skiff proxy` → runProxy. */
export interface ProxyFlags {
  apiUrl: string;
  kubeconfig?: string;
  nodeName: string;
  serviceCIDR: string;
  clusterCIDR: string;
  healthzPort: number;
  /** The built-in Ingress controller's ports; absent with --disable-ingress. */
  ingress?: { httpPort: number; httpsPort: number };
  /** The node's cluster DNS server (proxy/dns); absent with --no-dns. */
  dns?: { clusterDNS: string; clusterDomain: string; port: number; kubeconfig?: string };
  /** Data plane: 'iptables' (default) or 'nftables'. */
  proxyMode?: ProxyMode;
}

/** `--proxy-mode iptables|nftables` (skiff proxy, server, agent); default iptables. */
export function proxyModeOption(): Option {
  return new Option('--proxy-mode <mode>', 'service proxy data plane: iptables or nftables').default('iptables').argParser(parseProxyMode);
}

/** `--proxy-mode`: 'iptables' or 'nftables'. */
export function parseProxyMode(value: string): ProxyMode {
  if (!isProxyMode(value)) throw new InvalidArgumentError(`must be one of ${PROXY_MODES.join(', ')}.`);
  return value;
}

/** A TCP port, 1..65535. */
export function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535) throw new InvalidArgumentError('must be a port number (1-65535).');
  return n;
}

/** An integer in min..max (decimal digits only). */
export function parseIntIn(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}.`);
    return n;
  };
}

/** A node-name prefix: a node name once a number is appended (lowercase DNS, may end in "-" or "."). */
export function parseNodeNamePrefix(value: string): string {
  parseNodeName(`${value}0`);
  return value;
}

/** A prefix length for node CIDRs, 8..30. */
export function parseMaskSize(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 8 || n > 30) throw new InvalidArgumentError('must be a prefix length between 8 and 30.');
  return n;
}

/** An IPv4 or IPv6 CIDR such as 10.244.0.0/16; returned as given. */
export function parseCIDR(value: string): string {
  try {
    ipaddr.parseCIDR(value);
  } catch {
    throw new InvalidArgumentError('must be a CIDR like 10.244.0.0/16.');
  }
  return value;
}

/** An IPv4 or IPv6 address. */
export function parseIP(value: string): string {
  if (!ipaddr.isValid(value)) throw new InvalidArgumentError('must be an IP address.');
  return value;
}

/**
 * A LoadBalancer address pool: comma-separated IPv4 ranges, CIDRs and
 * addresses (`192.168.1.240-192.168.1.250,10.0.0.8/29`); returned normalized
 * (no spaces). Throws InvalidArgumentError naming the bad item.
 */
export function parsePoolFlag(value: string): string {
  const p = parseLBPool(value);
  if ('error' in p) throw new InvalidArgumentError(`must be IPv4 ranges or CIDRs like 192.168.1.240-192.168.1.250: ${p.error}.`);
  return p.text;
}

/** An http(s) URL without a trailing slash. */
export function parseUrl(value: string): string {
  if (!/^https?:\/\/[^/]+/.test(value)) throw new InvalidArgumentError('must be an http:// or https:// URL.');
  return value.replace(/\/+$/, '');
}

/** A comma-separated list of http(s) URLs. */
export function parseUrlList(value: string): string[] {
  const items = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new InvalidArgumentError('must list at least one URL.');
  return items.map(parseUrl);
}

/** Accumulates repeated `--registry-mirror HOST=URL` values. */
export function collectMirror(value: string, previous: RegistryMirror[]): RegistryMirror[] {
  try {
    return [...previous, parseRegistryMirror(value)];
  } catch (err) {
    throw new InvalidArgumentError(err instanceof Error ? err.message : String(err));
  }
}

/** A node name as Kubernetes accepts it (lowercase DNS subdomain). */
export function parseNodeName(value: string): string {
  if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(value)) {
    throw new InvalidArgumentError('must be a lowercase DNS name (a-z, 0-9, "-", ".").');
  }
  return value;
}

/** The default node name: this host's name, lowercased (Kubernetes node names are lowercase). */
export function defaultNodeName(hostname: string): string {
  return hostname.toLowerCase();
}

/** The apiserver's raw TLS-related flags as commander hands them over. */
export interface ApiServerTLSArgs {
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  clientCaFile?: string;
  serviceAccountKeyFile?: string;
  kubeletCertificateAuthority?: string;
  kubeletClientCertificate?: string;
  kubeletClientKey?: string;
  etcdCafile?: string;
  etcdCertfile?: string;
  etcdKeyfile?: string;
}

/**
 * Groups the apiserver's TLS flags: serving needs cert, key and client CA
 * together; dialing kubelets, and dialing etcd, each need CA, cert and key together. Returns the
 * options or an error naming the missing flags. Pure.
 */
export function apiServerTLSFrom(a: ApiServerTLSArgs): Pick<ApiServerFlags, 'tls' | 'kubeletClient' | 'etcdTLS'> | { error: string } {
  const out: Pick<ApiServerFlags, 'tls' | 'kubeletClient' | 'etcdTLS'> = {};
  const group = (flags: Record<string, string | undefined>): 'none' | 'all' | string => {
    const missing = Object.entries(flags).filter(([, v]) => v === undefined).map(([k]) => k);
    if (missing.length === Object.keys(flags).length) return 'none';
    return missing.length === 0 ? 'all' : `${Object.keys(flags).join(', ')} go together; missing ${missing.join(', ')}`;
  };
  const serving = group({ '--tls-cert-file': a.tlsCertFile, '--tls-private-key-file': a.tlsPrivateKeyFile, '--client-ca-file': a.clientCaFile });
  if (serving !== 'none' && serving !== 'all') return { error: serving };
  if (serving === 'none' && a.serviceAccountKeyFile !== undefined) return { error: '--service-account-key-file needs --tls-cert-file, --tls-private-key-file and --client-ca-file' };
  if (serving === 'all') {
    out.tls = { cert: a.tlsCertFile ?? '', key: a.tlsPrivateKeyFile ?? '', clientCA: a.clientCaFile ?? '' };
    if (a.serviceAccountKeyFile !== undefined) out.tls.serviceAccountKey = a.serviceAccountKeyFile;
  }
  const kubelet = group({
    '--kubelet-certificate-authority': a.kubeletCertificateAuthority, '--kubelet-client-certificate': a.kubeletClientCertificate, '--kubelet-client-key': a.kubeletClientKey,
  });
  if (kubelet !== 'none' && kubelet !== 'all') return { error: kubelet };
  if (kubelet === 'all') out.kubeletClient = { ca: a.kubeletCertificateAuthority ?? '', cert: a.kubeletClientCertificate ?? '', key: a.kubeletClientKey ?? '' };
  const etcd = group({ '--etcd-cafile': a.etcdCafile, '--etcd-certfile': a.etcdCertfile, '--etcd-keyfile': a.etcdKeyfile });
  if (etcd !== 'none' && etcd !== 'all') return { error: etcd };
  if (etcd === 'all') out.etcdTLS = { caFile: a.etcdCafile ?? '', certFile: a.etcdCertfile ?? '', keyFile: a.etcdKeyfile ?? '' };
  return out;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A Go-style duration as kube's flags take them ("40s", "1m30s", "500ms",
 * "2h"); returns milliseconds. Throws InvalidArgumentError otherwise.
 */
export function parseDuration(value: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let at = 0;
  for (let m = re.exec(value); m !== null; m = re.exec(value)) {
    total += Number(m[1]) * (DURATION_UNITS[m[2]] ?? 0);
    at = re.lastIndex;
  }
  if (value === '' || at !== value.length) throw new InvalidArgumentError('must be a duration like 40s, 1m30s or 500ms.');
  return Math.round(total);
}

/** "true" or "false" (Go's flag booleans as kube's --leader-elect=false). Throws InvalidArgumentError otherwise. */
export function parseBool(value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new InvalidArgumentError('must be true or false.');
}
