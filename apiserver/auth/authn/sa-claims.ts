/**
 * The claims of ServiceAccount tokens (kubernetes pkg/serviceaccount/
 * claims.go and legacy.go): legacy Secret-based tokens, issued by
 * `kubernetes/serviceaccount` with flat `kubernetes.io/serviceaccount/*`
 * claims and no expiry; bound tokens, issued by the cluster issuer with
 * aud/exp/nbf/iat/jti and a private `kubernetes.io` claim naming the
 * namespace, the ServiceAccount and the object (Pod or Secret) the token is
 * bound to. Builders are pure; times are in seconds since the epoch.
 */

/** The issuer of legacy tokens. */
export const LEGACY_ISSUER = 'kubernetes/serviceaccount';
/** The user name prefix of ServiceAccounts. */
export const SA_USER_PREFIX = 'system:serviceaccount:';

/** A Kubernetes object reference inside a bound token. */
export interface ObjectRefClaim {
  name: string;
  uid: string;
}

/** The `kubernetes.io` private claim of a bound token. */
export interface KubernetesClaim {
  namespace: string;
  serviceaccount: ObjectRefClaim;
  pod?: ObjectRefClaim;
  secret?: ObjectRefClaim;
}

/** `system:serviceaccount:<ns>:<name>`. Pure. */
export function serviceAccountUsername(namespace: string, name: string): string {
  return `${SA_USER_PREFIX}${namespace}:${name}`;
}

/** The claims of a legacy token for the SA `name` (uid `uid`) and its token Secret. Pure. */
export function legacyClaims(namespace: string, name: string, uid: string, secretName: string): Record<string, unknown> {
  return {
    iss: LEGACY_ISSUER,
    'kubernetes.io/serviceaccount/namespace': namespace,
    'kubernetes.io/serviceaccount/secret.name': secretName,
    'kubernetes.io/serviceaccount/service-account.name': name,
    'kubernetes.io/serviceaccount/service-account.uid': uid,
    sub: serviceAccountUsername(namespace, name),
  };
}

/** Inputs of a bound token. */
export interface BoundTokenInput {
  issuer: string;
  audiences: string[];
  /** Seconds since the epoch. */
  nowSeconds: number;
  expirationSeconds: number;
  namespace: string;
  serviceAccount: ObjectRefClaim;
  pod?: ObjectRefClaim;
  secret?: ObjectRefClaim;
  /** A unique id (jti). */
  jti: string;
}

/** The claims of a bound token: iat = nbf = now, exp = now + expirationSeconds. Pure. */
export function boundClaims(i: BoundTokenInput): Record<string, unknown> {
  const k: KubernetesClaim = { namespace: i.namespace, serviceaccount: i.serviceAccount };
  if (i.pod) k.pod = i.pod;
  if (i.secret) k.secret = i.secret;
  return {
    aud: i.audiences, exp: i.nowSeconds + i.expirationSeconds, iat: i.nowSeconds, iss: i.issuer, jti: i.jti,
    'kubernetes.io': k, nbf: i.nowSeconds, sub: serviceAccountUsername(i.namespace, i.serviceAccount.name),
  };
}
