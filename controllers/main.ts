/**
 * Controller-manager entry point (kube-controller-manager): one RestClient,
 * one shared informer factory, one event recorder per controller (so Events
 * name their source, e.g. `deployment-controller`), and the controllers:
 * Deployment, ReplicaSet, garbage collector, EndpointSlice, node IPAM,
 * ServiceAccount (and the root CA publisher), CSR approving and signing. Each
 * controller registers its informers synchronously, then runs its workers
 * once the factory has synced. Serves /healthz (503 until synced). No leader
 * election (single instance).
 */
import { setMaxListeners } from 'node:events';
import { serveHealthz } from '../apiserver/client/controller.ts';
import { createEventRecorder, type EventRecorderExt } from '../apiserver/client/events.ts';
import { createInformerFactory } from '../apiserver/client/informer.ts';
import type { Logger } from '../apiserver/api/log.ts';
import { readFileSync } from 'node:fs';
import { RestClient } from '../apiserver/client/rest.ts';
import { connectionFor } from '../apiserver/client/kubeconfig.ts';
import type { ControllerDeps } from './deps.ts';
import { startDeploymentController } from './deployment/controller.ts';
import { startReplicaSetController } from './replicaset/controller.ts';
import { startGarbageCollector } from './gc/controller.ts';
import { startEndpointSliceController } from './endpointslice/controller.ts';
import { startNodeIpamController } from './nodeipam/controller.ts';
import { startServiceAccountController } from './serviceaccount/controller.ts';
import { startRootCAPublisher } from './rootcacert/controller.ts';
import { startCSRApprovingController } from './certificates/approver.ts';
import { startCSRSigningController } from './certificates/signer.ts';

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
  /** CA cert and key (PEM files) the csrsigning controller signs with (--cluster-signing-cert-file/--cluster-signing-key-file); both or neither. */
  clusterSigningCertFile?: string;
  clusterSigningKeyFile?: string;
  /** Port of GET /healthz (10257 by convention; 0 picks a free one). */
  healthzPort: number;
  /** Bind address of /healthz (default '127.0.0.1'). */
  healthzHost?: string;
  log: Logger;
  /** Only these controllers (names as in `CONTROLLERS`); default all. */
  controllers?: string[];
  /** Called with the bound healthz port once listening (tests). */
  onListening?: (port: number) => void;
}

type Starter = (deps: ControllerDeps, signal: AbortSignal) => void;

/** The controllers, by name, with the Event source component each writes as. */
export const CONTROLLERS: ReadonlyArray<{ name: string; component: string; start: Starter }> = [
  { name: 'deployment', component: 'deployment-controller', start: startDeploymentController },
  { name: 'replicaset', component: 'replicaset-controller', start: startReplicaSetController },
  { name: 'garbagecollector', component: 'garbage-collector-controller', start: startGarbageCollector },
  { name: 'endpointslice', component: 'endpointslice-controller', start: startEndpointSliceController },
  { name: 'nodeipam', component: 'node-controller', start: startNodeIpamController },
  { name: 'serviceaccount', component: 'serviceaccount-controller', start: startServiceAccountController },
  { name: 'root-ca-cert-publisher', component: 'root-ca-cert-publisher', start: startRootCAPublisher },
  { name: 'csrapproving', component: 'certificate-controller', start: startCSRApprovingController },
  { name: 'csrsigning', component: 'certificate-controller', start: startCSRSigningController },
];

/**
 * Runs the controller manager until `signal` aborts, then stops every
 * controller, flushes pending Events and resolves. Rejects if the healthz
 * port cannot be bound or a controller rejects its configuration (e.g. an
 * invalid cluster CIDR); API errors are retried by informers and queues.
 */
export async function runControllerManager(opts: ControllerManagerOptions, signal: AbortSignal): Promise<void> {
  const log = opts.log;
  const client = new RestClient({ ...connectionFor(opts), userAgent: 'skiff-controller-manager' });
  const inner = new AbortController();
  // Every informer, queue and worker pool listens on this one signal.
  setMaxListeners(0, inner.signal);
  const onAbort = (): void => inner.abort();
  if (signal.aborted) inner.abort();
  else signal.addEventListener('abort', onAbort, { once: true });
  const recorders: EventRecorderExt[] = [];
  try {
    const informers = createInformerFactory(client, log.child('informers'));
    let synced = false;
    const base = { client, informers, config: { clusterCIDR: opts.clusterCIDR, nodeCIDRMaskSize: opts.nodeCIDRMaskSize, rootCA: opts.rootCAFile !== undefined ? readFileSync(opts.rootCAFile, 'utf8') : (opts.rootCA ?? ''),
      ...(opts.clusterSigningCertFile !== undefined && opts.clusterSigningKeyFile !== undefined ? { clusterSigning: { certFile: opts.clusterSigningCertFile, keyFile: opts.clusterSigningKeyFile } } : {}) } };
    const wanted = new Set(opts.controllers ?? CONTROLLERS.map((c) => c.name));
    for (const c of CONTROLLERS) {
      if (!wanted.has(c.name)) continue;
      const clog = log.child(c.name);
      const recorder = createEventRecorder(client, c.component, clog);
      recorders.push(recorder);
      c.start({ ...base, recorder, log: clog }, inner.signal);
      log.info('controller registered', { controller: c.name });
    }
    const port = await serveHealthz(opts.healthzPort, log, inner.signal, { host: opts.healthzHost ?? '127.0.0.1', healthy: () => synced });
    opts.onListening?.(port);
    informers.start(inner.signal);
    void informers.synced().then(() => {
      synced = true;
      log.info('informers synced; controllers running');
    });
    await new Promise<void>((resolve) => {
      if (inner.signal.aborted) resolve();
      else inner.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    inner.abort();
    signal.removeEventListener('abort', onAbort);
    await Promise.all(recorders.map((r) => r.flush()));
    client.close();
    log.info('controller manager stopped');
  }
}
