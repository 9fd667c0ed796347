/**
 * Authentication of requests to the kubelet API, as the kubelet's
 * delegating authenticator (`pkg/kubelet/server/auth.go`,
 * k8s.io/apiserver `pkg/authentication/request/x509` and
 * `pkg/authentication/request/bearertoken`): a client cert verified against
 * the client CA (CN → user, O → groups), else a bearer token checked by a
 * TokenReview, else nobody. Anonymous access is off.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { AuthnResult, UserInfo } from './attributes.ts';

/** What TLS saw of the client: whether its chain verified against the client CA, and its subject. */
export interface PeerCertificate {
  /** True when the chain verified against the CA (and the cert may be used for client auth). */
  authorized: boolean;
  /** OpenSSL's reason when not authorized, e.g. 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'. */
  authorizationError?: string;
  /** Subject CN; absent when the client sent no cert. */
  commonName?: string;
  /** Subject O values, in order. */
  organizations: string[];
}

/**
 * The x509 authenticator's rule, pure: a verified cert with a non-empty CN
 * is user CN in groups O; no cert, an unverified one, or an empty CN is
 * unauthenticated (k8s.io/apiserver x509.CommonNameUserConversion).
 */
export function x509User(peer: PeerCertificate | undefined): AuthnResult {
  if (!peer || peer.commonName === undefined) return { unauthenticated: 'no client certificate' };
  if (!peer.authorized) return { unauthenticated: `client certificate not trusted: ${peer.authorizationError ?? 'unknown'}` };
  if (peer.commonName === '') return { unauthenticated: 'client certificate has an empty common name' };
  return { user: { name: peer.commonName, groups: peer.organizations } };
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);

/** The peer cert of a request on a TLS socket; undefined on plain HTTP or when no cert was sent. */
export function peerCertificate(req: IncomingMessage): PeerCertificate | undefined {
  const sock = req.socket as Partial<TLSSocket>;
  if (typeof sock.getPeerCertificate !== 'function') return undefined;
  const cert = sock.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0 || !cert.subject) return undefined;
  const subject = cert.subject as unknown as Record<string, unknown>;
  return {
    authorized: sock.authorized === true,
    authorizationError: sock.authorizationError === undefined ? undefined : String(sock.authorizationError),
    commonName: subject.CN === undefined ? '' : strings(subject.CN)[0] ?? '',
    organizations: strings(subject.O),
  };
}

/**
 * Checks a bearer token (the TokenReview API, injected): resolves the user
 * when the token is valid, undefined when it is not; rejects when the
 * review itself failed (network, API error).
 */
export type TokenReviewer = (token: string) => Promise<UserInfo | undefined>;

/** Authenticates one request; never rejects (a failing TokenReview is unauthenticated, as the kubelet answers 401). */
export type KubeletAuthenticator = (req: IncomingMessage) => Promise<AuthnResult>;

/** The bearer token of an `Authorization: Bearer <token>` header, or undefined. Pure. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m ? m[1] : undefined;
}

/**
 * The kubelet's union authenticator: x509 first; then, when `reviewToken`
 * is given and the request carries a bearer token, the TokenReview; else
 * unauthenticated.
 */
export function createAuthenticator(o: { reviewToken?: TokenReviewer } = {}): KubeletAuthenticator {
  return async (req) => {
    const byCert = x509User(peerCertificate(req));
    if ('user' in byCert) return byCert;
    const token = bearerToken(req.headers.authorization);
    if (!o.reviewToken || token === undefined) return byCert;
    try {
      const user = await o.reviewToken(token);
      return user ? { user } : { unauthenticated: 'invalid bearer token' };
    } catch (e) {
      return { unauthenticated: `token review failed: ${e instanceof Error ? e.message : String(e)}` };
    }
  };
}
