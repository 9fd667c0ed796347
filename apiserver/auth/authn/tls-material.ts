/**
 * The TLS material an API server is given (`tls: { cert, key, clientCA }`),
 * each a PEM text or a path to one, and the Node https options it becomes:
 * a client cert is requested but not required, and untrusted certs are not
 * cut off in the handshake (`rejectUnauthorized: false`) so that the x509
 * authenticator answers them with a 401 Status.
 */
import { readFileSync } from 'node:fs';
import type { ServerOptions } from 'node:https';

/** The apiserver's TLS material: PEM texts or file paths. */
export interface ApiServerTLS {
  /** Serving certificate (chain). */
  cert: string;
  /** Serving private key. */
  key: string;
  /** CA bundle that client certificates must chain to. */
  clientCA: string;
  /** ServiceAccount token signing key (PEM or path); default: an in-memory key. */
  serviceAccountKey?: string;
}

/** `v` when it holds a PEM block, else the text of the file at path `v`. Throws on I/O errors. */
export function pemOrFile(v: string): string {
  return v.includes('-----BEGIN ') ? v : readFileSync(v, 'utf8');
}

/** The https server options for `tls`. Throws on unreadable files. */
export function httpsOptions(tls: ApiServerTLS): ServerOptions {
  return { cert: pemOrFile(tls.cert), key: pemOrFile(tls.key), ca: pemOrFile(tls.clientCA), requestCert: true, rejectUnauthorized: false };
}
