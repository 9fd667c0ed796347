/**
 * The kubelet: registers the node, heartbeats it, waits for its podCIDR,
 * writes the CNI config, runs the node's pods on containerd over CRI and
 * serves container logs (over TLS with client-cert authentication and
 * SubjectAccessReview authorization when configured). Composed here, nothing global.
 * /metrics on the healthz port has the process metrics and the kubelet's
 * (metrics.ts: pod start duration, running pods and containers); the API
 * port serves /metrics/resource (container and node CPU/memory, stats/).
 */
import { newComponentRegistry } from '../apiserver/client/metrics.ts';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import type { Pod, Service } from 'kubernetes-types/core/v1';
import { serveHealthz } from '../apiserver/client/controller.ts';
import { createEventRecorder } from '../apiserver/client/events.ts';
import { createInformerFactory } from '../apiserver/client/informer.ts';
import type { Logger } from '../apiserver/api/log.ts';
import { Pods, Services } from '../apiserver/client/resources.ts';
import { RestClient } from '../apiserver/client/rest.ts';
import { connectionFor } from '../apiserver/client/kubeconfig.ts';
import type { ApiClient } from '../apiserver/client/types.ts';
import { realClock } from '../apiserver/client/workqueue.ts';
import { writeCniConfig } from './cni.ts';
import { prometheusKubeletMetrics } from './metrics.ts';
import { connectRuntime } from './cri/grpc.ts';
import type { CriRuntime } from './cri/types.ts';
import { createLogResolver, createStreamResolver } from './logs.ts';
import { pickNodeIP, readMachineInfo } from './node/info.ts';
import { registerNode, runNodeHeartbeats, waitForPodCIDR, type NodeAgentOptions } from './node/register.ts';
import { parseResolvConf } from './pods/config.ts';
import { PodManager } from './pods/manager.ts';
import { serveKubeletApi } from './server/server.ts';
import type { SubjectAccessReviewer } from './server/authz.ts';
import type { TokenReviewer } from './server/authn.ts';
import { loadServing, planServing, type KubeletServingFlags } from './server/config.ts';
import { createTokenManager } from './pods/projected.ts';
import { readHostUsage } from './stats/host.ts';
import { collectResourceUsage, renderResourceMetrics } from './stats/resource-metrics.ts';

/** Options of `runKubelet` (docs/CONVENTIONS.md). */
export interface KubeletOptions extends KubeletServingFlags {
  apiUrl: string;
  /** Reach the API as the kubeconfig says (server, CA, client cert or token); wins over apiUrl. */
  kubeconfig?: string;
  nodeName: string;
  /** InternalIP; default: first global IPv4 of a non-loopback interface. */
  nodeIP?: string;
  containerdSocket: string;
  /** e.g. /var/lib/skiff/kubelet (logs under logs/, volumes under pods/). */
  rootDir: string;
  /** Only checked here (containerd's config points at it). */
  cniBinDir: string;
  /** Where 10-skiff.conflist is written once the podCIDR is known. */
  cniConfDir: string;
  /** Kubelet API port (10250). */
  port: number;
  /** Healthz port (10248). */
  healthzPort: number;
  log: Logger;
  /** Test hooks: an ApiClient / runtime instead of RestClient / containerd. */
  client?: ApiClient;
  runtime?: CriRuntime;
  /** Manage pod cgroups (default: true when /sys/fs/cgroup is writable by root). */
  manageCgroups?: boolean;
  /** Test hooks: SubjectAccessReview / TokenReview instead of the API's. */
  reviewAccess?: SubjectAccessReviewer;
  reviewToken?: TokenReviewer;
  /**
   * Write and mount projected volumes (ServiceAccount tokens via the
   * TokenRequest API, kube-root-ca.crt, namespace). Default false: those
   * volumes are skipped and the pod runs without them.
   */
  projectServiceAccountTokens?: boolean;
  /** --cluster-dns: the nameserver(s) of ClusterFirst pods (default none: pods get the host's resolv.conf); `skiff` passes the kube-dns IP. */
  clusterDNS?: string[];
  /** --cluster-domain (default 'cluster.local'). */
  clusterDomain?: string;
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((r) => {
    if (signal.aborted) return r();
    const onAbort = (): void => { clearTimeout(t); r(); };
    const t = setTimeout(() => { signal.removeEventListener('abort', onAbort); r(); }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });

/**
 * Runs the kubelet until `signal` aborts, then stops everything and resolves.
 * Throws at start when the container runtime does not serve CRI v1 (clear
 * message naming the socket), on inconsistent TLS flags or unreadable TLS
 * files, or when a port cannot be bound. Pods already running
 * in containerd are adopted by their io.kubernetes.pod.uid label.
 */
export async function runKubelet(o: KubeletOptions, signal: AbortSignal): Promise<void> {
  const log = o.log;
  const serving = planServing(o);
  if ('error' in serving) throw new Error(serving.error);
  let runtime = o.runtime;
  let runtimeVersion = 'fake://0';
  if (!runtime) {
    const c = await connectRuntime(o.containerdSocket);
    runtime = c.runtime;
    runtimeVersion = `${c.version.runtime_name}://${c.version.runtime_version}`;
  } else {
    const v = await runtime.version();
    runtimeVersion = `${v.runtime_name}://${v.runtime_version}`;
  }
  log.info('container runtime', { version: runtimeVersion, socket: o.containerdSocket });
  if (!existsSync(join(o.cniBinDir, 'bridge'))) log.warn('CNI bridge plugin not found', { cniBinDir: o.cniBinDir });
  await mkdir(join(o.rootDir, 'logs'), { recursive: true });
  await mkdir(join(o.rootDir, 'pods'), { recursive: true });

  const client = o.client ?? new RestClient({ ...connectionFor(o), userAgent: `kubelet/${o.nodeName}` });
  const { tls, auth } = await loadServing(serving, { nodeName: o.nodeName, client, reviewAccess: o.reviewAccess, reviewToken: o.reviewToken, now: () => realClock.now() });
  const nodeIP = o.nodeIP ?? pickNodeIP(os.networkInterfaces());
  const machine = await readMachineInfo(o.rootDir);
  const agent: NodeAgentOptions = {
    client, log: log.child('node'), clock: realClock, nodeName: o.nodeName, nodeIP, machine,
    containerRuntimeVersion: runtimeVersion, kubeletPort: o.port,
  };

  const registry = newComponentRegistry();
  const metrics = prometheusKubeletMetrics(registry);
  await serveHealthz(o.healthzPort, log, signal, { metrics: registry });
  while (!signal.aborted) {
    try {
      await registerNode(agent);
      break;
    } catch (e) {
      log.warn('node registration failed; retrying', { error: e });
      await sleep(1000, signal);
    }
  }
  const heartbeats = runNodeHeartbeats(agent, signal);

  const factory = createInformerFactory(client, log);
  const pods = factory.for<Pod>(Pods, { fieldSelector: `spec.nodeName=${o.nodeName}` });
  const services = factory.for<Service>(Services);
  const recorder = createEventRecorder(client, 'kubelet', log, { host: o.nodeName });
  let resolv = '';
  try { resolv = readFileSync('/etc/resolv.conf', 'utf8'); } catch { /* none */ }
  const manager = new PodManager({
    client, pods, services, runtime, recorder, log: log.child('pods'), clock: realClock, nodeName: o.nodeName, hostIP: nodeIP,
    rootDir: o.rootDir, dns: parseResolvConf(resolv), clusterDNS: o.clusterDNS, clusterDomain: o.clusterDomain, manageCgroups: o.manageCgroups ?? process.getuid?.() === 0,
    ...(o.projectServiceAccountTokens ? { tokens: createTokenManager(client, Date.now) } : {}), metrics,
  });
  metrics.runtimeCountsFrom(() => manager.runtimeCounts());
  const rt = runtime;
  const resourceMetrics = async (): Promise<string> => renderResourceMetrics(await collectResourceUsage(rt, () => readHostUsage()));
  await serveKubeletApi({ port: o.port, log, resolveLog: createLogResolver(pods, runtime, o.rootDir), resolveStream: createStreamResolver(pods, runtime), resourceMetrics, tls, auth }, signal);

  const podCIDR = await waitForPodCIDR(agent, signal);
  if (podCIDR) {
    const path = await writeCniConfig(o.cniConfDir, podCIDR);
    log.info('CNI config written', { path, podCIDR });
    factory.start(signal);
    await manager.run(signal);
  }
  await heartbeats;
  await recorder.flush();
  if (!o.runtime) runtime.close();
}
