/**
 * The credentials of one HTTP request: the TLS peer's certificate (when
 * the connection is TLS and the client sent one) and the bearer token.
 */
import type { IncomingMessage } from 'node:http';
import { TLSSocket } from 'node:tls';
import { bearerTokenOf } from './bearer.ts';
import type { Credentials } from './types.ts';

/** The credentials of `req`. Never throws. */
export function credentialsOf(req: IncomingMessage): Credentials {
  const creds: Credentials = { clientCerts: [] };
  const sock = req.socket;
  if (sock instanceof TLSSocket) {
    const peer = sock.getPeerCertificate(false) as { raw?: Buffer } | undefined;
    if (peer?.raw && peer.raw.length > 0) creds.clientCerts.push(peer.raw);
  }
  const token = bearerTokenOf(req.headers.authorization);
  if (token !== undefined) creds.bearerToken = token;
  return creds;
}
