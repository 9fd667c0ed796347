/**
 * The contract of every authenticator, as Kubernetes' authenticator.Request
 * and authenticator.Token (k8s.io/apiserver/pkg/authentication/authenticator):
 * given a request's credentials, an authenticator answers one of three
 * values — it found no credential of its kind, it authenticated a user, or
 * the credential it recognised is bad. Errors are values, never throws.
 */
import type { UserInfo } from '../../api/user.ts';

/** The credentials a request carries, extracted from HTTP and TLS. */
export interface Credentials {
  /** The client certificate chain the TLS peer sent, leaf first (DER); empty when none. */
  clientCerts: Buffer[];
  /** The bearer token of the Authorization header, when present. */
  bearerToken?: string;
}

/** What one authenticator made of a request (Kubernetes' (Response, ok, error) triple). */
export type AuthnResult =
  | { kind: 'none' }
  | { kind: 'user'; user: UserInfo; /** Audiences the credential is valid for (bound tokens); undefined: any. */ audiences?: string[] }
  | { kind: 'error'; message: string };

/** Authenticates one request's credentials. Never throws for a bad credential. */
export type Authenticator = (creds: Credentials) => Promise<AuthnResult>;

/**
 * Authenticates a bearer token, as authenticator.Token. `audiences` are the
 * audiences the caller accepts (the server's API audiences, or a
 * TokenReview's spec.audiences).
 */
export type TokenAuthenticator = (token: string, audiences: string[]) => Promise<AuthnResult>;
