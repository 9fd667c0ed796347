/**
 * The pure rule of the ServiceAccount controller, as Kubernetes'
 * pkg/controller/serviceaccount/serviceaccounts_controller.go (syncNamespace):
 * an Active namespace gets every managed ServiceAccount it lacks; a namespace
 * that is gone, terminating (deletionTimestamp or phase Terminating) gets none.
 */
import type { Namespace } from 'kubernetes-types/core/v1';

/** The ServiceAccounts kube-controller-manager keeps in every namespace (`--service-account-names` not offered). */
export const MANAGED_SERVICE_ACCOUNTS: readonly string[] = ['default'];

/**
 * The names to create in `ns`: the managed ones not in `existing`. Returns []
 * when `ns` is undefined (deleted) or not Active. A namespace without a status
 * phase counts as Active (the server defaults phase to Active on create).
 */
export function serviceAccountsToCreate(ns: Namespace | undefined, existing: ReadonlySet<string>, managed: readonly string[] = MANAGED_SERVICE_ACCOUNTS): string[] {
  if (!ns || ns.metadata?.deletionTimestamp) return [];
  const phase = ns.status?.phase ?? 'Active';
  if (phase !== 'Active') return [];
  return managed.filter((name) => !existing.has(name));
}
