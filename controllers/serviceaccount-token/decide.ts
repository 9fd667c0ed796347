/**
 * The pure rule of the ServiceAccount token controller, as Kubernetes'
 * pkg/controller/serviceaccount/tokens_controller.go since 1.24 (no Secret
 * is created per ServiceAccount any more; syncSecret, secretUpdateNeeded,
 * generateTokenIfNeeded): a Secret of type
 * `kubernetes.io/service-account-token` names its ServiceAccount in the
 * annotation `kubernetes.io/service-account.name`. When that SA is gone, or
 * the Secret's `kubernetes.io/service-account.uid` annotation names another
 * incarnation of it, the Secret is deleted. Otherwise a missing `token`,
 * `namespace` or (with a CA configured) a differing `ca.crt` is filled in and
 * both annotations are set. Like kube, a present token is not re-verified.
 */
import type { Secret, ServiceAccount } from 'kubernetes-types/core/v1';
import { legacyClaims } from '../../apiserver/auth/authn/sa-claims.ts';

/** The Secret type the controller manages (v1.SecretTypeServiceAccountToken). */
export const SA_TOKEN_SECRET_TYPE = 'kubernetes.io/service-account-token';
/** Annotation naming the Secret's ServiceAccount (v1.ServiceAccountNameKey). */
export const SA_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
/** Annotation holding that ServiceAccount's uid (v1.ServiceAccountUIDKey). */
export const SA_UID_ANNOTATION = 'kubernetes.io/service-account.uid';

/** Signs legacy token claims into a compact JWS (e.g. signJws with the SA private key). */
export type TokenSigner = (claims: Record<string, unknown>) => string;

/** What to do with one Secret. */
export type TokenSecretAction =
  | { kind: 'none' }
  /** DELETE the Secret with a uid precondition (`uid`, the Secret's own), so a recreated Secret of that name is spared. */
  | { kind: 'delete'; uid?: string; reason: string }
  /** PUT `secret` (carries the cached resourceVersion, so a concurrent change gets a 409 and a retry). */
  | { kind: 'populate'; secret: Secret };

/** Whether `s` is a ServiceAccount token Secret. Pure. */
export function isTokenSecret(s: Secret | undefined): s is Secret {
  return s?.type === SA_TOKEN_SECRET_TYPE;
}

/** The ServiceAccount name a token Secret names ('' when unannotated). Pure. */
export function tokenSecretSAName(s: Secret): string {
  return s.metadata?.annotations?.[SA_NAME_ANNOTATION] ?? '';
}

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
const unb64 = (v: string | undefined): string => Buffer.from(v ?? '', 'base64').toString('utf8');

/**
 * The action for the token Secret `secret` whose annotated ServiceAccount is
 * `sa` (undefined when it does not exist), with the PEM bundle `rootCA` ('' =
 * none configured: ca.crt is left alone, as kube) and `sign` for a new
 * token. Nothing for a Secret of another type, one being deleted, or one
 * without the name annotation (the API rejects those; Skiff does not guess).
 * Data values are base64, as the Secret API holds them.
 */
export function decideTokenSecret(secret: Secret | undefined, sa: ServiceAccount | undefined, rootCA: string, sign: TokenSigner): TokenSecretAction {
  if (!isTokenSecret(secret) || secret.metadata?.deletionTimestamp) return { kind: 'none' };
  const ns = secret.metadata?.namespace ?? '';
  const name = secret.metadata?.name ?? '';
  const saName = tokenSecretSAName(secret);
  if (!ns || !name || !saName) return { kind: 'none' };
  const saUid = sa?.metadata?.uid ?? '';
  const wantUid = secret.metadata?.annotations?.[SA_UID_ANNOTATION] ?? '';
  if (!sa || !saUid) return { kind: 'delete', uid: secret.metadata?.uid, reason: `service account ${ns}/${saName} does not exist` };
  if (wantUid !== '' && wantUid !== saUid) return { kind: 'delete', uid: secret.metadata?.uid, reason: `service account ${ns}/${saName} has uid ${saUid}, the secret names ${wantUid}` };

  const data = secret.data ?? {};
  const needsCA = rootCA !== '' && unb64(data['ca.crt']) !== rootCA;
  const needsNamespace = (data.namespace ?? '') === '';
  const needsToken = (data.token ?? '') === '';
  if (!needsCA && !needsNamespace && !needsToken) return { kind: 'none' };

  const next: Secret = structuredClone(secret);
  const nextData: Record<string, string> = { ...data };
  if (needsCA) nextData['ca.crt'] = b64(rootCA);
  if (needsNamespace) nextData.namespace = b64(ns);
  if (needsToken) nextData.token = b64(sign(legacyClaims(ns, saName, saUid, name)));
  next.data = nextData;
  next.metadata = { ...next.metadata, annotations: { ...(next.metadata?.annotations ?? {}), [SA_NAME_ANNOTATION]: saName, [SA_UID_ANNOTATION]: saUid } };
  return { kind: 'populate', secret: next };
}
