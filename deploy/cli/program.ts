/**
 * The `skiff` command line: `skiff server` (a whole single-node cluster) and
 * one subcommand per component for running the parts by hand. This file only
 * declares flags and turns them into typed options; what runs is injected as
 * `CliActions`, so flag parsing and defaults are unit-tested without
 * starting anything.
 */
import { Command, Option } from 'commander';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { defaults, type ServerConfig } from '../server/config.ts';
import type { RegistryMirror } from '../server/registry-mirror.ts';
import { decideExternalEtcd, type ExternalEtcdFlags } from '../server/external-etcd.ts';
import type { ProxyMode } from '../../proxy/backend.ts';
import type { CheckOptions } from '../check/run.ts';
import { addSnapshotServerOptions, registerEtcdSnapshotCommand, snapshotScheduleFrom, type EtcdSnapshotActions, type SnapshotServerFlags } from '../snapshot/command.ts';
import { registerAgentCommand, type AgentConfig } from './agent-command.ts';
import { versionLine } from './version.ts';
import { addLoggingOptions } from './logging.ts';
import type { LogLevel } from '../../apiserver/api/log-level.ts';
import {
  apiServerTLSFrom, collectMirror, defaultNodeName, parseBool, parseDuration, parseCIDR, parseIP, parseIntIn, parseMaskSize, parseNodeName, parseNodeNamePrefix, parsePoolFlag, parsePort, parseUrl, parseUrlList, proxyModeOption,
  type ApiServerFlags, type ApiServerTLSArgs, type ControllerManagerFlags, type HollowNodesFlags, type LeaderElectionFlags, type KubeletFlags, type ProxyFlags, type SchedulerFlags,
} from './options.ts';

/** What each subcommand does with its parsed options; resolves when it has stopped. */
export interface CliActions {
  server(cfg: ServerConfig): Promise<void>;
  apiserver(o: ApiServerFlags): Promise<void>;
  scheduler(o: SchedulerFlags): Promise<void>;
  controllerManager(o: ControllerManagerFlags): Promise<void>;
  kubelet(o: KubeletFlags): Promise<void>;
  /** `skiff hollow-nodes`: N simulated kubelets in this process (scale runs). */
  hollowNodes(o: HollowNodesFlags): Promise<void>;
  proxy(o: ProxyFlags): Promise<void>;
  /** `skiff proxy --cleanup`: removes what the proxy wrote (rules, chains, routes), then returns. */
  proxyCleanup(o: { serviceCIDR: string; clusterCIDR: string }): Promise<void>;
  /** `skiff check`: the host preflight; prints one line per check and rejects when any failed. */
  check(o: CheckOptions): Promise<void>;
  /** `skiff etcd-snapshot save|list|delete|prune|restore`. */
  etcdSnapshot: EtcdSnapshotActions;
  /** `skiff agent`: join a server with a token, then run this node's parts. */
  agent(cfg: AgentConfig): Promise<void>;
  /** Called before any action with the level from --log-level, -v, SKIFF_LOG_LEVEL or SKIFF_DEBUG. */
  logging(level: LogLevel): void;
}

/** Environment the defaults depend on; injectable for tests. */
export interface CliEnv {
  hostname: string;
  /** Environment the log level defaults from (default process.env). */
  vars?: Record<string, string | undefined>;
}

const apiUrlOption = (): Option =>
  new Option('--api-url <url>', 'where to reach the Skiff API server (without --kubeconfig: plain, no credentials)').default(defaults.apiUrl).argParser(parseUrl);
const kubeconfigOption = (): Option =>
  new Option('--kubeconfig <path>', 'reach the API as this kubeconfig says: server, CA and client cert (wins over --api-url)');
/** Adds kube's --leader-elect* flags to `cmd`. */
function leaderElectionOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--leader-elect <bool>', 'take the coordination Lease in kube-system; only the leader acts').default(true).argParser(parseBool))
    .addOption(new Option('--leader-elect-lease-duration <duration>', 'how long a standby waits before taking over').default(15_000, '15s').argParser(parseDuration))
    .addOption(new Option('--leader-elect-renew-deadline <duration>', 'how long the leader retries renewing before giving up').default(10_000, '10s').argParser(parseDuration))
    .addOption(new Option('--leader-elect-retry-period <duration>', 'how often candidates try').default(2_000, '2s').argParser(parseDuration));
}
/** The leader-election options from the parsed flags. */
const le = (o: { leaderElect: boolean; leaderElectLeaseDuration: number; leaderElectRenewDeadline: number; leaderElectRetryPeriod: number }): LeaderElectionFlags => ({
  leaderElect: o.leaderElect,
  leaderElection: { leaseDurationMs: o.leaderElectLeaseDuration, renewDeadlineMs: o.leaderElectRenewDeadline, retryPeriodMs: o.leaderElectRetryPeriod },
});
type LeaderArgs = Parameters<typeof le>[0];
/** `{ kubeconfig }` when given, else nothing (so option objects stay minimal). */
const kc = (o: { kubeconfig?: string }): { kubeconfig?: string } => (o.kubeconfig === undefined ? {} : { kubeconfig: resolve(o.kubeconfig) });

/**
 * Builds the `skiff` program. Call `parseAsync(argv)` on it. Invalid flag
 * values make commander print an error and exit 1 (or throw a
 * CommanderError when `exitOverride()` is set, as the tests do).
 */
export function buildProgram(actions: CliActions, env: CliEnv = { hostname: hostname() }): Command {
  const nodeName = defaultNodeName(env.hostname);
  const program = new Command('skiff')
    .description('Skiff: a small Kubernetes-compatible container orchestrator.\n'
      + 'Run `skiff server` as root for a single-node cluster; then use kubectl with <data-dir>/admin.kubeconfig.')
    .version(versionLine(), '--version', 'print Skiff\'s version, commit and platform')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortOptions: false, showGlobalOptions: false });

  const server = program.command('server')
    .description('run a whole single-node cluster: etcd and containerd as child processes; apiserver, scheduler, controller-manager, kubelet and proxy in this process, each restarted alone on failure')
    .option('--data-dir <dir>', 'where all state lives (etcd data, containerd, kubelet, admin.kubeconfig)', defaults.dataDir)
    .addOption(new Option('--cluster-cidr <cidr>', 'pod network; each node gets a /24 of it').default(defaults.clusterCIDR).argParser(parseCIDR))
    .addOption(new Option('--service-cidr <cidr>', 'Service ClusterIP range').default(defaults.serviceCIDR).argParser(parseCIDR))
    .addOption(new Option('--api-port <port>', 'API server port (HTTPS)').default(defaults.apiPort).argParser(parsePort))
    .addOption(new Option('--bind-address <ip>', 'address the API server listens on').default(defaults.bindAddress).argParser(parseIP))
    .addOption(new Option('--node-name <name>', 'name of this node').default(nodeName, 'this host\'s name').argParser(parseNodeName))
    .addOption(new Option('--node-ip <ip>', 'address the node reports (default: picked by the kubelet)').argParser(parseIP))
    .option('--containerd-socket <path>', 'use this running containerd instead of starting one')
    .addOption(new Option('--registry-mirror <host=url>', 'pull images of registry HOST from URL (repeatable), e.g. docker.io=http://127.0.0.1:5000')
      .default([] as RegistryMirror[], 'none').argParser(collectMirror))
    .addOption(new Option('--etcd-client-port <port>', 'embedded etcd client port (loopback and the node IP)').default(defaults.etcdClientPort).argParser(parsePort))
    .addOption(new Option('--etcd-peer-port <port>', 'embedded etcd peer port (the node IP)').default(defaults.etcdPeerPort).argParser(parsePort))
    .addOption(new Option('--etcd-servers <urls>', 'comma-separated client URLs of an external etcd cluster: run no embedded etcd').argParser(parseUrlList))
    .option('--etcd-cafile <path>', 'CA of the external etcd\'s serving certs')
    .option('--etcd-certfile <path>', 'client cert presented to the external etcd')
    .option('--etcd-keyfile <path>', 'key of --etcd-certfile')
    .addOption(new Option('--server <url>', 'join the cluster of this server (https://IP:6443) as another control-plane node (with --token; adds an etcd member unless --etcd-servers)').argParser(parseUrl))
    .option('--token <token>', 'the server token of --server (its <data-dir>/token; an agent token is refused)')
    .option('--agent-token <token>', 'the token agents join with (<id>.<secret> or K10…), written to <data-dir>/agent-token; default: a fresh one, separate from the server token')
    .addOption(new Option('--lb-pool <ranges>', 'addresses for LoadBalancer Services, e.g. 192.168.1.240-192.168.1.250 (comma-separated ranges or CIDRs); default: each node\'s IP').argParser(parsePoolFlag))
    .addOption(proxyModeOption())
    .option('--split-processes', 'run each component in its own child process (for debugging and kill -9 tests) instead of all in this one')
    .action(async (o: {
      dataDir: string; clusterCidr: string; serviceCidr: string; apiPort: number; bindAddress: string; nodeName: string; nodeIp?: string;
      containerdSocket?: string; registryMirror: RegistryMirror[]; etcdClientPort: number; etcdPeerPort: number;
      server?: string; token?: string; lbPool?: string; proxyMode: ProxyMode; agentToken?: string; splitProcesses?: boolean;
    } & SnapshotServerFlags & ExternalEtcdFlags, cmd: Command) => {
      const etcd = decideExternalEtcd(o);
      if ('error' in etcd) { cmd.error(`error: ${etcd.error}`); return; }
      if ((o.server === undefined) !== (o.token === undefined)) { cmd.error('error: --server and --token go together'); return; }
      const abs = (f: string): string => resolve(f);
      const external = etcd.external && {
        endpoints: etcd.external.endpoints,
        ...(etcd.external.tls ? { tls: { caFile: abs(etcd.external.tls.caFile), certFile: abs(etcd.external.tls.certFile), keyFile: abs(etcd.external.tls.keyFile) } } : {}),
      };
      await actions.server({
        ...(external ? { externalEtcd: external } : {}),
        ...(o.server !== undefined && o.token !== undefined ? { join: { server: o.server, token: o.token } } : {}),
        ...(o.agentToken !== undefined ? { agentToken: o.agentToken } : {}),
        dataDir: resolve(o.dataDir), clusterCIDR: o.clusterCidr, serviceCIDR: o.serviceCidr, apiPort: o.apiPort, bindAddress: o.bindAddress, nodeName: o.nodeName,
        nodeIP: o.nodeIp, containerdSocket: o.containerdSocket === undefined ? undefined : resolve(o.containerdSocket), registryMirrors: o.registryMirror,
        etcdClientPort: o.etcdClientPort, etcdPeerPort: o.etcdPeerPort, etcdSnapshots: snapshotScheduleFrom(o, resolve(o.dataDir)),
        ...(o.lbPool !== undefined ? { lbPool: o.lbPool } : {}),
        ...(o.proxyMode !== 'iptables' ? { proxyMode: o.proxyMode } : {}),
        ...(o.splitProcesses === true ? { splitProcesses: true } : {}),
      });
    });
  addSnapshotServerOptions(server);
  registerEtcdSnapshotCommand(program, actions.etcdSnapshot, nodeName);

  program.command('apiserver')
    .description('run the API server (stores everything in etcd; serves kubectl)')
    .addOption(new Option('--etcd-endpoints <urls>', 'comma-separated etcd client URLs').default([defaults.etcdEndpoint], defaults.etcdEndpoint).argParser(parseUrlList))
    .addOption(new Option('--bind-address <ip>', 'address to listen on').default('127.0.0.1').argParser(parseIP))
    .addOption(new Option('--port <port>', 'port to listen on').default(defaults.apiPort).argParser(parsePort))
    .addOption(new Option('--service-cidr <cidr>', 'Service ClusterIP range').default(defaults.serviceCIDR).argParser(parseCIDR))
    .option('--tls-cert-file <path>', 'serve HTTPS with this cert (PEM); with --tls-private-key-file and --client-ca-file every request is authenticated')
    .option('--tls-private-key-file <path>', 'key of --tls-cert-file (PEM)')
    .option('--client-ca-file <path>', 'authenticate client certs from this CA (CN user, O groups)')
    .option('--service-account-key-file <path>', 'sign and verify ServiceAccount tokens with this key (PEM, P-256 or RSA)')
    .addOption(new Option('--authorization-mode <mode>', 'how requests are authorized').choices(['AlwaysAllow', 'RBAC', 'Node,RBAC']))
    .option('--kubelet-certificate-authority <path>', 'CA of the kubelets\' serving certs (dial kubelets over HTTPS)')
    .option('--kubelet-client-certificate <path>', 'client cert presented to kubelets')
    .option('--kubelet-client-key <path>', 'key of --kubelet-client-certificate')
    .option('--etcd-cafile <path>', 'CA of etcd\'s serving cert (dial etcd over TLS)')
    .option('--etcd-certfile <path>', 'client cert presented to etcd')
    .option('--etcd-keyfile <path>', 'key of --etcd-certfile')
    .addOption(new Option('--advertise-address <ip>', 'IP the `kubernetes` Service\'s endpoints point at').argParser(parseIP))
    .action(async (o: {
      etcdEndpoints: string[]; bindAddress: string; port: number; serviceCidr: string; authorizationMode?: ApiServerFlags['authorization']; advertiseAddress?: string;
    } & ApiServerTLSArgs, cmd: Command) => {
      const tls = apiServerTLSFrom(o);
      if ('error' in tls) cmd.error(`error: ${tls.error}`);
      else {
        await actions.apiserver({
          etcdEndpoints: o.etcdEndpoints, bindAddress: o.bindAddress, port: o.port, serviceCIDR: o.serviceCidr, ...tls,
          ...(o.authorizationMode !== undefined ? { authorization: o.authorizationMode } : {}),
          ...(o.advertiseAddress !== undefined ? { advertiseAddress: o.advertiseAddress } : {}),
        });
      }
    });

  const scheduler = program.command('scheduler')
    .description('run the scheduler (binds pending pods to nodes)')
    .addOption(apiUrlOption())
    .addOption(kubeconfigOption())
    .option('--scheduler-name <name>', 'pods with this spec.schedulerName are scheduled', defaults.schedulerName)
    .addOption(new Option('--healthz-port <port>', '/healthz port').default(defaults.schedulerHealthzPort).argParser(parsePort));
  leaderElectionOptions(scheduler)
    .action(async (o: SchedulerFlags & LeaderArgs) => {
      await actions.scheduler({ apiUrl: o.apiUrl, ...kc(o), schedulerName: o.schedulerName, healthzPort: o.healthzPort, ...le(o) });
    });

  const controllerManager = program.command('controller-manager')
    .description('run the controllers (deployments, replicasets, endpointslices, node IPAM, garbage collection, ...)')
    .addOption(apiUrlOption())
    .addOption(kubeconfigOption())
    .option('--root-ca-file <path>', 'CA bundle (PEM) published to every namespace as ConfigMap kube-root-ca.crt')
    .option('--service-account-private-key-file <path>', 'key (PEM) the token controller signs ServiceAccount token Secrets with')
    .addOption(new Option('--cluster-cidr <cidr>', 'pod network node CIDRs are carved from').default(defaults.clusterCIDR).argParser(parseCIDR))
    .addOption(new Option('--node-cidr-mask-size <bits>', 'prefix length of each node\'s pod CIDR').default(defaults.nodeCIDRMaskSize).argParser(parseMaskSize))
    .addOption(new Option('--healthz-port <port>', '/healthz port').default(defaults.controllerManagerHealthzPort).argParser(parsePort))
    .option('--cluster-signing-cert-file <path>', 'CA cert (PEM) approved CertificateSigningRequests are signed with (with --cluster-signing-key-file)')
    .option('--cluster-signing-key-file <path>', 'key (PEM) of --cluster-signing-cert-file')
    .addOption(new Option('--node-monitor-grace-period <duration>', 'silence after which a node turns Ready=Unknown and is tainted unreachable').default(40_000, '40s').argParser(parseDuration))
    .addOption(new Option('--node-startup-grace-period <duration>', 'silence allowed to a node that never posted Ready').default(60_000, '60s').argParser(parseDuration))
    .addOption(new Option('--node-monitor-period <duration>', 'how often node health is checked').default(5_000, '5s').argParser(parseDuration))
    .addOption(new Option('--lb-pool <ranges>', 'addresses for LoadBalancer Services (comma-separated ranges or CIDRs); default: each Ready node\'s IP').argParser(parsePoolFlag));
  leaderElectionOptions(controllerManager)
    .action(async (o: {
      apiUrl: string; kubeconfig?: string; rootCaFile?: string; serviceAccountPrivateKeyFile?: string; clusterCidr: string; nodeCidrMaskSize: number; healthzPort: number;
      nodeMonitorGracePeriod: number; nodeStartupGracePeriod: number; nodeMonitorPeriod: number;
      clusterSigningCertFile?: string; clusterSigningKeyFile?: string; lbPool?: string;
    } & LeaderArgs, cmd: Command) => {
      if ((o.clusterSigningCertFile === undefined) !== (o.clusterSigningKeyFile === undefined)) {
        cmd.error('error: --cluster-signing-cert-file and --cluster-signing-key-file go together');
      }
      await actions.controllerManager({
        apiUrl: o.apiUrl, ...kc(o), clusterCIDR: o.clusterCidr, nodeCIDRMaskSize: o.nodeCidrMaskSize, healthzPort: o.healthzPort, ...le(o),
        nodeMonitorGracePeriodMs: o.nodeMonitorGracePeriod, nodeStartupGracePeriodMs: o.nodeStartupGracePeriod, nodeMonitorPeriodMs: o.nodeMonitorPeriod,
        ...(o.lbPool !== undefined ? { lbPool: o.lbPool } : {}),
        ...(o.rootCaFile !== undefined ? { rootCAFile: resolve(o.rootCaFile) } : {}),
        ...(o.serviceAccountPrivateKeyFile !== undefined ? { serviceAccountKeyFile: resolve(o.serviceAccountPrivateKeyFile) } : {}),
        ...(o.clusterSigningCertFile !== undefined && o.clusterSigningKeyFile !== undefined
          ? { clusterSigningCertFile: resolve(o.clusterSigningCertFile), clusterSigningKeyFile: resolve(o.clusterSigningKeyFile) } : {}),
      });
    });

  program.command('kubelet')
    .description('run the node agent (runs this node\'s pods through containerd)')
    .addOption(apiUrlOption())
    .addOption(kubeconfigOption())
    .addOption(new Option('--node-name <name>', 'name of this node').default(nodeName, 'this host\'s name').argParser(parseNodeName))
    .addOption(new Option('--node-ip <ip>', 'address the node reports').argParser(parseIP))
    .option('--containerd-socket <path>', 'containerd CRI socket', join(defaults.dataDir, 'containerd', 'containerd.sock'))
    .option('--root-dir <dir>', 'kubelet state (pods/, logs/)', join(defaults.dataDir, 'kubelet'))
    .option('--cni-bin-dir <dir>', 'CNI plugin binaries', defaults.cniBinDir)
    .option('--cni-conf-dir <dir>', 'CNI config directory', join(defaults.dataDir, 'cni', 'net.d'))
    .addOption(new Option('--port <port>', 'kubelet API port (logs, exec)').default(defaults.kubeletPort).argParser(parsePort))
    .addOption(new Option('--healthz-port <port>', '/healthz port').default(defaults.kubeletHealthzPort).argParser(parsePort))
    .option('--tls-cert-file <path>', 'serve the kubelet API over HTTPS with this cert (PEM; with --tls-private-key-file)')
    .option('--tls-private-key-file <path>', 'key of --tls-cert-file (PEM)')
    .option('--client-ca-file <path>', 'authenticate kubelet API clients by certs from this CA (CN user, O groups)')
    .addOption(new Option('--authorization-mode <mode>', 'authorize kubelet API requests (default AlwaysAllow; Webhook: SubjectAccessReview)').choices(['AlwaysAllow', 'Webhook']))
    .option('--authentication-token-webhook', 'also accept bearer tokens, checked with a TokenReview')
    .option('--project-service-account-tokens', 'mount projected ServiceAccount tokens (TokenRequest), kube-root-ca.crt and the namespace into pods')
    .addOption(new Option('--cluster-dns <ips>', 'nameserver(s) of ClusterFirst pods, comma-separated (the kube-dns Service IP)').default(['10.96.0.10'], '10.96.0.10')
      .argParser((v: string) => v.split(',').filter((x) => x !== '').map((x) => parseIP(x))))
    .option('--cluster-domain <domain>', 'cluster DNS domain in pods\' search path', 'cluster.local')
    .action(async (o: {
      clusterDns: string[]; clusterDomain: string;
      apiUrl: string; kubeconfig?: string; projectServiceAccountTokens?: boolean; nodeName: string; nodeIp?: string; containerdSocket: string; rootDir: string; cniBinDir: string;
      cniConfDir: string; port: number; healthzPort: number;
      tlsCertFile?: string; tlsPrivateKeyFile?: string; clientCaFile?: string; authorizationMode?: 'AlwaysAllow' | 'Webhook'; authenticationTokenWebhook?: boolean;
    }) => {
      await actions.kubelet({
        apiUrl: o.apiUrl, ...kc(o), nodeName: o.nodeName, nodeIP: o.nodeIp, containerdSocket: o.containerdSocket, rootDir: o.rootDir,
        cniBinDir: o.cniBinDir, cniConfDir: o.cniConfDir, port: o.port, healthzPort: o.healthzPort, clusterDNS: o.clusterDns, clusterDomain: o.clusterDomain,
        ...(o.tlsCertFile !== undefined ? { tlsCertFile: o.tlsCertFile } : {}),
        ...(o.tlsPrivateKeyFile !== undefined ? { tlsPrivateKeyFile: o.tlsPrivateKeyFile } : {}),
        ...(o.clientCaFile !== undefined ? { clientCAFile: o.clientCaFile } : {}),
        ...(o.authorizationMode !== undefined ? { authorizationMode: o.authorizationMode } : {}),
        ...(o.authenticationTokenWebhook === true ? { authenticationTokenWebhook: true } : {}),
        ...(o.projectServiceAccountTokens === true ? { projectServiceAccountTokens: true } : {}),
      });
    });

  program.command('hollow-nodes')
    .description('run N hollow kubelets in this process (real node and pod logic over an in-memory runtime: no containers, network or kubelet API), for scale runs')
    .addOption(apiUrlOption())
    .addOption(kubeconfigOption())
    .addOption(new Option('--count <n>', 'how many hollow nodes').makeOptionMandatory().argParser(parseIntIn(1, 32_768)))
    .addOption(new Option('--name-prefix <prefix>', 'nodes are named <prefix>0 ... <prefix>N-1').default('hollow-').argParser(parseNodeNamePrefix))
    .addOption(new Option('--address-offset <n>', 'node i takes the fake InternalIP and pod range of index offset + i (disjoint groups on one cluster)').default(0).argParser(parseIntIn(0, 32_767)))
    .option('--root-dir <dir>', 'pod log directories, one subdirectory per node', join(tmpdir(), 'skiff-hollow-nodes'))
    .addOption(new Option('--node-status-update-frequency <duration>', 'node status and Lease period').default(10_000, '10s').argParser(parseDuration))
    .addOption(new Option('--start-burst <n>', 'nodes registered at once').default(10).argParser(parseIntIn(1, 1000)))
    .action(async (o: {
      apiUrl: string; kubeconfig?: string; count: number; namePrefix: string; addressOffset: number; rootDir: string; nodeStatusUpdateFrequency: number; startBurst: number;
    }, cmd: Command) => {
      if (o.count + o.addressOffset > 32_768) cmd.error('error: --count plus --address-offset must be at most 32768');
      await actions.hollowNodes({
        apiUrl: o.apiUrl, ...kc(o), count: o.count, namePrefix: o.namePrefix, addressOffset: o.addressOffset, rootDir: resolve(o.rootDir),
        heartbeatMs: o.nodeStatusUpdateFrequency, startBurst: o.startBurst,
      });
    });

  program.command('proxy')
    .description('run the service proxy (programs iptables or nftables for Services)')
    .addOption(apiUrlOption())
    .addOption(new Option('--node-name <name>', 'name of this node').default(nodeName, 'this host\'s name').argParser(parseNodeName))
    .addOption(new Option('--service-cidr <cidr>', 'Service ClusterIP range').default(defaults.serviceCIDR).argParser(parseCIDR))
    .addOption(new Option('--cluster-cidr <cidr>', 'pod network').default(defaults.clusterCIDR).argParser(parseCIDR))
    .addOption(new Option('--healthz-port <port>', '/healthz port').default(defaults.proxyHealthzPort).argParser(parsePort))
    .addOption(new Option('--ingress-http-port <port>', 'HTTP port of the built-in Ingress controller').default(80).argParser(parsePort))
    .addOption(new Option('--ingress-https-port <port>', 'HTTPS port of the built-in Ingress controller').default(443).argParser(parsePort))
    .option('--disable-ingress', 'do not run the built-in Ingress controller (IngressClass skiff)')
    .addOption(kubeconfigOption())
    .addOption(proxyModeOption())
    .option('--cleanup', 'remove what either proxy mode wrote (iptables chains, the nftables table) and the routes, then exit')
    .addOption(new Option('--cluster-dns <ip>', 'the kube-dns Service IP (never forwarded to)').default('10.96.0.10').argParser(parseIP))
    .option('--cluster-domain <domain>', 'the zone the node\'s DNS server answers', 'cluster.local')
    .addOption(new Option('--dns-port <port>', 'port of the node\'s DNS server on its InternalIP (the kube-dns targetPort)').default(10053).argParser(parsePort))
    .option('--dns-kubeconfig <path>', 'the DNS server\'s own identity (system:skiff-dns); default: the proxy\'s')
    .option('--no-dns', 'do not run the node\'s cluster DNS server')
    .action(async (o: {
      apiUrl: string; kubeconfig?: string; nodeName: string; serviceCidr: string; clusterCidr: string; healthzPort: number; proxyMode: ProxyMode; cleanup?: boolean;
      ingressHttpPort: number; ingressHttpsPort: number; disableIngress?: boolean;
      clusterDns: string; clusterDomain: string; dnsPort: number; dns: boolean; dnsKubeconfig?: string;
    }) => {
      if (o.cleanup) {
        await actions.proxyCleanup({ serviceCIDR: o.serviceCidr, clusterCIDR: o.clusterCidr });
        return;
      }
      await actions.proxy({
        apiUrl: o.apiUrl, ...kc(o), nodeName: o.nodeName, serviceCIDR: o.serviceCidr, clusterCIDR: o.clusterCidr, healthzPort: o.healthzPort, proxyMode: o.proxyMode,
        ...(o.disableIngress ? {} : { ingress: { httpPort: o.ingressHttpPort, httpsPort: o.ingressHttpsPort } }),
        ...(o.dns ? { dns: { clusterDNS: o.clusterDns, clusterDomain: o.clusterDomain, port: o.dnsPort, ...(o.dnsKubeconfig !== undefined ? { kubeconfig: resolve(o.dnsKubeconfig) } : {}) } } : {}),
      });
    });

  program.command('check')
    .description('preflight this host (cgroups, swap, kernel modules, sysctls, iptables, ports, clock) and print a fix for each problem')
    .addOption(new Option('--server <url>', 'the server this host joins (https://IP:6443): compare clocks; check only a node\'s ports').argParser(parseUrl))
    .option('--data-dir <dir>', 'its cluster CA (tls/server-ca.crt), if there, verifies --server', defaults.dataDir)
    .action(async (o: { server?: string; dataDir: string }) => {
      await actions.check({ dataDir: resolve(o.dataDir), ...(o.server !== undefined ? { server: o.server } : {}) });
    });
  registerAgentCommand(program, (cfg) => actions.agent(cfg), nodeName);
  addLoggingOptions(program, (level) => actions.logging(level), env.vars ?? process.env);

  return program;
}
