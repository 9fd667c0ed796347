/**
 * The authentication configuration of a TLS API server, assembled from its
 * TLS material: the request authenticator (union of x509, then bearer
 * tokens: bootstrap tokens, then ServiceAccount tokens, as kube-apiserver
 * orders them), the token authenticators TokenReview uses, the API
 * audiences and the ServiceAccount token signer.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { bearerAuthenticator } from './bearer.ts';
import { bootstrapTokenAuthenticator } from './bootstrap-token.ts';
import type { ObjectGetter } from './getter.ts';
import { serviceAccountTokenAuthenticator } from './sa-token.ts';
import type { Authenticator, TokenAuthenticator } from './types.ts';
import { unionAuthenticator } from './union.ts';
import { x509Authenticator } from './x509.ts';

/** The default issuer and API audience (k3s's). */
export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

/** Inputs of buildAuthn. PEM texts. */
export interface AuthnConfigInput {
  /** The client CA; undefined: no x509 authenticator. */
  clientCAPem?: string;
  /** PKCS#8 or SEC1/PKCS#1 private key (EC P-256 or RSA) signing ServiceAccount tokens; default: a fresh P-256 key (tokens then die with the process). */
  serviceAccountKeyPem?: string;
  /** Default DEFAULT_ISSUER. */
  issuer?: string;
  /** Default [issuer]. */
  apiAudiences?: string[];
  get: ObjectGetter;
  /** ms since epoch. */
  now: () => number;
}

/** What the server's authentication needs. */
export interface AuthnConfig {
  authenticator: Authenticator;
  /** Bootstrap then ServiceAccount token authenticators (TokenReview). */
  tokens: TokenAuthenticator[];
  apiAudiences: string[];
  issuer: string;
  /** Signs ServiceAccount tokens. */
  signingKey: KeyObject;
  now: () => number;
}

/** Builds the configuration. Throws on a malformed CA or key. */
export function buildAuthn(i: AuthnConfigInput): AuthnConfig {
  const issuer = i.issuer ?? DEFAULT_ISSUER;
  const apiAudiences = i.apiAudiences ?? [issuer];
  const signingKey = i.serviceAccountKeyPem !== undefined
    ? createPrivateKey(i.serviceAccountKeyPem)
    : generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
  const tokens = [
    bootstrapTokenAuthenticator(i.get, i.now),
    serviceAccountTokenAuthenticator({ issuer, publicKeys: [createPublicKey(signingKey)], get: i.get, now: i.now }),
  ];
  const authenticator = unionAuthenticator([
    ...(i.clientCAPem !== undefined ? [x509Authenticator({ clientCAPem: i.clientCAPem, now: i.now })] : []),
    bearerAuthenticator(tokens, apiAudiences),
  ]);
  return { authenticator, tokens, apiAudiences, issuer, signingKey, now: i.now };
}
