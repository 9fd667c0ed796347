/**
 * A bounded cache of verified client certificates, so that a client's
 * certificate is parsed and its signature checked once rather than on every
 * request of its connections (the burst profile of a one-process server had
 * `new X509Certificate` + verify as its top hot spot, 4.6 % of the busy
 * time). kube-apiserver's x509 authenticator keeps a like cache of verified
 * chains. Only successes are kept, keyed by the exact DER bytes, with the
 * certificate's validity window, which is checked again on every hit, so an
 * entry never outlives its certificate. Least recently used entries go
 * first past `max` (default 1,024).
 */
import type { UserInfo } from '../../api/user.ts';

/** One verified certificate: its user and validity window (ms since epoch, inclusive). */
export interface VerifiedCert {
  user: UserInfo;
  notBeforeMs: number;
  notAfterMs: number;
}

/** The cache; `get` answers only for a certificate valid at `nowMs`. */
export class VerifiedCertCache {
  private readonly entries = new Map<string, VerifiedCert>();

  constructor(private readonly max = 1024) {}

  /** The user of `der` when it was verified before and `nowMs` is inside its window; else undefined. */
  get(der: Buffer, nowMs: number): UserInfo | undefined {
    const key = der.toString('latin1');
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (nowMs < hit.notBeforeMs || nowMs > hit.notAfterMs) {
      this.entries.delete(key);
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, hit);
    return hit.user;
  }

  /** Records a verified certificate, dropping the least recently used entry past the bound. */
  set(der: Buffer, v: VerifiedCert): void {
    const key = der.toString('latin1');
    this.entries.delete(key);
    this.entries.set(key, v);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
  }

  /** Entries held (tests). */
  get size(): number {
    return this.entries.size;
  }
}
