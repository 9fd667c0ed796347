/**
 * A hollow kubelet (kubemark's hollow node): the real kubelet pieces — node
 * registration, node status and Lease heartbeats, the spec.nodeName pod
 * informer, pod workers and sync, PLEG, prober and status manager — over the
 * in-memory FakeRuntime instead of containerd. No CNI (pod IPs are handed out
 * from the Node's spec.podCIDR, else from a fallback CIDR), no cgroups, no
 * kubelet API server and no healthz port, so that many fit in one process
 * (hollow-nodes.ts). Images "pull" at once and containers run until the pod
 * is deleted; probes never dial (hollowProbe). Composed here, nothing global.
 */
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Node, Pod, Service } from 'kubernetes-types/core/v1';
import type { Logger } from '../apiserver/api/log.ts';
import { createEventRecorder } from '../apiserver/client/events.ts';
import { createInformerFactory } from '../apiserver/client/informer.ts';
import type { Clock, InformerFactory } from '../apiserver/client/informer-types.ts';
import { connectionFor } from '../apiserver/client/kubeconfig.ts';
import { Pods, Services } from '../apiserver/client/resources.ts';
import { RestClient } from '../apiserver/client/rest.ts';
import type { ApiClient } from '../apiserver/client/types.ts';
import { realClock } from '../apiserver/client/workqueue.ts';
import { FakeRuntime } from './cri/fake.ts';
import { podIPAllocator } from './hollow-ips.ts';
import { kubeArch, type MachineInfo } from './node/info.ts';
import { registerNodeWithRetry, runNodeHeartbeats, waitForPodCIDR, type NodeAgentOptions } from './node/register.ts';
import { PodManager } from './pods/manager.ts';
import { runProbe } from './prober/probe.ts';

/** Options of `runHollowKubelet`. */
export interface HollowKubeletOptions {
  nodeName: string;
  /** InternalIP the Node reports (never dialled). */
  nodeIP: string;
  /**
   * Pod IPs come from the Node's spec.podCIDR; until it has one (the
   * controller-manager assigns it; checked every heartbeat period), from
   * this CIDR (e.g. hollowPodCIDR(i)).
   */
  fallbackPodCIDR: string;
  /** Pod log directories and volumes go under <rootDir>/logs and <rootDir>/pods. */
  rootDir: string;
  log: Logger;
  /** The API client (runHollowNodes shares one); default: a RestClient for apiUrl/kubeconfig. */
  client?: ApiClient;
  apiUrl?: string;
  kubeconfig?: string;
  /**
   * Where the node's pod informer and the Services informer come from. Given,
   * the caller starts it (runHollowNodes shares one, so every node shares the
   * Services informer and the connection pool); default: a new one, started here.
   */
  informers?: InformerFactory;
  /** What the Node reports as capacity and nodeInfo (default hollowMachine(nodeName)). */
  machine?: MachineInfo;
  /** Test hook: the runtime (default a FakeRuntime that records no calls). */
  runtime?: FakeRuntime;
  clock?: Clock;
  /** Node status and Lease period, ms (default 10 000). */
  heartbeatMs?: number;
  /** PLEG relist period, ms (default 1 000). */
  relistMs?: number;
  /** Called once the Node is registered (created or updated, with its status). */
  onRegistered?: (node: Node) => void;
}

/** Machine facts of a hollow node: 4 cores, 8 GiB, 100 GiB of disk, this kernel and arch, ids derived from the node name. */
export function hollowMachine(nodeName: string): MachineInfo {
  const id = createHash('sha256').update(nodeName).digest('hex');
  return {
    cpuCores: 4, memoryKi: 8 * 1024 * 1024, ephemeralStorageBytes: 100 * 1024 ** 3, osImage: 'Skiff hollow node',
    kernelVersion: os.release(), architecture: kubeArch(process.arch), machineID: id.slice(0, 32), bootID: id.slice(32, 64),
    systemUUID: `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20, 32)}`,
  };
}

/**
 * One probe attempt on a hollow node: exec probes run in the FakeRuntime
 * (exit 0 unless its knob says otherwise); tcpSocket and httpGet succeed
 * without dialling, since the pod IPs are fake. Never throws.
 */
export const hollowProbe: typeof runProbe = async (probe, c, podIP, containerId, runtime) =>
  probe.exec ? runProbe(probe, c, podIP, containerId, runtime) : { ok: true, output: '' };

/**
 * Runs one hollow kubelet until `signal` aborts, then stops its pod workers
 * and resolves. Registration is retried every second until it succeeds; a
 * throw means the root directory cannot be created. Pods left in the fake
 * runtime vanish with the process (nothing is adopted across restarts).
 */
export async function runHollowKubelet(o: HollowKubeletOptions, signal: AbortSignal): Promise<void> {
  const log = o.log;
  const clock = o.clock ?? realClock;
  await mkdir(join(o.rootDir, 'logs'), { recursive: true });
  await mkdir(join(o.rootDir, 'pods'), { recursive: true });
  const client = o.client ?? new RestClient({ ...connectionFor({ apiUrl: o.apiUrl, kubeconfig: o.kubeconfig }), userAgent: `kubelet/${o.nodeName}` });
  let nextPodIP = podIPAllocator(o.fallbackPodCIDR);
  const runtime = o.runtime ?? new FakeRuntime({ recordCalls: false, nextPodIP: () => nextPodIP() });
  const v = await runtime.version();
  const agent: NodeAgentOptions = {
    client, log: log.child('node'), clock, nodeName: o.nodeName, nodeIP: o.nodeIP, machine: o.machine ?? hollowMachine(o.nodeName),
    containerRuntimeVersion: `${v.runtime_name}://${v.runtime_version}`, kubeletPort: 10250,
  };
  try {
    const node = await registerNodeWithRetry(agent, signal);
    if (!node) return;
    o.onRegistered?.(node);
    // Pods run at once (no CNI to configure); their IPs move to the podCIDR once the node has one.
    const cidr = node.spec?.podCIDR;
    if (cidr) nextPodIP = podIPAllocator(cidr);
    else void waitForPodCIDR(agent, signal, o.heartbeatMs ?? 10_000).then((c) => { if (c) nextPodIP = podIPAllocator(c); });
    const heartbeats = runNodeHeartbeats(agent, signal, o.heartbeatMs);

    const factory = o.informers ?? createInformerFactory(client, log);
    const pods = factory.for<Pod>(Pods, { fieldSelector: `spec.nodeName=${o.nodeName}` });
    const services = factory.for<Service>(Services);
    const recorder = createEventRecorder(client, 'kubelet', log, { host: o.nodeName });
    const manager = new PodManager({
      client, pods, services, runtime, recorder, log: log.child('pods'), clock, nodeName: o.nodeName, hostIP: o.nodeIP,
      rootDir: o.rootDir, dns: { servers: [], searches: [], options: [] }, manageCgroups: false, relistMs: o.relistMs, runProbe: hollowProbe,
    });
    if (!o.informers) factory.start(signal);
    await manager.run(signal);
    await heartbeats;
    await recorder.flush();
  } finally {
    if (!o.client && client instanceof RestClient) client.close();
  }
}
