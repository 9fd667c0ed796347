/**
 * Root CA publisher (kube-controller-manager's `root-ca-cert-publisher`,
 * pkg/controller/certificates/rootcacertpublisher): keeps the ConfigMap
 * `kube-root-ca.crt` with key `ca.crt` (the CA bundle given to the controller
 * manager, '' when none is configured) in every namespace, and restores it
 * when it is edited or deleted. Level-based, keyed by namespace: namespace
 * adds/updates and updates/deletes of that ConfigMap queue the namespace.
 */
import type { ConfigMap, Namespace } from 'kubernetes-types/core/v1';
import type { Informer } from '../../apiserver/client/informer-types.ts';
import { ConfigMaps, Namespaces } from '../../apiserver/client/resources.ts';
import { ApiError, isAlreadyExists, isNotFound } from '../../apiserver/client/types.ts';
import { createWorkQueue } from '../../apiserver/client/workqueue.ts';
import type { ReconcileResult } from '../../apiserver/client/controller.ts';
import type { ControllerDeps } from '../deps.ts';
import { runWhenSynced } from '../run.ts';
import { decideRootCA, ROOT_CA_CONFIGMAP } from './decide.ts';

const isForbidden = (e: unknown): boolean => e instanceof ApiError && e.code === 403;

/** The queue and reconcile of the publisher, exposed for tests. `deps.config.rootCA` is the bundle (default ''). */
export function createRootCAPublisher(deps: ControllerDeps) {
  const caBundle = deps.config.rootCA ?? '';
  const namespaces: Informer<Namespace> = deps.informers.for<Namespace>(Namespaces);
  const configMaps: Informer<ConfigMap> = deps.informers.for<ConfigMap>(ConfigMaps);
  const queue = createWorkQueue<string>({ metrics: deps.queueMetrics?.forQueue('root_ca_cert_publisher'), baseDelayMs: 100, maxDelayMs: 30_000 });
  const enqueueNs = (ns: Namespace): void => { if (ns.metadata?.name) queue.add(ns.metadata.name); };
  const enqueueCm = (cm: ConfigMap): void => {
    if (cm.metadata?.name === ROOT_CA_CONFIGMAP && cm.metadata.namespace) queue.add(cm.metadata.namespace);
  };
  namespaces.addHandlers({ onAdd: enqueueNs, onUpdate: (_o, n) => enqueueNs(n) });
  configMaps.addHandlers({ onUpdate: (_o, cm) => enqueueCm(cm), onDelete: enqueueCm });

  const reconcile = async (namespace: string): Promise<ReconcileResult> => {
    const action = decideRootCA(namespaces.get(namespace), configMaps.get(`${namespace}/${ROOT_CA_CONFIGMAP}`), caBundle);
    try {
      if (action.kind === 'create') await deps.client.create<ConfigMap>(ConfigMaps, action.configMap, namespace);
      else if (action.kind === 'update') await deps.client.update<ConfigMap>(ConfigMaps, action.configMap, namespace);
      else return;
      deps.log.info(`${action.kind === 'create' ? 'published' : 'restored'} root CA`, { namespace });
    } catch (e) {
      // Namespace gone or terminating, or a create racing the cache: the next event decides again.
      if (isNotFound(e) || isForbidden(e) || (action.kind === 'create' && isAlreadyExists(e))) return;
      throw e;
    }
  };

  return { queue, reconcile };
}

/**
 * Starts the root CA publisher: registers the Namespace and ConfigMap
 * informers now and runs one worker once they synced, until `signal` aborts.
 * Never throws; API errors (e.g. a 409 from a stale cache) are retried with backoff.
 */
export function startRootCAPublisher(deps: ControllerDeps, signal: AbortSignal): void {
  runWhenSynced(deps, 'root CA publisher', createRootCAPublisher(deps), 1, signal);
}
