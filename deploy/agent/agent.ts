/**
 * `skiff agent`: joins a node to a cluster and keeps its parts running.
 * First the TLS bootstrap (bootstrap.ts: token → checked CA → kubelet client
 * and serving certs through approved CSRs; on failure nothing is written and
 * the agent exits with the reason). Then, under one Supervisor as
 * `skiff server` does: its own containerd (unless --containerd-socket),
 * then the kubelet with the agent's credentials (cred/kubelet.kubeconfig,
 * tls/serving-kubelet.*, the cluster CA as client CA) and the service proxy
 * as system:kube-proxy (cred/kubeproxy.kubeconfig), its cluster DNS server as
 * system:skiff-dns (cred/skiff-dns.kubeconfig). The plans come from the
 * server's componentPlans (deploy/server/components.ts), fed with the
 * agent's credential paths, so both run with the same flags on every node.
 *
 * The cluster CIDR and Service CIDR (and so the cluster DNS address) come
 * from the server: ConfigMap kube-system/skiff-cluster-config
 * (deploy/join/cluster-config.ts), read as the node right after the join,
 * as k3s agents read the server's config endpoint. A server of an older
 * Skiff has none: then the defaults (10.244.0.0/16, 10.96.0.0/12) are used
 * and the agent says so.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import type { Logger } from '../../apiserver/api/log.ts';
import { Supervisor } from '../supervisor/supervisor.ts';
import type { RestartPolicy } from '../supervisor/decide.ts';
import { componentPlans, defaultLauncher, type ComponentPlan, type Launcher } from '../server/components.ts';
import { componentHost, type InProcessRunner } from '../server/component-host.ts';
import type { InProcessSupervisor } from '../supervisor/in-process.ts';
import { defaults, serverPaths, type ServerConfig } from '../server/config.ts';
import { prepareContainerd, waitForContainerd } from '../server/containerd.ts';
import type { CredentialPaths } from '../server/credentials.ts';
import { Progress } from '../server/progress.ts';
import { writeRegistryMirrors, type RegistryMirror } from '../server/registry-mirror.ts';
import { httpReady, pollUntil } from '../server/wait.ts';
import { bootstrapAgent } from './bootstrap.ts';
import type { AgentPaths } from './layout.ts';
import type { ProxyMode } from '../../proxy/backend.ts';
import { RestClient } from '../../apiserver/client/rest.ts';
import { loadKubeconfig } from '../../apiserver/client/kubeconfig.ts';
import { fetchClusterConfig, type ClusterNetwork } from '../join/cluster-config.ts';

/** Skiff's default pod network and Service range (what a server without flags uses). */
export const DEFAULT_NETWORK: ClusterNetwork = { clusterCIDR: defaults.clusterCIDR, serviceCIDR: defaults.serviceCIDR };

/**
 * The cluster's network settings, read as the node (`kubeconfig`) from the
 * server's ConfigMap, retried every 500 ms while it is missing or the API
 * does not answer, for up to `timeoutMs`. Afterwards (a server of an older
 * Skiff publishes none) the defaults, with `fromServer: false`. An
 * unusable ConfigMap is an error. Never throws.
 */
export async function clusterNetworkOf(kubeconfig: string, timeoutMs: number, signal: AbortSignal): Promise<{ network: ClusterNetwork; fromServer: boolean } | { error: string }> {
  const client = new RestClient({ ...loadKubeconfig(kubeconfig), userAgent: 'skiff-agent' });
  const end = Date.now() + timeoutMs;
  try {
    while (!signal.aborted) {
      try {
        const r = await fetchClusterConfig(client);
        if ('error' in r) return r;
        if (!('missing' in r)) return { network: r, fromServer: true };
      } catch {
        // not reachable yet: retry until the deadline
      }
      if (Date.now() + 500 > end) break;
      await new Promise((res) => setTimeout(res, 500));
    }
  } finally {
    client.close();
  }
  return { network: DEFAULT_NETWORK, fromServer: false };
}

/** Everything `skiff agent` is told on its command line. */
export interface AgentConfig {
  /** https://host:port of a server. */
  server: string;
  /** The join token (K10…): the server's <data-dir>/agent-token, or its server token <data-dir>/token. */
  token: string;
  /** Default /var/lib/skiff-agent. */
  dataDir: string;
  nodeName: string;
  nodeIP?: string;
  containerdSocket?: string;
  registryMirrors: RegistryMirror[];
  /** The proxy's data plane (`--proxy-mode`); absent: iptables. */
  proxyMode?: ProxyMode;
  /** `--split-processes`: kubelet and proxy each in its own child process instead of modules in the agent's process. */
  splitProcesses?: boolean;
}

/** What `runAgent` needs besides the config. */
export interface AgentDeps {
  out: NodeJS.WritableStream;
  log: Logger;
  launcher?: Launcher;
  containerdBinary?: string;
  policy?: RestartPolicy;
  /** Startup waits in ms (defaults 60 s for containerd, 120 s for the kubelet, 30 s for the server's cluster network settings). */
  timeouts?: { containerdMs?: number; kubeletMs?: number; clusterConfigMs?: number };
  onSupervisor?: (s: Supervisor) => void;
  /** Runs a component in this process (the CLI's deploy/cli/in-process.ts); absent, or cfg.splitProcesses: kubelet and proxy are child processes. */
  inProcess?: InProcessRunner;
  /** Called with the in-process supervisor when components run in this process. */
  onModules?: (m: InProcessSupervisor) => void;
}

/** Error thrown when the agent cannot join or a critical part never got healthy; the message says why. */
export class AgentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgentError';
  }
}

/**
 * The server's credential layout, pointed at the agent's files: only the
 * fields the kubelet's plan reads are real; the others name nothing and
 * belong to components the agent does not run. Pure.
 */
export function agentCredentialPaths(p: AgentPaths): CredentialPaths {
  const none = { cert: '', key: '' };
  return {
    clusterCA: p.caFile, clusterCAKey: '', apiserverServing: none, apiserverKubeletClient: none, serviceAccountKey: '',
    kubeletServing: { cert: p.servingCert, key: p.servingKey },
    kubeconfigs: { admin: '', scheduler: '', controllerManager: '', kubelet: p.kubeletKubeconfig, proxy: p.proxyKubeconfig, dns: p.dnsKubeconfig },
  };
}

/** The agent's component plans: the kubelet and the proxy, for the cluster's `network` (default: Skiff's default CIDRs). Pure. */
export function agentPlans(cfg: AgentConfig, creds: AgentPaths, containerdSocket: string, launcher: Launcher, parentPid = process.pid, network: ClusterNetwork = DEFAULT_NETWORK): ComponentPlan[] {
  const serverLike: ServerConfig = {
    dataDir: cfg.dataDir, clusterCIDR: network.clusterCIDR, serviceCIDR: network.serviceCIDR, apiPort: defaults.apiPort, nodeName: cfg.nodeName,
    nodeIP: cfg.nodeIP, registryMirrors: cfg.registryMirrors, etcdClientPort: defaults.etcdClientPort, etcdPeerPort: defaults.etcdPeerPort,
    ...(cfg.proxyMode !== undefined ? { proxyMode: cfg.proxyMode } : {}),
  };
  const wiring = { containerdSocket, nodeIP: cfg.nodeIP ?? '', creds: agentCredentialPaths(creds), etcd: { url: '' } };
  return componentPlans(serverLike, serverPaths(cfg.dataDir), launcher, wiring, parentPid).filter((p) => p.spec.name === 'kubelet' || p.spec.name === 'proxy');
}

/**
 * Joins and runs until `signal` aborts, then stops everything and resolves.
 * Throws AgentError when the join is refused (bad token, CA mismatch,
 * unreachable server: nothing written) or containerd never gets ready.
 */
export async function runAgent(cfg: AgentConfig, signal: AbortSignal, deps: AgentDeps): Promise<void> {
  if (signal.aborted) return;
  const progress = new Progress(deps.out);
  const step = progress.step('join');
  const joined = await bootstrapAgent({ server: cfg.server, token: cfg.token, dataDir: cfg.dataDir, nodeName: cfg.nodeName, nodeIP: cfg.nodeIP });
  if ('error' in joined) {
    step.fail(joined.error);
    throw new AgentError(`cannot join ${cfg.server}: ${joined.error}`);
  }
  step.ok();
  progress.line(joined.issued ? `• node credentials issued for system:node:${cfg.nodeName}` : '• node credentials reused');
  const net = await clusterNetworkOf(joined.paths.kubeletKubeconfig, deps.timeouts?.clusterConfigMs ?? 30_000, signal);
  if ('error' in net) throw new AgentError(`cannot join ${cfg.server}: ${net.error}`);
  progress.line(net.fromServer
    ? `• cluster network from the server: pods ${net.network.clusterCIDR}, services ${net.network.serviceCIDR}`
    : `• the server publishes no cluster network settings (an older Skiff?): using pods ${DEFAULT_NETWORK.clusterCIDR}, services ${DEFAULT_NETWORK.serviceCIDR}`);
  const paths = serverPaths(cfg.dataDir);
  for (const d of [paths.runDir, paths.kubeletDir, paths.cniConfDir, paths.certsDir]) mkdirSync(d, { recursive: true });
  writeRegistryMirrors(paths.certsDir, cfg.registryMirrors);
  const sup = new Supervisor({ runDir: paths.runDir, out: deps.out, log: deps.log, policy: deps.policy });
  deps.onSupervisor?.(sup);
  const host = componentHost({
    sup, log: deps.log, ...(deps.policy ? { policy: deps.policy } : {}), ...(deps.onModules ? { onModules: deps.onModules } : {}),
    ...(deps.inProcess !== undefined && cfg.splitProcesses !== true ? { inProcess: deps.inProcess } : {}),
  });
  try {
    let socket = cfg.containerdSocket;
    if (socket === undefined) {
      socket = paths.containerdSocket;
      const s = progress.step('containerd');
      sup.add(prepareContainerd({ paths, cniBinDir: defaults.cniBinDir, streamPort: defaults.containerdStreamPort, binary: deps.containerdBinary ?? defaults.containerdBinary }));
      const ms = deps.timeouts?.containerdMs ?? 60_000;
      if (!(await waitForContainerd(socket, ms, signal))) {
        if (signal.aborted) return;
        s.fail(`not healthy after ${Math.round(ms / 1000)}s`);
        throw new AgentError(`containerd did not become healthy within ${Math.round(ms / 1000)}s; see its output above`);
      }
      s.ok();
    }
    for (const p of agentPlans(cfg, joined.paths, socket, deps.launcher ?? defaultLauncher(), process.pid, net.network)) {
      const s = progress.step(p.spec.name);
      host.add(p);
      const ca = p.healthCA === undefined ? undefined : readFileSync(p.healthCA, 'utf8');
      const ready = await pollUntil(() => httpReady(p.healthUrl, /^ok\s*$/, ca === undefined ? {} : { tls: { ca } }), { timeoutMs: deps.timeouts?.kubeletMs ?? 120_000, intervalMs: 50, signal });
      if (ready) s.ok();
      else if (!signal.aborted) s.fail('not ready yet (still trying; see its output)');
    }
    if (!signal.aborted) progress.line(`Skiff agent ${cfg.nodeName} is running (joined ${cfg.server}).`);
    if (!signal.aborted) await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  } finally {
    progress.line('• stopping the Skiff agent…');
    await host.stop();
    await sup.stopAll();
    progress.line('• Skiff agent stopped');
  }
}
