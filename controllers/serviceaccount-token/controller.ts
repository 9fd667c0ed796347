/**
 * ServiceAccount token controller (kube-controller-manager's
 * `serviceaccount-token` controller, pkg/controller/serviceaccount/
 * tokens_controller.go, as since 1.24: it no longer creates a Secret per
 * ServiceAccount). It fills Secrets of type
 * `kubernetes.io/service-account-token` with a legacy token signed by the
 * service-account key, the root CA and the namespace, and deletes those whose
 * ServiceAccount is gone or was recreated. Level-based, keyed by the Secret's
 * `namespace/name`: a token Secret's add or update queues it, and any event
 * on a ServiceAccount queues the token Secrets that name it.
 */
import type { KeyObject } from 'node:crypto';
import type { Secret, ServiceAccount } from 'kubernetes-types/core/v1';
import { signJws } from '../../apiserver/auth/authn/jws.ts';
import type { Informer } from '../../apiserver/client/informer-types.ts';
import { Secrets, ServiceAccounts } from '../../apiserver/client/resources.ts';
import { ApiError, isNotFound } from '../../apiserver/client/types.ts';
import { createWorkQueue } from '../../apiserver/client/workqueue.ts';
import type { ReconcileResult } from '../../apiserver/client/controller.ts';
import type { ControllerDeps } from '../deps.ts';
import { runWhenSynced } from '../run.ts';
import { decideTokenSecret, isTokenSecret, SA_UID_ANNOTATION, tokenSecretSAName } from './decide.ts';

/** Name of the Secret informer index: token Secrets by `namespace/<annotated SA name>`. */
const BY_SA = 'serviceaccount-token/by-sa';

const isConflict = (e: unknown): boolean => e instanceof ApiError && e.code === 409;

/** The queue and reconcile of the controller, exposed for tests; `key` signs the tokens. */
export function createTokensController(deps: ControllerDeps, key: KeyObject) {
  const rootCA = deps.config.rootCA ?? '';
  const sign = (claims: Record<string, unknown>): string => signJws(key, claims);
  const secrets: Informer<Secret> = deps.informers.for<Secret>(Secrets);
  const accounts: Informer<ServiceAccount> = deps.informers.for<ServiceAccount>(ServiceAccounts);
  const queue = createWorkQueue<string>({ metrics: deps.queueMetrics?.forQueue('serviceaccount_tokens_secret'), baseDelayMs: 100, maxDelayMs: 30_000 });
  secrets.addIndex(BY_SA, (s) => (isTokenSecret(s) && tokenSecretSAName(s) ? [`${s.metadata?.namespace ?? ''}/${tokenSecretSAName(s)}`] : []));
  const enqueueSecret = (s: Secret): void => {
    if (isTokenSecret(s) && s.metadata?.name) queue.add(`${s.metadata.namespace ?? ''}/${s.metadata.name}`);
  };
  const enqueueTokensOf = (sa: ServiceAccount): void => {
    for (const s of secrets.byIndex(BY_SA, `${sa.metadata?.namespace ?? ''}/${sa.metadata?.name ?? ''}`)) enqueueSecret(s);
  };
  secrets.addHandlers({ onAdd: enqueueSecret, onUpdate: (_o, s) => enqueueSecret(s) });
  accounts.addHandlers({ onAdd: enqueueTokensOf, onUpdate: (_o, sa) => enqueueTokensOf(sa), onDelete: enqueueTokensOf });

  /** The SA the Secret names: from the cache, or live when the cache misses it or holds another uid (kube's fetchOnCacheMiss), so a just-created SA is not taken for a deleted one. */
  const serviceAccountFor = async (secret: Secret): Promise<ServiceAccount | undefined> => {
    const ns = secret.metadata?.namespace ?? '';
    const name = tokenSecretSAName(secret);
    const uid = secret.metadata?.annotations?.[SA_UID_ANNOTATION] ?? '';
    const cached = accounts.get(`${ns}/${name}`);
    if (cached && (uid === '' || cached.metadata?.uid === uid)) return cached;
    return deps.client.tryGet<ServiceAccount>(ServiceAccounts, name, ns);
  };

  const reconcile = async (key: string): Promise<ReconcileResult> => {
    const secret = secrets.get(key);
    if (!isTokenSecret(secret) || secret.metadata?.deletionTimestamp || !tokenSecretSAName(secret)) return;
    const ns = secret.metadata?.namespace ?? '';
    const name = secret.metadata?.name ?? '';
    const action = decideTokenSecret(secret, await serviceAccountFor(secret), rootCA, sign);
    if (action.kind === 'delete') {
      try {
        await deps.client.delete(Secrets, name, ns, action.uid ? { preconditions: { uid: action.uid } } : undefined);
        deps.log.info('deleted service account token secret', { namespace: ns, name, reason: action.reason });
      } catch (e) {
        // Already gone, or the uid precondition failed (a new Secret of that name): its own events decide.
        if (!isNotFound(e) && !isConflict(e)) throw e;
      }
    } else if (action.kind === 'populate') {
      try {
        await deps.client.update<Secret>(Secrets, action.secret, ns);
        deps.log.info('populated service account token secret', { namespace: ns, name, serviceAccount: tokenSecretSAName(secret) });
      } catch (e) {
        // Gone meanwhile: nothing to fill. A 409 (changed since the cache saw it) is thrown and retried on fresh state.
        if (!isNotFound(e)) throw e;
      }
    }
  };

  return { queue, reconcile };
}

/**
 * Starts the token controller when `deps.config.serviceAccountKey` is set
 * (kube-controller-manager starts it only with
 * --service-account-private-key-file): registers the Secret and
 * ServiceAccount informers now and runs one worker once they synced, until
 * `signal` aborts. Without a key it logs that once and does nothing. Never
 * throws; API errors are retried with backoff.
 */
export function startTokensController(deps: ControllerDeps, signal: AbortSignal): void {
  const key = deps.config.serviceAccountKey;
  if (!key) {
    deps.log.info('service account token controller not started: no service account private key configured');
    return;
  }
  runWhenSynced(deps, 'service account token controller', createTokensController(deps, key), 1, signal);
}
