/**
 * The bearer-token request authenticator (k8s.io/apiserver/pkg/
 * authentication/request/bearertoken) over a union of token authenticators
 * (bootstrap tokens, ServiceAccount tokens), plus the parsing of the
 * Authorization header it reads.
 */
import type { AuthnResult, Authenticator, TokenAuthenticator } from './types.ts';

/**
 * The token of an `Authorization: Bearer <token>` header (scheme
 * case-insensitive, as Kubernetes); undefined for none, another scheme or
 * an empty token. Pure.
 */
export function bearerTokenOf(header: string | string[] | undefined): string | undefined {
  const h = Array.isArray(header) ? header[0] : header;
  if (!h) return undefined;
  const m = /^\s*bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1] : undefined;
}

/**
 * Tries `tokens` in order on `token` with the accepted `audiences`; the
 * first user wins, else the joined errors, else none. Never throws for a bad token.
 */
export async function authenticateToken(tokens: TokenAuthenticator[], token: string, audiences: string[]): Promise<AuthnResult> {
  const errors: string[] = [];
  for (const t of tokens) {
    const r = await t(token, audiences);
    if (r.kind === 'user') return r;
    if (r.kind === 'error') errors.push(r.message);
  }
  if (errors.length > 0) return { kind: 'error', message: errors.join(', ') };
  return { kind: 'none' };
}

/**
 * The request authenticator: no bearer token → none; a token that no
 * token authenticator accepts → error "invalid bearer token" (Kubernetes'
 * wording), even if each said none.
 */
export function bearerAuthenticator(tokens: TokenAuthenticator[], apiAudiences: string[]): Authenticator {
  return async (creds) => {
    if (creds.bearerToken === undefined) return { kind: 'none' };
    const r = await authenticateToken(tokens, creds.bearerToken, apiAudiences);
    if (r.kind === 'user') return r;
    return { kind: 'error', message: r.kind === 'error' ? `invalid bearer token, ${r.message}` : 'invalid bearer token' };
  };
}
