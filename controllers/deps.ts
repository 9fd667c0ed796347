/**
 * What every controller in the controller-manager receives. Composed once in
 * controllers/main.ts; controllers share one client, one informer factory (so
 * one informer per resource per process) and one event recorder.
 */
import type { ApiClient } from '../apiserver/client/types.ts';
import type { EventRecorder, InformerFactory } from '../apiserver/client/informer-types.ts';
import type { KeyObject } from 'node:crypto';
import type { Logger } from '../apiserver/api/log.ts';
import type { WorkQueueMetricsProvider } from '../apiserver/client/workqueue-metrics.ts';

/** Cluster-wide settings some controllers need (node IPAM, root CA publisher). */
export interface ControllerConfig {
  /** Pod network of the whole cluster, e.g. '10.244.0.0/16'. */
  clusterCIDR: string;
  /** Prefix length of each node's pod CIDR, e.g. 24. */
  nodeCIDRMaskSize: number;
  /** PEM CA bundle published as `kube-root-ca.crt` in every namespace (root CA publisher); default '' (no CA, plain HTTP). */
  rootCA?: string;
  /** Private key that signs legacy ServiceAccount tokens (ES256 or RS256; --service-account-private-key-file); absent: no token controller. Never logged. */
  serviceAccountKey?: KeyObject;
  /** Node lifecycle: silence (no Lease renewal, no status post) after which a node goes Ready=Unknown, ms; default 40 000 (kube --node-monitor-grace-period). */
  nodeMonitorGracePeriodMs?: number;
  /** Node lifecycle: silence allowed to a node that never posted Ready, ms; default 60 000 (kube --node-startup-grace-period). */
  nodeStartupGracePeriodMs?: number;
  /** Node lifecycle: how often every node's health is re-checked, ms; default 5 000 (kube --node-monitor-period). */
  nodeMonitorPeriodMs?: number;
  /** The CA the csrsigning controller signs approved CSRs with (kube's --cluster-signing-cert-file/--cluster-signing-key-file); absent: no signing. */
  clusterSigning?: { certFile: string; keyFile: string };
  /** ServiceLB address pool, e.g. '192.168.1.240-192.168.1.250,10.0.0.0/29' (controllers/servicelb/pool.ts); absent or '': node-IP mode. */
  lbPool?: string;
}

/**
 * Dependencies of a controller. A controller is started with
 * `start<Name>Controller(deps, signal)`: it registers its informers and
 * handlers synchronously, then runs its workers once `deps.informers` has synced,
 * and stops when `signal` aborts.
 */
export interface ControllerDeps {
  client: ApiClient;
  informers: InformerFactory;
  recorder: EventRecorder;
  log: Logger;
  config: ControllerConfig;
  /** Where each controller's work queue reports workqueue_depth / workqueue_adds_total (default: not reported). */
  queueMetrics?: WorkQueueMetricsProvider;
}
