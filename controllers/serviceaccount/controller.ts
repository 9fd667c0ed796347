/**
 * ServiceAccount controller (kube-controller-manager's `serviceaccount`
 * controller, pkg/controller/serviceaccount/serviceaccounts_controller.go):
 * keeps a `default` ServiceAccount in every Active namespace and recreates it
 * when it is deleted. Level-based, keyed by namespace name: a namespace add or
 * update, or the deletion of a managed SA, queues its namespace; reconcile
 * reads both caches and creates what `serviceAccountsToCreate` says.
 */
import type { Namespace, ServiceAccount } from 'kubernetes-types/core/v1';
import type { Informer } from '../../apiserver/client/informer-types.ts';
import { Namespaces, ServiceAccounts } from '../../apiserver/client/resources.ts';
import { ApiError, isAlreadyExists, isNotFound } from '../../apiserver/client/types.ts';
import { createWorkQueue } from '../../apiserver/client/workqueue.ts';
import type { ReconcileResult } from '../../apiserver/client/controller.ts';
import type { ControllerDeps } from '../deps.ts';
import { runWhenSynced } from '../run.ts';
import { MANAGED_SERVICE_ACCOUNTS, serviceAccountsToCreate } from './decide.ts';

/** A 403 the server gives for a create in a terminating namespace (NamespaceLifecycle); nothing to do then. */
const isForbidden = (e: unknown): boolean => e instanceof ApiError && e.code === 403;

/** The queue and reconcile of the controller, exposed for tests. */
export function createServiceAccountController(deps: ControllerDeps) {
  const namespaces: Informer<Namespace> = deps.informers.for<Namespace>(Namespaces);
  const accounts: Informer<ServiceAccount> = deps.informers.for<ServiceAccount>(ServiceAccounts);
  const queue = createWorkQueue<string>({ metrics: deps.queueMetrics?.forQueue('serviceaccount'), baseDelayMs: 100, maxDelayMs: 30_000 });
  const enqueueNs = (ns: Namespace): void => { if (ns.metadata?.name) queue.add(ns.metadata.name); };
  namespaces.addHandlers({ onAdd: enqueueNs, onUpdate: (_o, n) => enqueueNs(n) });
  accounts.addHandlers({
    onDelete: (sa) => {
      if (sa.metadata?.namespace && MANAGED_SERVICE_ACCOUNTS.includes(sa.metadata.name ?? '')) queue.add(sa.metadata.namespace);
    },
  });

  const reconcile = async (namespace: string): Promise<ReconcileResult> => {
    const ns = namespaces.get(namespace);
    const existing = new Set(MANAGED_SERVICE_ACCOUNTS.filter((name) => accounts.get(`${namespace}/${name}`)));
    for (const name of serviceAccountsToCreate(ns, existing)) {
      try {
        await deps.client.create<ServiceAccount>(ServiceAccounts, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });
        deps.log.info('created service account', { namespace, name });
      } catch (e) {
        // Already there (stale cache), namespace gone or terminating: the next event decides again.
        if (isAlreadyExists(e) || isNotFound(e) || isForbidden(e)) continue;
        throw e;
      }
    }
  };

  return { queue, reconcile };
}

/**
 * Starts the ServiceAccount controller: registers the Namespace and
 * ServiceAccount informers now, runs one worker once they synced, until
 * `signal` aborts. Never throws; API errors are retried with backoff.
 */
export function startServiceAccountController(deps: ControllerDeps, signal: AbortSignal): void {
  runWhenSynced(deps, 'service account controller', createServiceAccountController(deps), 1, signal);
}
