/**
 * Controller-manager entry point (kube-controller-manager): one RestClient,
 * one shared informer factory, one event recorder per controller (so Events
 * name their source, e.g. `deployment-controller`), and the controllers:
 * Deployment, ReplicaSet, Job, TTL-after-finished, garbage collector, EndpointSlice, node IPAM,
 * ServiceAccount, ServiceAccount token (with a signing key), the root CA
 * publisher, disruption (PDB status), node lifecycle, taint eviction,
 * CSR approving and signing, ServiceLB (LoadBalancer addresses), ingress-tls
 * (per-namespace Roles granting the Ingress controller its TLS Secrets). Each
 * controller registers its informers synchronously, then runs its workers
 * once the factory has synced. Serves /healthz (503 until synced) and
 * /metrics (process and workqueue_* metrics, one registry per process). With
 * `leaderElect` (kube-controller-manager --leader-elect) informers and
 * controllers start only once this process holds the Lease
 * kube-system/kube-controller-manager, as in kube; a standby is healthy, and
 * losing the Lease makes runControllerManager reject (kube exits).
 */
import { setMaxListeners } from 'node:events';
import { serveHealthz } from '../apiserver/client/controller.ts';
import { newComponentRegistry } from '../apiserver/client/metrics.ts';
import { prometheusWorkQueueMetrics } from '../apiserver/client/workqueue-metrics.ts';
import { createEventRecorder, type EventRecorderExt } from '../apiserver/client/events.ts';
import { createInformerFactory } from '../apiserver/client/informer.ts';
import type { Logger } from '../apiserver/api/log.ts';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { RestClient } from '../apiserver/client/rest.ts';
import { connectionFor } from '../apiserver/client/kubeconfig.ts';
import { runWithLeaderElection, type LeaderElectionOptions, type LeaderElector } from '../apiserver/client/leaderelection.ts';
import type { ControllerDeps } from './deps.ts';
import { startDeploymentController } from './deployment/controller.ts';
import { startReplicaSetController } from './replicaset/controller.ts';
import { startJobController } from './job/controller.ts';
import { startTTLAfterFinishedController } from './ttlafterfinished/controller.ts';
import { startGarbageCollector } from './gc/controller.ts';
import { startEndpointSliceController } from './endpointslice/controller.ts';
import { startNodeIpamController } from './nodeipam/controller.ts';
import { startServiceAccountController } from './serviceaccount/controller.ts';
import { startRootCAPublisher } from './rootcacert/controller.ts';
import { startTokensController } from './serviceaccount-token/controller.ts';
import { startDisruptionController } from './disruption/controller.ts';
import { startNodeLifecycleController } from './nodelifecycle/controller.ts';
import { startTaintEvictionController } from './nodelifecycle/taint-eviction.ts';
import { startCSRApprovingController } from './certificates/approver.ts';
import { startCSRSigningController } from './certificates/signer.ts';
import { startServiceLBController } from './servicelb/controller.ts';
import { startKubeDNSController } from './kubedns/controller.ts';
import { startIngressTLSController } from './ingresstls/controller.ts';

/** Options of runControllerManager. */
export interface ControllerManagerOptions {
  /** API server base URL, e.g. 'http://127.0.0.1:6443'. */
  apiUrl: string;
  /** Reach the API as the kubeconfig says (server, CA, client cert or token); wins over apiUrl. */
  kubeconfig?: string;
  /** Cluster pod network, e.g. '10.244.0.0/16' (node IPAM). */
  clusterCIDR: string;
  /** Prefix length of each node's pod CIDR, e.g. 24. */
  nodeCIDRMaskSize: number;
  /** PEM CA bundle the root CA publisher writes to every namespace's kube-root-ca.crt; default '' (no CA configured). */
  rootCA?: string;
  /** Read `rootCA` from this PEM file at start (wins over rootCA; kube-controller-manager --root-ca-file). */
  rootCAFile?: string;
  /** PEM private key (EC P-256 or RSA) that signs legacy ServiceAccount tokens (kube-controller-manager --service-account-private-key-file); without it the token controller is not started. */
  serviceAccountKeyFile?: string;
  /** CA cert and key (PEM files) the csrsigning controller signs with (--cluster-signing-cert-file/--cluster-signing-key-file); both or neither. */
  clusterSigningCertFile?: string;
  clusterSigningKeyFile?: string;
  /** LoadBalancer address pool (`--lb-pool`, controllers/servicelb/pool.ts); absent: node IPs. */
  lbPool?: string;
  /** Port of GET /healthz (10257 by convention; 0 picks a free one). */
  healthzPort: number;
  /** Bind address of /healthz (default '127.0.0.1'). */
  healthzHost?: string;
  log: Logger;
  /** Only these controllers (names as in `CONTROLLERS`); default all. */
  controllers?: string[];
  /** Node lifecycle grace period, ms (default 40 000; kube --node-monitor-grace-period). */
  nodeMonitorGracePeriodMs?: number;
  /** Grace for a node that never posted status, ms (default 60 000; kube --node-startup-grace-period). */
  nodeStartupGracePeriodMs?: number;
  /** How often node health is re-checked, ms (default 5 000; kube --node-monitor-period). */
  nodeMonitorPeriodMs?: number;
  /** Called with the bound healthz port once listening (tests). */
  onListening?: (port: number) => void;
  /** Run controllers only while holding the Lease kube-system/kube-controller-manager (kube's --leader-elect; default false here). */
  leaderElect?: boolean;
  /** Lease name/namespace, identity and durations (ms; kube defaults 15 000 / 10 000 / 2 000). */
  leaderElection?: LeaderElectionOptions;
}

type Starter = (deps: ControllerDeps, signal: AbortSignal) => void;

/** The controllers, by name, with the Event source component each writes as. */
export const CONTROLLERS: ReadonlyArray<{ name: string; component: string; start: Starter }> = [
  { name: 'deployment', component: 'deployment-controller', start: startDeploymentController },
  { name: 'replicaset', component: 'replicaset-controller', start: startReplicaSetController },
  { name: 'job', component: 'job-controller', start: startJobController },
  { name: 'ttl-after-finished', component: 'ttl-after-finished-controller', start: startTTLAfterFinishedController },
  { name: 'garbagecollector', component: 'garbage-collector-controller', start: startGarbageCollector },
  { name: 'endpointslice', component: 'endpointslice-controller', start: startEndpointSliceController },
  { name: 'nodeipam', component: 'node-controller', start: startNodeIpamController },
  { name: 'serviceaccount', component: 'serviceaccount-controller', start: startServiceAccountController },
  { name: 'root-ca-cert-publisher', component: 'root-ca-cert-publisher', start: startRootCAPublisher },
  { name: 'serviceaccount-token', component: 'serviceaccount-token-controller', start: startTokensController },
  // kube's disruption controller records its Events as "controllermanager".
  { name: 'disruption', component: 'controllermanager', start: startDisruptionController },
  { name: 'nodelifecycle', component: 'node-controller', start: startNodeLifecycleController },
  { name: 'taint-eviction-controller', component: 'taint-eviction-controller', start: startTaintEvictionController },
  { name: 'csrapproving', component: 'certificate-controller', start: startCSRApprovingController },
  { name: 'csrsigning', component: 'certificate-controller', start: startCSRSigningController },
  { name: 'servicelb', component: 'service-lb-controller', start: startServiceLBController },
  { name: 'kube-dns', component: 'kube-dns-controller', start: startKubeDNSController },
  { name: 'ingress-tls', component: 'ingress-tls-controller', start: startIngressTLSController },
];

/**
 * Runs the controller manager until `signal` aborts, then stops every
 * controller, flushes pending Events and resolves. Rejects if the healthz
 * port cannot be bound, `rootCAFile` or `serviceAccountKeyFile` cannot be
 * read or parsed, or a controller rejects its configuration (e.g. an
 * invalid cluster CIDR), or (leaderElect) with LeaderElectionLostError when
 * the Lease was lost; API errors are retried by informers, queues and the
 * elector.
 */
export async function runControllerManager(opts: ControllerManagerOptions, signal: AbortSignal): Promise<void> {
  const log = opts.log;
  // Files are read once, up front: a bad path fails the start, not a later leadership.
  const serviceAccountKey = opts.serviceAccountKeyFile !== undefined ? createPrivateKey(readFileSync(opts.serviceAccountKeyFile, 'utf8')) : undefined;
  const rootCA = opts.rootCAFile !== undefined ? readFileSync(opts.rootCAFile, 'utf8') : (opts.rootCA ?? '');
  const client = new RestClient({ ...connectionFor(opts), userAgent: 'skiff-controller-manager' });
  const inner = new AbortController();
  // Every informer, queue and worker pool listens on this one signal.
  setMaxListeners(0, inner.signal);
  const onAbort = (): void => inner.abort();
  if (signal.aborted) inner.abort();
  else signal.addEventListener('abort', onAbort, { once: true });
  // One registry for the process: the process metrics plus every controller's work queue.
  const metrics = newComponentRegistry();
  const queueMetrics = prometheusWorkQueueMetrics(metrics);
  const recorders: EventRecorderExt[] = [];
  let started = false;
  let synced = false;
  let elector: LeaderElector | undefined;
  /** Registers the controllers, starts the informers and runs until `run` aborts. */
  const runControllers = async (run: AbortSignal): Promise<void> => {
    started = true;
    setMaxListeners(0, run);
    const informers = createInformerFactory(client, log.child('informers'));
    const base = { client, informers, queueMetrics, config: {
      clusterCIDR: opts.clusterCIDR, nodeCIDRMaskSize: opts.nodeCIDRMaskSize, rootCA, serviceAccountKey,
      nodeMonitorGracePeriodMs: opts.nodeMonitorGracePeriodMs, nodeStartupGracePeriodMs: opts.nodeStartupGracePeriodMs, nodeMonitorPeriodMs: opts.nodeMonitorPeriodMs,
      ...(opts.lbPool !== undefined ? { lbPool: opts.lbPool } : {}),
      ...(opts.clusterSigningCertFile !== undefined && opts.clusterSigningKeyFile !== undefined ? { clusterSigning: { certFile: opts.clusterSigningCertFile, keyFile: opts.clusterSigningKeyFile } } : {}),
    } };
    const wanted = new Set(opts.controllers ?? CONTROLLERS.map((c) => c.name));
    for (const c of CONTROLLERS) {
      if (!wanted.has(c.name)) continue;
      const clog = log.child(c.name);
      const recorder = createEventRecorder(client, c.component, clog);
      recorders.push(recorder);
      c.start({ ...base, recorder, log: clog }, run);
      log.info('controller registered', { controller: c.name });
    }
    informers.start(run);
    void informers.synced().then(() => {
      synced = true;
      log.info('informers synced; controllers running');
    });
    await new Promise<void>((resolve) => {
      if (run.aborted) resolve();
      else run.addEventListener('abort', () => resolve(), { once: true });
    });
  };
  try {
    // A standby (leader election, not yet leading) is healthy, as kube's.
    const healthy = (): boolean => (elector?.healthy() ?? true) && (synced || (opts.leaderElect === true && !started));
    const port = await serveHealthz(opts.healthzPort, log, inner.signal, { host: opts.healthzHost ?? '127.0.0.1', healthy, metrics });
    opts.onListening?.(port);
    if (!opts.leaderElect) await runControllers(inner.signal);
    else {
      const recorder = createEventRecorder(client, 'controller-manager', log);
      recorders.push(recorder);
      const deps = { client, log: log.child('leaderelection'), defaultName: 'kube-controller-manager', recorder, onElector: (e: LeaderElector) => { elector = e; } };
      await runWithLeaderElection(opts.leaderElection ?? {}, deps, inner.signal, runControllers);
    }
  } finally {
    inner.abort();
    signal.removeEventListener('abort', onAbort);
    await Promise.all(recorders.map((r) => r.flush()));
    client.close();
    log.info('controller manager stopped');
  }
}
