/**
 * The x509 client-certificate authenticator (k8s.io/apiserver/pkg/
 * authentication/request/x509): the leaf the TLS peer sent must be issued
 * and signed by the client CA, be within its validity, and (when it names
 * extended key usages) allow clientAuth. The subject's CN is the user name
 * and each O a group (CommonNameUserConversion). Only certs issued directly
 * by the CA are accepted (Skiff's PKI has no intermediates).
 */
import { X509Certificate } from 'node:crypto';
import type { Authenticator, AuthnResult } from './types.ts';
import { withAuthenticatedGroup } from './users.ts';
import { VerifiedCertCache, type VerifiedCert } from './x509-cache.ts';
import type { UserInfo } from '../../api/user.ts';

/** OID of the clientAuth extended key usage. */
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

/** The values of one attribute (`CN`, `O`) in a Node subject string ("O=a\nCN=b"); quoted values are JSON strings. Pure. */
export function subjectValues(subject: string, attr: string): string[] {
  const out: string[] = [];
  for (const line of subject.split('\n')) {
    const eq = line.indexOf('=');
    if (eq < 0 || line.slice(0, eq) !== attr) continue;
    const raw = line.slice(eq + 1);
    let v = raw;
    if (raw.startsWith('"')) {
      try {
        v = JSON.parse(raw) as string;
      } catch {
        v = raw;
      }
    }
    out.push(v);
  }
  return out;
}

/** A verified leaf: its user and validity window (ms since epoch, inclusive), or why it was refused. */
type LeafResult = { kind: 'user'; cert: VerifiedCert } | { kind: 'error'; message: string };

/** verifyClientCert's checks, keeping the validity window for the cache. */
function verifyLeaf(der: Buffer, ca: X509Certificate, nowMs: number): LeafResult {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch (e) {
    return { kind: 'error', message: `x509: malformed certificate: ${(e as Error).message}` };
  }
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return { kind: 'error', message: 'x509: certificate signed by unknown authority' };
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  if (!(nowMs >= from && nowMs <= to)) {
    return { kind: 'error', message: `x509: certificate has expired or is not yet valid: current time ${new Date(nowMs).toISOString()} is outside ${new Date(from).toISOString()}..${new Date(to).toISOString()}` };
  }
  const usages = cert.keyUsage;
  if (Array.isArray(usages) && usages.length > 0 && !usages.includes(CLIENT_AUTH)) {
    return { kind: 'error', message: 'x509: certificate specifies an incompatible key usage' };
  }
  const cn = subjectValues(cert.subject, 'CN')[0] ?? '';
  if (cn === '') return { kind: 'error', message: 'x509: certificate has no common name' };
  const user = withAuthenticatedGroup({ username: cn, groups: subjectValues(cert.subject, 'O') });
  return { kind: 'user', cert: { user, notBeforeMs: from, notAfterMs: to } };
}

/**
 * Verifies one DER leaf against `ca` at `nowMs` (ms since epoch). Returns
 * the user, or an error message in Go's x509 wording ("x509: certificate
 * signed by unknown authority", "x509: certificate has expired or is not
 * yet valid: ..."). Pure but for the signature check.
 */
export function verifyClientCert(der: Buffer, ca: X509Certificate, nowMs: number): AuthnResult {
  const r = verifyLeaf(der, ca, nowMs);
  return r.kind === 'user' ? { kind: 'user', user: r.cert.user } : r;
}

/** Options of x509Authenticator. */
export interface X509Options {
  /** The client CA bundle (PEM; the first cert is used). */
  clientCAPem: string;
  /** ms since epoch. */
  now: () => number;
  /** Verified certificates kept (default 1,024; see x509-cache.ts). */
  cacheSize?: number;
}

/**
 * The authenticator: no client cert → none; otherwise verifyClientCert of
 * the leaf, answered from a VerifiedCertCache when the same leaf was
 * verified before and is still within its validity (each answer gets its
 * own copy of the user). Throws only on a malformed CA (at construction).
 */
export function x509Authenticator(o: X509Options): Authenticator {
  const ca = new X509Certificate(o.clientCAPem);
  const cache = new VerifiedCertCache(o.cacheSize);
  const copy = (u: UserInfo): UserInfo => ({ ...u, groups: [...u.groups] });
  return async (creds) => {
    const leaf = creds.clientCerts[0];
    if (!leaf) return { kind: 'none' };
    const now = o.now();
    const cached = cache.get(leaf, now);
    if (cached) return { kind: 'user', user: copy(cached) };
    const r = verifyLeaf(leaf, ca, now);
    if (r.kind === 'error') return r;
    cache.set(leaf, r.cert);
    return { kind: 'user', user: copy(r.cert.user) };
  };
}
