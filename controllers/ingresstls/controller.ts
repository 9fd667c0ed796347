/**
 * The ingress-tls controller: keeps, in every namespace whose Ingresses of
 * class `skiff` reference TLS Secrets, the Role and RoleBinding
 * `skiff:ingress-tls` that let system:kube-proxy (the built-in Ingress
 * controller in every node's proxy, proxy/ingress/) read exactly those
 * Secrets, and deletes them when no Ingress needs them. The rule is
 * decide.ts; this file watches Ingresses, IngressClasses and the two RBAC
 * objects, queues namespaces and makes the writes.
 *
 * Level based: every pass recomputes a namespace from the caches, so a
 * restarted (or newly elected) controller converges, and a Role edited or
 * deleted by hand is put back. Runs as system:kube-controller-manager,
 * which already holds secrets get and list/watch on everything, so RBAC
 * escalation prevention lets it grant this subset (see
 * apiserver/auth/authz/policy-ingress.ts for its role).
 */
import type { IngressClass, Ingress } from 'kubernetes-types/networking/v1';
import type { Role, RoleBinding } from 'kubernetes-types/rbac/v1';
import type { ReconcileResult } from '../../apiserver/client/controller.ts';
import type { Informer } from '../../apiserver/client/informer-types.ts';
import { IngressClasses, Ingresses, type ResourceRef } from '../../apiserver/client/resources.ts';
import { isAlreadyExists, isNotFound } from '../../apiserver/client/types.ts';
import { createWorkQueue } from '../../apiserver/client/workqueue.ts';
import { tlsSecretsByNamespace } from '../../proxy/ingress/refs.ts';
import type { ControllerDeps } from '../deps.ts';
import { runWhenSynced } from '../run.ts';
import { decideNamespace, INGRESS_TLS_ROLE } from './decide.ts';

/** rbac.authorization.k8s.io/v1 Roles. */
export const Roles: ResourceRef = { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'roles', kind: 'Role', namespaced: true };
/** rbac.authorization.k8s.io/v1 RoleBindings. */
export const RoleBindings: ResourceRef = { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'rolebindings', kind: 'RoleBinding', namespaced: true };

const nsOf = (o: { metadata?: { namespace?: string } }): string => o.metadata?.namespace ?? '';

/** The queue (keys: namespace names) and reconcile, exposed for tests. */
export function createIngressTLSController(deps: ControllerDeps) {
  const ingresses: Informer<Ingress> = deps.informers.for<Ingress>(Ingresses);
  const classes: Informer<IngressClass> = deps.informers.for<IngressClass>(IngressClasses);
  // Only our objects' name: the controller never caches other Roles.
  const byName = { fieldSelector: `metadata.name=${INGRESS_TLS_ROLE}` };
  const roles: Informer<Role> = deps.informers.for<Role>(Roles, byName);
  const bindings: Informer<RoleBinding> = deps.informers.for<RoleBinding>(RoleBindings, byName);
  const queue = createWorkQueue<string>({ metrics: deps.queueMetrics?.forQueue('ingresstls'), baseDelayMs: 200, maxDelayMs: 30_000 });

  const enqueue = (o: { metadata?: { namespace?: string } }): void => queue.add(nsOf(o));
  /** A class change can make any namespace's Ingresses ours or not ours. */
  const enqueueAll = (): void => {
    for (const ns of new Set([...ingresses.list(), ...roles.list(), ...bindings.list()].map(nsOf))) queue.add(ns);
  };
  const h = { onAdd: enqueue, onUpdate: (_o: { metadata?: { namespace?: string } }, n: { metadata?: { namespace?: string } }) => enqueue(n), onDelete: enqueue };
  ingresses.addHandlers(h);
  roles.addHandlers(h);
  bindings.addHandlers(h);
  classes.addHandlers({ onAdd: enqueueAll, onUpdate: enqueueAll, onDelete: enqueueAll });

  const reconcile = async (ns: string): Promise<ReconcileResult> => {
    const names = tlsSecretsByNamespace(ingresses.list().filter((i) => nsOf(i) === ns), classes.list()).get(ns) ?? [];
    const key = `${ns}/${INGRESS_TLS_ROLE}`;
    const actions = decideNamespace(ns, names, roles.get(key), bindings.get(key));
    for (const a of actions) {
      const ref = a.kind === 'Role' ? Roles : RoleBindings;
      try {
        if (a.op === 'create') await deps.client.create(ref, a.obj, ns);
        else if (a.op === 'update') await deps.client.update(ref, a.obj, ns);
        else await deps.client.delete(ref, INGRESS_TLS_ROLE, ns);
      } catch (e) {
        // The cache is behind: the watch event requeues the namespace.
        if ((a.op === 'delete' && isNotFound(e)) || (a.op === 'create' && isAlreadyExists(e))) continue;
        throw e;
      }
      deps.log.info('ingress TLS access updated', { namespace: ns, op: a.op, kind: a.kind, secrets: names });
    }
  };
  return { queue, reconcile };
}

/**
 * Starts the controller: registers its informers now and runs one worker
 * once they synced, until `signal` aborts. API errors (409 from a stale
 * cache, 403) are retried with backoff.
 */
export function startIngressTLSController(deps: ControllerDeps, signal: AbortSignal): void {
  runWhenSynced(deps, 'ingress-tls controller', createIngressTLSController(deps), 1, signal);
}
